package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const pipelineConfig = `pipelines:
  keys:
    - name: partner
      write: [s3:landing]
    - name: pipes
      read: [kinesis:clicks]
      write: [s3:lake, lambda:echo]
  buckets:
    - landing
    - lake
  streams:
    - name: clicks
      shards: 2
  databases:
    - name: analytics
      description: the lake's tables
      tables:
        - name: partner_feed
          location: s3://landing/feed/
          format: csv
          delimiter: "|"
          header: false
          columns: [{name: id, type: bigint}, {name: note, type: string}]
  crawlers:
    - name: raw
      database: analytics
      targets: [s3://lake/raw/]
      recrawl: events
  functions:
    - name: echo
      runtime: python3.12
      handler: app.handler
      code: echo
      role: pipes
  warehouse_tables:
    - name: public.visits
      columns:
        - {name: id, type: BIGINT}
        - {name: amount, type: "DECIMAL(10,2)"}
  deliveries:
    - name: clicks-raw
      stream: clicks
      role: pipes
      bucket: lake
      prefix: raw-clicks/
      interval: 1
      transform: echo
`

// echoApp is a Firehose transform that passes records on as they are.
const echoApp = `def handler(event, context):
    return {"records": [{"recordId": r["recordId"], "result": "Ok", "data": r["data"]} for r in event["records"]]}
`

// TestPipelinesAsCode: tarn serve makes the pipelines its config declares
// at start; tarn apply --dry-run lists what was made through the APIs
// and is not declared, without deleting it; SIGHUP applies an edited
// config; a config with a mistake names file, line and field and changes
// nothing; export-config applied to a fresh tarn makes the same pipelines;
// --prune deletes what is not declared.
func TestPipelinesAsCode(t *testing.T) {
	confDir := t.TempDir()
	conf := filepath.Join(confDir, "tarn.yaml")
	if err := os.WriteFile(conf, []byte(pipelineConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(confDir, "echo"), 0o755)
	if err := os.WriteFile(filepath.Join(confDir, "echo", "app.py"), []byte(echoApp), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "--config", conf)
	cli := newAWSCLI(t, awsCLIPath(t), srv)
	shards := func(c *awsCLI, name string) string {
		return strings.TrimSpace(c.must(t, "kinesis", "describe-stream-summary", "--stream-name", name,
			"--query", "StreamDescriptionSummary.OpenShardCount", "--output", "text"))
	}
	waitFor(t, srv, "the config's pipelines made at start", func() bool {
		out, _, err := cli.run(t, nil, "glue", "get-crawler", "--name", "raw", "--query", "Crawler.RecrawlPolicy.RecrawlBehavior", "--output", "text")
		return err == nil && strings.TrimSpace(out) == "CRAWL_EVENT_MODE"
	})
	if got := cli.must(t, "s3", "ls"); !strings.Contains(got, " landing\n") || !strings.Contains(got, " lake\n") {
		t.Fatalf("buckets: %s", got)
	}
	if got := shards(cli, "clicks"); got != "2" {
		t.Fatalf("clicks has %s shards", got)
	}
	if got := cli.must(t, "glue", "get-database", "--name", "analytics", "--query", "Database.Description", "--output", "text"); got != "the lake's tables\n" {
		t.Fatalf("analytics: %q", got)
	}
	if out, _, err := tarnCLI(t, "", nil, "keys", "list", "--data", srv.Data); err != nil || !strings.Contains(out, "partner") || !strings.Contains(out, "s3:landing=write") {
		t.Fatalf("keys: %v\n%s", err, out)
	}
	waitFor(t, srv, "the delivery made", func() bool {
		_, _, err := cli.run(t, nil, "firehose", "describe-delivery-stream", "--delivery-stream-name", "clicks-raw")
		return err == nil
	})
	if got := cli.must(t, "lambda", "get-function-configuration", "--function-name", "echo", "--query", "[Runtime, Handler, Role]", "--output", "text"); got != "python3.12\tapp.handler\tarn:aws:iam::000000000000:role/pipes\n" {
		t.Errorf("function echo: %q", got)
	}
	psql := psqlRoot(t, srv)
	if got := psql("-A", "-t", "-c", "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'visits' ORDER BY ordinal_position"); got != "id BIGINT\namount DECIMAL(10,2)\n" {
		t.Errorf("public.visits: %q", got)
	}
	// A declared headerless, |-delimited table reads every row.
	feed := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(feed, []byte("1|first\n2|second\n"), 0o644)
	cli.must(t, "s3", "cp", feed, "s3://landing/feed/a.csv")
	waitFor(t, srv, "analytics.partner_feed's two rows", func() bool { // made empty before its first file
		return psql("-A", "-t", "-c", "SELECT count(*) || ' ' || min(note) FROM analytics.partner_feed") == "2 first\n"
	})
	// Records through the delivery, its transform the config's function.
	cli.must(t, "kinesis", "put-record", "--stream-name", "clicks", "--partition-key", "k", "--data", "aGVsbG8K")
	waitFor(t, srv, "the delivery to write through its transform", func() bool { return len(listKeys(t, srv, "lake", "raw-clicks/")) == 1 })

	// Made through the APIs, not declared: listed, kept.
	cli.must(t, "s3", "mb", "s3://extra")
	cli.must(t, "kinesis", "create-stream", "--stream-name", "other", "--shard-count", "1")
	env := []string{"TARN_ACCESS_KEY_ID=" + rootID, "TARN_SECRET_ACCESS_KEY=" + rootSecret}
	endpoint := "http://" + srv.AWSAddr
	apply := func(args ...string) (string, error) {
		out, errOut, err := tarnCLI(t, "", env, append([]string{"apply", "--endpoint", endpoint, "--data", srv.Data}, args...)...)
		return out + errOut, err
	}
	out, err := apply("--config", conf, "--dry-run")
	for _, want := range []string{"- bucket extra (not in the config: --prune deletes it)", "- stream other (not in the config",
		"0 to create, 0 to change, 2 to delete, 11 unchanged"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("dry run: %v, no %q in:\n%s", err, want, out)
		}
	}

	// Edits: the plan names each; SIGHUP applies them (a stream's shards,
	// a function's code, a warehouse table's new column, a delivery's
	// buffer, a new rule).
	edited := strings.Replace(pipelineConfig, "shards: 2", "shards: 3", 1)
	edited = strings.Replace(edited, `"DECIMAL(10,2)"}`, `"DECIMAL(10,2)"}`+"\n        - {name: note, type: VARCHAR(64)}", 1)
	edited = strings.Replace(edited, "interval: 1", "interval: 2", 1) + strings.TrimPrefix(moveConfig, "pipelines:\n")
	edited = strings.Replace(edited, "      prefix: raw-clicks/\n", "", 1) // a prefix taken away is cleared
	os.WriteFile(conf, []byte(edited), 0o600)
	os.WriteFile(filepath.Join(confDir, "echo", "app.py"), []byte(echoApp+"# changed\n"), 0o644)
	out, err = apply("--config", conf, "--dry-run")
	for _, want := range []string{"~ stream clicks: shards 2 → 3", "~ function echo: code", "~ warehouse table public.visits: add column note VARCHAR(64)",
		`~ delivery clicks-raw: prefix "raw-clicks/" → "", interval 1 → 2`, "+ rules of bucket landing", "1 to create, 4 to change"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("dry run of the edits: %v, no %q in:\n%s", err, want, out)
		}
	}
	srv.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, srv, "SIGHUP to apply the new shard count", func() bool { return shards(cli, "clicks") == "3" })
	var last string
	for deadline := time.Now().Add(time.Minute); !strings.Contains(last, "0 to create, 0 to change"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not apply the rest: a dry run still plans\n%s", last)
		}
		last, _ = apply("--config", conf, "--dry-run")
	}
	if got := psql("-A", "-t", "-c", "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'visits'"); got != "3\n" {
		t.Errorf("public.visits has %q columns after the edit", got)
	}
	f := filepath.Join(t.TempDir(), "a.json")
	os.WriteFile(f, []byte(`{"a":1}`+"\n"), 0o644)
	cli.must(t, "s3", "cp", f, "s3://landing/in/a.json")
	waitFor(t, srv, "the rule SIGHUP added to move the object", func() bool {
		return strings.Join(listKeys(t, srv, "lake", "raw/"), ",") == "raw/a.json"
	})

	// A mistake names file, line and field, and changes nothing.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("pipelines:\n  buckets:\n    - fresh\n  streams:\n    - name: clicks\n      shards: 900\n"), 0o600)
	if out, err := apply("--config", bad); err == nil || !strings.Contains(out, bad+":5: streams[0].shards: 900 shards: want 1 to 500") {
		t.Errorf("a bad config: %v\n%s", err, out)
	}
	if got := cli.must(t, "s3", "ls"); strings.Contains(got, "fresh") {
		t.Errorf("a bad config made a bucket: %s", got)
	}

	// What one tarn holds, exported and applied to a fresh one, makes the
	// same pipelines; a rule set through the S3 API is exported too. The
	// functions' code goes where the export says.
	notif := filepath.Join(t.TempDir(), "notification.json")
	os.WriteFile(notif, []byte(`{"LambdaFunctionConfigurations": [{"Id": "echo-new", "Events": ["s3:ObjectCreated:*"],
		"LambdaFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:echo",
		"Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "new/"}]}}}]}`), 0o644)
	cli.must(t, "s3api", "put-bucket-notification-configuration", "--bucket", "lake", "--notification-configuration", "file://"+notif)
	// An external schema's tables are the lake's, not the warehouse's:
	// not exported as warehouse tables.
	psql("-c", "CREATE EXTERNAL TABLE analytics.events (a string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://lake/raw/'")
	psql("-c", "CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'analytics' IAM_ROLE default")
	waitFor(t, srv, "the external schema's table", func() bool {
		_, ok := psqlAs(t, srv, rootID, rootSecret, "-A", "-t", "-c", "SELECT count(*) FROM spectrum.events")
		return ok
	})
	exportDir := t.TempDir()
	exported, errOut, err := tarnCLI(t, "", env, "export-config", "--endpoint", endpoint, "--data", srv.Data, "--code", filepath.Join(exportDir, "functions"))
	if err != nil {
		t.Fatalf("export-config: %v %s", err, errOut)
	}
	for _, want := range []string{"- name: echo\n      runtime: python3.12", "code: " + filepath.Join(exportDir, "functions", "echo.zip"), "name: public.visits",
		"name: note\n          type: varchar", "name: clicks-raw\n      stream: clicks", "transform: echo", "- bucket: landing\n      id: to-lake", "- bucket: lake\n      id: echo-new",
		"prefix: new/\n      function: echo"} {
		if !strings.Contains(exported, want) {
			t.Errorf("the export lacks %q:\n%s", want, exported)
		}
	}
	if strings.Contains(exported, "spectrum.") {
		t.Errorf("an external schema's table exported as a warehouse table:\n%s", exported)
	}
	copyFile := filepath.Join(exportDir, "exported.yaml")
	os.WriteFile(copyFile, []byte(exported), 0o600)
	fresh := startServer(t)
	if out, _, err := tarnCLI(t, "", env, "apply", "--endpoint", "http://"+fresh.AWSAddr, "--data", fresh.Data, "--config", copyFile); err != nil || !strings.Contains(out, "key partner: AWS_ACCESS_KEY_ID=") {
		t.Fatalf("apply the export to a fresh tarn: %v\n%s", err, out)
	}
	again, _, err := tarnCLI(t, "", env, "export-config", "--endpoint", "http://"+fresh.AWSAddr, "--data", fresh.Data)
	_, body, _ := strings.Cut(exported, "\n")
	_, bodyAgain, _ := strings.Cut(again, "\n")
	_, bodyAgain, _ = strings.Cut(bodyAgain, "\n") // the note that the code was not exported
	codeLine := regexp.MustCompile(`(?m)^ *code: .*\n`)
	body, bodyAgain = codeLine.ReplaceAllString(body, ""), codeLine.ReplaceAllString(bodyAgain, "")
	if err != nil || body != bodyAgain || !strings.Contains(body, "name: other") || !strings.Contains(body, "shards: 3") || !strings.Contains(body, "name: partner") {
		t.Errorf("export of the fresh tarn:\n%s\nwant:\n%s", again, exported)
	}

	// --prune deletes what is not declared.
	if out, err := apply("--config", conf, "--prune"); err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("prune: %v\n%s", err, out)
	}
	if got := cli.must(t, "s3", "ls"); strings.Contains(got, "extra") {
		t.Errorf("extra survived --prune: %s", got)
	}
	if _, _, err := cli.run(t, nil, "kinesis", "describe-stream-summary", "--stream-name", "other"); err == nil {
		t.Error("stream other survived --prune")
	}
}

// TestConfigRulesRootOnly: a bucket's config rules act as tarn itself (a
// move, a load), so a key other than root can neither set nor read them,
// whatever it may do to the bucket.
func TestConfigRulesRootOnly(t *testing.T) {
	srv := startServer(t)
	cli := newAWSCLI(t, awsCLIPath(t), srv)
	cli.must(t, "s3", "mb", "s3://landing")
	id, secret := addKey(t, srv, "owner", "--write", "s3:landing")
	conf := filepath.Join(t.TempDir(), "rules.yaml")
	os.WriteFile(conf, []byte("pipelines:\n  rules:\n    - bucket: landing\n      id: grab\n      prefix: in/\n      move: {bucket: secret, key: \"{rel}\"}\n"), 0o600)
	env := []string{"TARN_ACCESS_KEY_ID=" + id, "TARN_SECRET_ACCESS_KEY=" + secret}
	for _, args := range [][]string{{"apply", "--config", conf}, {"apply", "--config", conf, "--dry-run"}} {
		out, errOut, err := tarnCLI(t, "", env, append(args, "--endpoint", srv.URL())...)
		if err == nil || !strings.Contains(out+errOut, "only the root key") {
			t.Errorf("tarn %s as a bucket's owner: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
	}
	if out, errOut, err := tarnCLI(t, "", env, "export-config", "--endpoint", srv.URL()); err == nil {
		t.Errorf("tarn export-config as a bucket's owner:\n%s%s", out, errOut)
	}
	// Root may.
	rootEnv := []string{"TARN_ACCESS_KEY_ID=" + rootID, "TARN_SECRET_ACCESS_KEY=" + rootSecret}
	if out, errOut, err := tarnCLI(t, "", rootEnv, "apply", "--config", conf, "--endpoint", srv.URL()); err != nil || !strings.Contains(out, "+ rules of bucket landing") {
		t.Fatalf("tarn apply as root: %v\n%s%s", err, out, errOut)
	}
}

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const pipelineConfig = `pipelines:
  keys:
    - name: partner
      write: [s3:landing]
  buckets:
    - landing
    - lake
  streams:
    - name: clicks
      shards: 2
  databases:
    - name: analytics
      description: the lake's tables
  crawlers:
    - name: raw
      database: analytics
      targets: [s3://lake/raw/]
      recrawl: events
`

// TestPipelinesAsCode: tarn serve makes the pipelines its config declares
// at start; tarn apply --dry-run lists what was made through the APIs
// and is not declared, without deleting it; SIGHUP applies an edited
// config; a config with a mistake names file, line and field and changes
// nothing; export-config applied to a fresh tarn makes the same pipelines;
// --prune deletes what is not declared.
func TestPipelinesAsCode(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "tarn.yaml")
	if err := os.WriteFile(conf, []byte(pipelineConfig), 0o600); err != nil {
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
		"0 to create, 0 to change, 2 to delete, 6 unchanged"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("dry run: %v, no %q in:\n%s", err, want, out)
		}
	}

	// SIGHUP applies the edited file: a stream's shards and a new rule.
	edited := strings.Replace(pipelineConfig, "shards: 2", "shards: 3", 1) + strings.TrimPrefix(moveConfig, "pipelines:\n")
	os.WriteFile(conf, []byte(edited), 0o600)
	srv.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, srv, "SIGHUP to apply the new shard count", func() bool { return shards(cli, "clicks") == "3" })
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
	// same pipelines.
	exported, errOut, err := tarnCLI(t, "", env, "export-config", "--endpoint", endpoint, "--data", srv.Data)
	if err != nil {
		t.Fatalf("export-config: %v %s", err, errOut)
	}
	copyFile := filepath.Join(t.TempDir(), "exported.yaml")
	os.WriteFile(copyFile, []byte(exported), 0o600)
	fresh := startServer(t)
	if out, _, err := tarnCLI(t, "", env, "apply", "--endpoint", "http://"+fresh.AWSAddr, "--data", fresh.Data, "--config", copyFile); err != nil || !strings.Contains(out, "key partner: AWS_ACCESS_KEY_ID=") {
		t.Fatalf("apply the export to a fresh tarn: %v\n%s", err, out)
	}
	again, _, err := tarnCLI(t, "", env, "export-config", "--endpoint", "http://"+fresh.AWSAddr, "--data", fresh.Data)
	_, body, _ := strings.Cut(exported, "\n")
	_, bodyAgain, _ := strings.Cut(again, "\n")
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

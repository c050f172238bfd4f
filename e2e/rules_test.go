package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// rulesConfig declares the reference architecture's second flow: files
// landing under in/ move into the lake under raw/, and the lake's
// event-mode crawler runs on each.
const rulesConfig = `pipelines:
  rules:
    - bucket: landing
      id: to-lake
      prefix: in/
      move:
        bucket: lake
        key: "raw/{rel}"
        crawler: raw
`

// listKeys lists a bucket's keys under a prefix.
func listKeys(t *testing.T, srv *server, bucket, prefix string) []string {
	t.Helper()
	out, err := srv.root().ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, srv *server, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened\n%s", what, srv.logText())
		}
	}
}

// TestRuleMovesIntoLakeAndCrawls: a rule from the config file moves each
// file put into landing/in/ to lake/raw/ (no copy stays behind) and runs
// the event-mode crawler on it, end to end through the aws CLI; a replay
// of the events moves nothing twice.
func TestRuleMovesIntoLakeAndCrawls(t *testing.T) {
	bin := awsCLIPath(t)
	conf := filepath.Join(t.TempDir(), "tarn.yaml")
	if err := os.WriteFile(conf, []byte(rulesConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "--config", conf)
	cli := newAWSCLI(t, bin, srv)
	cli.must(t, "s3", "mb", "s3://landing")
	cli.must(t, "s3", "mb", "s3://lake")
	cli.must(t, "glue", "create-database", "--database-input", `{"Name":"analytics"}`)
	cli.must(t, "glue", "create-crawler", "--name", "raw", "--role", "tarn", "--database-name", "analytics",
		"--targets", `{"S3Targets":[{"Path":"s3://lake/raw/"}]}`, "--recrawl-policy", "RecrawlBehavior=CRAWL_EVENT_MODE",
		"--schema-change-policy", "UpdateBehavior=LOG,DeleteBehavior=LOG")
	crawlCLI(t, cli, "raw") // the first crawl of an event-mode crawler lists everything: nothing yet
	// (one dataset under the target: Glue names its table after the target, raw)

	dir := t.TempDir()
	files := map[string]string{
		"in/sales/dt=2026-12-01/a b.csv": "sku,qty\na,1\nb,2\n",
		"in/sales/dt=2026-12-02/c+d.csv": "sku,qty\nc,3\nd,4\n",
	}
	for key, body := range files {
		src := filepath.Join(dir, filepath.Base(key))
		os.WriteFile(src, []byte(body), 0o644)
		cli.must(t, "s3", "cp", src, "s3://landing/"+key)
	}
	want := []string{"raw/sales/dt=2026-12-01/a b.csv", "raw/sales/dt=2026-12-02/c+d.csv"}
	waitFor(t, srv, "the files moved into the lake", func() bool {
		return len(listKeys(t, srv, "lake", "raw/")) == 2 && len(listKeys(t, srv, "landing", "")) == 0
	})
	if got := strings.Join(listKeys(t, srv, "lake", "raw/"), "|"); got != strings.Join(want, "|") {
		t.Fatalf("lake: %s", got)
	}
	waitFor(t, srv, "the crawler made the table", func() bool {
		status, out := sqlHTTP(t, srv, rootID, rootSecret, "SELECT CAST(sum(qty) AS BIGINT) FROM analytics.raw")
		rows, _ := json.Marshal(out["rows"])
		return status == 200 && string(rows) == "[[10]]"
	})

	// A replay of the landing events moves nothing twice.
	replay := exec.Command(tarnBin, "events", "replay", "--since", "1h", "--bucket", "landing", "--endpoint", srv.URL())
	replay.Env = append(os.Environ(), "TARN_ACCESS_KEY_ID="+rootID, "TARN_SECRET_ACCESS_KEY="+rootSecret)
	out, err := replay.CombinedOutput()
	// Four: two puts, and the two removals of the moves.
	if err != nil || !strings.Contains(string(out), "replayed 4 events") {
		t.Fatalf("tarn events replay: %v\n%s", err, out)
	}
	if got := strings.Join(listKeys(t, srv, "lake", "raw/"), "|"); got != strings.Join(want, "|") || len(listKeys(t, srv, "landing", "")) != 0 {
		t.Fatalf("after replay: lake %s", got)
	}
}

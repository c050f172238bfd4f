package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// sqlHTTP posts a statement to /v1/sql with a key and decodes the answer.
func sqlHTTP(t *testing.T, srv *server, id, secret, stmt string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+srv.HTTPAddr+"/v1/sql", strings.NewReader(stmt))
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusTooManyRequests {
		return resp.StatusCode, nil
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer %d is not JSON: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// crawlSDK creates a crawler over path into db and runs it to the end.
func crawlSDK(t *testing.T, gc *glue.Client, name, db, path string) {
	t.Helper()
	if _, err := gc.CreateCrawler(ctx(t), &glue.CreateCrawlerInput{Name: aws.String(name), Role: aws.String("r"), DatabaseName: aws.String(db),
		Targets: &types.CrawlerTargets{S3Targets: []types.S3Target{{Path: aws.String(path)}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := gc.StartCrawler(ctx(t), &glue.StartCrawlerInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c, err := gc.GetCrawler(ctx(t), &glue.GetCrawlerInput{Name: aws.String(name)})
		if err == nil && c.Crawler.State == types.CrawlerStateReady {
			if c.Crawler.LastCrawl.Status != types.LastCrawlStatusSucceeded {
				t.Fatalf("crawl: %+v", c.Crawler.LastCrawl)
			}
			return
		}
	}
	t.Fatal("crawl did not end")
}

// Files land through S3, a crawler catalogs them, and SQL over HTTP reads
// them in place: a join across Parquet (hive-partitioned), JSON.gz and CSV.
func TestHTTPSQLOverCrawledLake(t *testing.T) {
	srv := startServer(t)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	putAll(t, srv.root(), "lake", mixedLake(t))
	crawlSDK(t, glueClient(srv), "lake", "analytics", "s3://lake/")

	status, out := sqlHTTP(t, srv, rootID, rootSecret, `SELECT c.user, s.sku, m.name
		FROM analytics.clicks c JOIN analytics.sales s ON s.qty = c.id JOIN analytics.metrics m ON m.id = c.id
		WHERE c.month = '01' ORDER BY 1, 2`)
	if status != 200 {
		t.Fatalf("join: %d %v", status, out)
	}
	if got, _ := json.Marshal(out["rows"]); string(got) != `[["a","a","a"],["b","b","b"]]` {
		t.Fatalf("join rows: %s", got)
	}
	status, out = sqlHTTP(t, srv, rootID, rootSecret, "SELECT count(*) FROM analytics.metrics WHERE score > 1")
	if got, _ := json.Marshal(out["rows"]); status != 200 || string(got) != `[[2]]` {
		t.Fatalf("metrics: %d %v", status, out)
	}
	status, out = sqlHTTP(t, srv, rootID, rootSecret, "SELECT * FROM analytics.nope")
	if e, _ := out["error"].(map[string]any); status != 400 || e["code"] != "42P01" {
		t.Fatalf("unknown table: %d %v", status, out)
	}
	status, out = sqlHTTP(t, srv, rootID, rootSecret, "SELEC 1")
	if e, _ := out["error"].(map[string]any); status != 400 || e["code"] != "42601" || e["position"] != float64(1) {
		t.Fatalf("syntax error: %d %v", status, out)
	}

	// A key limited to another bucket runs SQL but does not see the lake's
	// tables: naming one is permission denied.
	b, err := exec.Command(tarnBin, "keys", "add", "writer", "--write", "landing", "--data", srv.Data).Output()
	if err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{}
	for sc := bufio.NewScanner(bytes.NewReader(b)); sc.Scan(); {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			creds[k] = v
		}
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status, out = sqlHTTP(t, srv, creds["AWS_ACCESS_KEY_ID"], creds["AWS_SECRET_ACCESS_KEY"], "SELECT 1"); status != 401 && status != 429 { // 429: failed too often while unknown
			break
		}
	}
	if status != 200 {
		t.Fatalf("limited key, SELECT 1: %d %v", status, out)
	}
	status, out = sqlHTTP(t, srv, creds["AWS_ACCESS_KEY_ID"], creds["AWS_SECRET_ACCESS_KEY"], "SELECT count(*) FROM analytics.metrics")
	if e, _ := out["error"].(map[string]any); status != 403 || e["code"] != "42501" {
		t.Fatalf("limited key reads another bucket's table: %d %v", status, out)
	}
	status, out = sqlHTTP(t, srv, creds["AWS_ACCESS_KEY_ID"], creds["AWS_SECRET_ACCESS_KEY"], "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'analytics'")
	if got, _ := json.Marshal(out["rows"]); status != 200 || string(got) != `[[0]]` {
		t.Fatalf("limited key lists another bucket's tables: %d %v", status, out)
	}
}

// tarn sql: one statement with -c, and statements typed at its prompt.
func TestTarnSQLCommand(t *testing.T) {
	srv := startServer(t)
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(tarnBin, append([]string{"sql", "--http", "http://" + srv.HTTPAddr}, args...)...)
		cmd.Env = append(cmd.Environ(), "TARN_ACCESS_KEY_ID="+rootID, "TARN_SECRET_ACCESS_KEY="+rootSecret, "HOME="+t.TempDir())
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil && !strings.Contains(string(out), "ERROR") {
			t.Fatalf("tarn sql %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := run("", "-c", "SELECT 42 AS answer, 'x' AS s"); !strings.Contains(out, "answer | s") || !strings.Contains(out, "42     | x") {
		t.Fatalf("-c: %q", out)
	}
	if out := run("", "-c", "SELECT range AS i FROM range(2)", "--format", "csv"); out != "i\n0\n1\n" {
		t.Fatalf("csv: %q", out)
	}
	out := run("SELECT 1\n  + 1 AS two;\nSELEC 1;\n")
	if !strings.Contains(out, "two") || !strings.Contains(out, "2") || !strings.Contains(out, "ERROR: syntax error") || !strings.Contains(out, "SQLSTATE 42601") {
		t.Fatalf("prompt: %q", out)
	}
}

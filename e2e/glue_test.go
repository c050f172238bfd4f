package e2e

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hamba/avro/v2/ocf"
	"github.com/parquet-go/parquet-go"
)

// The Glue API as the aws CLI and aws-sdk-go-v2 drive it: crawlers over a
// mixed lake, schema evolution, run history, on both catalog stores.

func glueClient(srv *server) *glue.Client {
	return glue.New(glue.Options{
		BaseEndpoint: aws.String(srv.URL()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(rootID, rootSecret, ""),
		HTTPClient:   srv.httpClient(),
	})
}

type glueRow struct {
	ID    int64   `parquet:"id"`
	Name  string  `parquet:"name"`
	Score float64 `parquet:"score"`
}

// mixedLake is a lake of the formats and layouts crawlers meet.
func mixedLake(t *testing.T) map[string][]byte {
	var js bytes.Buffer
	zw := gzip.NewWriter(&js)
	fmt.Fprintln(zw, `{"id":1,"user":"a","tags":["x"]}`)
	fmt.Fprintln(zw, `{"id":2,"user":"b","tags":[]}`)
	zw.Close()
	var pq bytes.Buffer
	w := parquet.NewGenericWriter[glueRow](&pq)
	w.Write([]glueRow{{1, "a", 1.5}, {2, "b", 2.5}})
	w.Close()
	var av bytes.Buffer
	enc, err := ocf.NewEncoder(`{"type":"record","name":"R","fields":[{"name":"id","type":"long"},{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}]}`, &av)
	if err != nil {
		t.Fatal(err)
	}
	enc.Encode(map[string]any{"id": int64(1), "at": time.UnixMilli(0)})
	enc.Close()
	return map[string][]byte{
		"clicks/year=2026/month=01/a.json.gz": js.Bytes(),
		"clicks/year=2026/month=02/b.json.gz": js.Bytes(),
		"sales/2026/01/s.csv":                 []byte("sku,qty,price\na,1,2.5\nb,2,3.5\n"),
		"sales/2026/02/s.csv":                 []byte("sku,qty,price\nc,3,4.5\n"),
		"raw/r.tsv":                           []byte("1\tx\ttrue\n2\ty\tfalse\n"),
		"metrics/m.parquet":                   pq.Bytes(),
		"audit/a.avro":                        av.Bytes(),
		"junk/bad.parquet":                    []byte("PAR1 not really"),
		"junk/empty.csv":                      nil,
	}
}

func putAll(t *testing.T, c *s3.Client, bucket string, objs map[string][]byte) {
	t.Helper()
	for k, v := range objs {
		if _, err := c.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(k), Body: bytes.NewReader(v)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGlueAWSCLI(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	putAll(t, srv.root(), "lake", mixedLake(t))

	cli.must(t, "glue", "create-crawler", "--name", "lake", "--role", "tarn", "--database-name", "analytics",
		"--targets", `{"S3Targets":[{"Path":"s3://lake/","Exclusions":["junk/empty*"]}]}`)
	crawlCLI(t, cli, "lake")

	var tables struct{ TableList []types.Table }
	cli.json(t, &tables, "glue", "get-tables", "--database-name", "analytics")
	got := map[string]types.Table{}
	for _, tb := range tables.TableList {
		got[aws.ToString(tb.Name)] = tb
	}
	want := map[string]string{
		"clicks":  "json id:bigint user:string tags:array<string> | year month",
		"sales":   "csv sku:string qty:bigint price:double | partition_0 partition_1",
		"raw":     "csv col0:bigint col1:string col2:boolean | ",
		"metrics": "parquet id:bigint name:string score:double | ",
		"audit":   "avro id:bigint at:timestamp | ",
	}
	for name, w := range want {
		tb, ok := got[name]
		if !ok {
			t.Fatalf("no table %s in %v", name, tables.TableList)
		}
		if d := describeTable(tb); d != w {
			t.Errorf("%s: %s, want %s", name, d, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("tables %v", got)
	}
	var parts struct{ Partitions []types.Partition }
	cli.json(t, &parts, "glue", "get-partitions", "--database-name", "analytics", "--table-name", "clicks", "--expression", "month > '01'")
	if len(parts.Partitions) != 1 || strings.Join(parts.Partitions[0].Values, "/") != "2026/02" ||
		aws.ToString(parts.Partitions[0].StorageDescriptor.Location) != "s3://lake/clicks/year=2026/month=02/" {
		t.Fatalf("partitions: %+v", parts.Partitions)
	}

	// Schema evolution: a new partition with a new column makes version 2.
	putAll(t, srv.root(), "lake", map[string][]byte{"metrics/m2.parquet": parquetWithExtra(t)})
	crawlCLI(t, cli, "lake")
	var versions struct{ TableVersions []types.TableVersion }
	cli.json(t, &versions, "glue", "get-table-versions", "--database-name", "analytics", "--table-name", "metrics")
	if len(versions.TableVersions) != 2 || aws.ToString(versions.TableVersions[0].VersionId) != "2" ||
		describeTable(*versions.TableVersions[0].Table) != "parquet id:bigint name:string score:double extra:string | " ||
		describeTable(*versions.TableVersions[1].Table) != want["metrics"] {
		t.Fatalf("versions: %+v", versions.TableVersions)
	}

	// With UpdateBehavior LOG nothing changes; the run history says what would have.
	cli.must(t, "glue", "update-crawler", "--name", "lake", "--schema-change-policy", "UpdateBehavior=LOG,DeleteBehavior=LOG")
	putAll(t, srv.root(), "lake", map[string][]byte{"sales/2026/03/s.csv": []byte("sku,qty,price,store\nd,4,5.5,x\n")})
	run := crawlCLI(t, cli, "lake")
	if !strings.Contains(run, "would update table analytics.sales (UpdateBehavior LOG): add column store string") {
		t.Fatalf("run summary: %s", run)
	}
	var one struct{ Table types.Table }
	cli.json(t, &one, "glue", "get-table", "--database-name", "analytics", "--name", "sales")
	if aws.ToString(one.Table.VersionId) != "1" {
		t.Fatalf("sales changed under LOG: version %s", aws.ToString(one.Table.VersionId))
	}
	var metrics struct{ CrawlerMetricsList []types.CrawlerMetrics }
	cli.json(t, &metrics, "glue", "get-crawler-metrics", "--crawler-name-list", "lake")
	if len(metrics.CrawlerMetricsList) != 1 || metrics.CrawlerMetricsList[0].LastRuntimeSeconds <= 0 {
		t.Fatalf("metrics: %+v", metrics.CrawlerMetricsList)
	}
	cli.fails(t, "EntityNotFoundException", "glue", "get-table", "--database-name", "analytics", "--name", "nope")
	cli.fails(t, "CrawlerNotRunningException", "glue", "stop-crawler", "--name", "lake")
	cli.fails(t, "InvalidInputException", "glue", "create-crawler", "--name", "x", "--role", "r", "--database-name", "d",
		"--targets", `{"S3Targets":[{"Path":"lake/no-scheme"}]}`)
}

// crawlCLI starts a crawler and polls get-crawler until it is READY; it
// returns the newest run's summary.
func crawlCLI(t *testing.T, cli *awsCLI, name string) string {
	t.Helper()
	cli.must(t, "glue", "start-crawler", "--name", name)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var c struct{ Crawler types.Crawler }
		cli.json(t, &c, "glue", "get-crawler", "--name", name)
		if c.Crawler.State == types.CrawlerStateReady {
			if c.Crawler.LastCrawl == nil || c.Crawler.LastCrawl.Status != types.LastCrawlStatusSucceeded {
				t.Fatalf("crawl: %+v", c.Crawler.LastCrawl)
			}
			var runs struct{ Crawls []types.CrawlerHistory }
			cli.json(t, &runs, "glue", "list-crawls", "--crawler-name", name)
			return aws.ToString(runs.Crawls[0].Summary)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("crawl did not end")
	return ""
}

func describeTable(tb types.Table) string {
	var cols, keys []string
	for _, c := range tb.StorageDescriptor.Columns {
		cols = append(cols, aws.ToString(c.Name)+":"+aws.ToString(c.Type))
	}
	for _, k := range tb.PartitionKeys {
		keys = append(keys, aws.ToString(k.Name))
	}
	return tb.Parameters["classification"] + " " + strings.Join(cols, " ") + " | " + strings.Join(keys, " ")
}

type glueRowExtra struct {
	ID    int64   `parquet:"id"`
	Name  string  `parquet:"name"`
	Score float64 `parquet:"score"`
	Extra string  `parquet:"extra"`
}

func parquetWithExtra(t *testing.T) []byte {
	var b bytes.Buffer
	w := parquet.NewGenericWriter[glueRowExtra](&b)
	w.Write([]glueRowExtra{{3, "c", 3.5, "e"}})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The SDK against tarn on PostgreSQL: the same crawl yields the same
// tables, and `tarn crawl` drives it from the command line.
func TestGlueSDKOnPostgres(t *testing.T) {
	dsn := os.Getenv("TARN_TEST_PG_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	if err := exec.Command("psql", dsn, "-c", "select 1").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI at %s: %v", dsn, err)
		}
		t.Skipf("no PostgreSQL at %s: start it with pg_ctlcluster 15 main start", dsn)
	}
	b := make([]byte, 4)
	rand.Read(b)
	schema := "tarn_e2e_" + hex.EncodeToString(b)
	t.Cleanup(func() { exec.Command("psql", dsn, "-c", "DROP SCHEMA IF EXISTS "+schema+" CASCADE").Run() })
	srv := &server{t: t, Data: t.TempDir(), Env: []string{"TARN_CATALOG_DSN=" + dsn, "TARN_CATALOG_SCHEMA=" + schema}}
	srv.start()
	t.Cleanup(srv.stop)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	putAll(t, srv.root(), "lake", mixedLake(t))

	cmd := exec.Command(tarnBin, "crawl", "s3://lake/", "--database", "pg", "--endpoint", srv.URL(), "--exclude", "junk/empty*")
	cmd.Env = append(os.Environ(), "TARN_ACCESS_KEY_ID="+rootID, "TARN_SECRET_ACCESS_KEY="+rootSecret)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tarn crawl: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"COMPLETED", "tables: 5 created", "created table pg.clicks", "skipped s3://lake/junk/bad.parquet"} {
		if !strings.Contains(out, want) {
			t.Errorf("tarn crawl output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr.String(), "files classified") {
		t.Errorf("no progress on stderr: %q", stderr.String())
	}

	gc := glueClient(srv)
	tables, err := gc.GetTables(ctx(t), &glue.GetTablesInput{DatabaseName: aws.String("pg"), Expression: aws.String("c*|s*")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range tables.TableList {
		names = append(names, aws.ToString(tb.Name))
	}
	if strings.Join(names, ",") != "clicks,sales" {
		t.Fatalf("tables matching c*|s*: %v", names)
	}
	parts, err := gc.GetPartitions(ctx(t), &glue.GetPartitionsInput{DatabaseName: aws.String("pg"), TableName: aws.String("sales")})
	if err != nil || len(parts.Partitions) != 2 {
		t.Fatalf("sales partitions: %+v %v", parts, err)
	}
	runs, err := gc.ListCrawls(ctx(t), &glue.ListCrawlsInput{CrawlerName: aws.String("tarn-crawl-lake")})
	if err != nil || len(runs.Crawls) != 1 {
		t.Fatalf("runs: %+v %v", runs, err)
	}
	var sum struct{ FilesSkipped, TablesCreated int }
	if err := json.Unmarshal([]byte(aws.ToString(runs.Crawls[0].Summary)), &sum); err != nil || sum.TablesCreated != 5 || sum.FilesSkipped != 1 {
		t.Fatalf("summary %s: %v", aws.ToString(runs.Crawls[0].Summary), err)
	}
}

// SIGKILL during a crawl: after a restart the crawler is READY (its run
// FAILED) and crawls again to the same tables.
func TestGlueCrawlerCrash(t *testing.T) {
	srv := startServer(t)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	objs := map[string][]byte{}
	for i := range 400 {
		objs[fmt.Sprintf("big/p=%03d/f.json", i)] = []byte(fmt.Sprintf(`{"i":%d,"s":"x"}`, i))
	}
	putAll(t, srv.root(), "lake", objs)
	gc := glueClient(srv)
	name := aws.String("c")
	if _, err := gc.CreateCrawler(ctx(t), &glue.CreateCrawlerInput{Name: name, Role: aws.String("r"), DatabaseName: aws.String("db"),
		Targets: &types.CrawlerTargets{S3Targets: []types.S3Target{{Path: aws.String("s3://lake/big/")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := gc.StartCrawler(ctx(t), &glue.StartCrawlerInput{Name: name}); err != nil {
		t.Fatal(err)
	}
	srv.kill()
	srv.restart()
	gc = glueClient(srv)
	c, err := gc.GetCrawler(ctx(t), &glue.GetCrawlerInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if c.Crawler.State != types.CrawlerStateReady {
		t.Fatalf("after restart: %s", c.Crawler.State)
	}
	if _, err := gc.StartCrawler(ctx(t), &glue.StartCrawlerInput{Name: name}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c, err = gc.GetCrawler(ctx(t), &glue.GetCrawlerInput{Name: name})
		if err == nil && c.Crawler.State == types.CrawlerStateReady {
			break
		}
	}
	if c.Crawler.LastCrawl == nil || c.Crawler.LastCrawl.Status != types.LastCrawlStatusSucceeded {
		t.Fatalf("second crawl: %+v", c.Crawler.LastCrawl)
	}
	parts, err := gc.GetPartitions(ctx(t), &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	n := len(parts.Partitions)
	for parts.NextToken != nil {
		parts, err = gc.GetPartitions(ctx(t), &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("big"), NextToken: parts.NextToken})
		if err != nil {
			t.Fatal(err)
		}
		n += len(parts.Partitions)
	}
	if n != 400 {
		t.Fatalf("%d partitions after the crash and a crawl, want 400", n)
	}
	runs, err := gc.ListCrawls(ctx(t), &glue.ListCrawlsInput{CrawlerName: name})
	if err != nil || len(runs.Crawls) != 2 || runs.Crawls[1].State == types.CrawlerHistoryStateRunning {
		t.Fatalf("runs after the crash: %+v %v", runs, err)
	}
}

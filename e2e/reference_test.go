package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
)

// ownCreds reads the root key a server made for itself.
func ownCreds(t *testing.T, srv *server) (id, secret string) {
	b, err := os.ReadFile(filepath.Join(srv.Data, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			id = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	return id, secret
}

// TestReferenceArchitecture runs the README's walkthrough of
// examples/reference as written against a fresh tarn serving that config
// (flow 1 over OpenSSH sftp, flow 2 with aws s3 cp, flow 3 with tarn
// stream clicks, then one query over the three), checks each flow's
// result with other clients (Athena, the Firehose transform, ARCHIVE),
// measures the figures the issue names, then kills tarn with SIGKILL while
// all three flows are under way and checks, after a restart and the flows
// run once more, that nothing acknowledged was lost and nothing doubled.
func TestReferenceArchitecture(t *testing.T) {
	for _, p := range []string{"/usr/bin/sftp", "/usr/bin/ssh-keygen"} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("OpenSSH's client is required in CI (apt-get install openssh-client): %v", err)
			}
			t.Skipf("%s not installed (apt-get install openssh-client)", p)
		}
	}
	dir := readmeFolder(t, map[string]string{"aws": awsCLIPath(t), "psql": psqlPath(t),
		"sftp": "/usr/bin/sftp", "ssh-keygen": "/usr/bin/ssh-keygen"})
	srv := &server{t: t, Data: filepath.Join(dir, "tarn-data"), Dir: dir, Fixed: true, OwnCreds: true,
		Args:    []string{"--config", "examples/reference/tarn.yaml"},
		AWSAddr: defaultAddrs[0], HTTPAddr: defaultAddrs[1], PGAddr: defaultAddrs[2], SFTPAddr: defaultAddrs[3]}
	srv.start()
	t.Cleanup(srv.stop)
	env := readmeEnv(dir)

	// The walkthrough, as written.
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", readmeBlock(t, "<!-- reference: run by e2e/reference_test.go -->"))
	cmd.Dir, cmd.Env = dir, env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s\nserver:\n%s", err, out, srv.logText())
	}
	t.Logf("the README's walkthrough ran in %.1fs", time.Since(start).Seconds())
	for _, want := range []string{
		"put 100000 records",       // tarn stream clicks
		"100000 |          100000", // each click once, delivered or pending
		"  1000\n",                 // public.sales
		" clicks\n orders\n products\n reviews\n stores\n",
		"(8 rows)", // the three-flow query: a row per product
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the walkthrough's output lacks %q:\n%s", want, out)
		}
	}
	if t.Failed() {
		return
	}

	id, secret := ownCreds(t, srv)
	cli := newAWSCLI(t, awsCLIPath(t), srv).as(id, secret)
	psql := func(sql string) string {
		t.Helper()
		out, ok := psqlAs(t, srv, id, secret, "-A", "-t", "-c", sql)
		if !ok {
			t.Fatalf("psql %q: %s", sql, out)
		}
		return strings.TrimSpace(out)
	}
	c := ctx(t)
	pg := func() *pgx.Conn {
		conn, err := pgx.Connect(c, fmt.Sprintf("postgres://%s:%s@%s/tarn?sslmode=disable", id, strings.ReplaceAll(secret, "/", "%2F"), srv.PGAddr))
		if err != nil {
			t.Fatal(err)
		}
		return conn
	}

	// The config and the server agree: applying it again plans nothing
	// (the partner's SSH key, added with tarn keys add, stays).
	apply := exec.Command(tarnBin, "apply", "--config", "examples/reference/tarn.yaml", "--dry-run", "--data", srv.Data, "--endpoint", srv.URL())
	apply.Dir, apply.Env = dir, append(readmeEnv(dir), "TARN_ACCESS_KEY_ID="+id, "TARN_SECRET_ACCESS_KEY="+secret)
	if out, err := apply.CombinedOutput(); err != nil || !strings.Contains(string(out), "0 to create, 0 to change, 0 to delete, 13 unchanged") {
		t.Fatalf("tarn apply --dry-run of the reference config: %v\n%s", err, out)
	}

	// Flow 3 as the issue has it: 100,000 more click events with the aws
	// CLI (put-records, 500 a call, four calls at a time), and at once one
	// statement over the delivered table and the stream's pending records
	// counts each event once, the delivery still at work.
	files := make(chan string, 200)
	for b := range 200 {
		batch := make([]map[string]any, 500)
		for i := range batch {
			ev := fmt.Sprintf("cli-%d-%d", b, i)
			batch[i] = map[string]any{"PartitionKey": ev, // Data: []byte, base64 in JSON as the CLI wants a blob
				"Data": fmt.Appendf(nil, `{"event_id":%q,"user_id":%d,"url":"/p/tin","ts":"2026-12-07T00:00:00Z"}`, ev, 1+i)}
		}
		f := filepath.Join(t.TempDir(), "records.json")
		body, _ := json.Marshal(batch)
		os.WriteFile(f, body, 0o644)
		files <- f
	}
	close(files)
	cliStart := time.Now()
	var putWG sync.WaitGroup
	for range 4 {
		putWG.Add(1)
		go func() {
			defer putWG.Done()
			for f := range files {
				out, errOut, err := cli.run(t, nil, "kinesis", "put-records", "--stream-name", "clicks", "--records", "file://"+f, "--query", "FailedRecordCount")
				if err != nil || strings.TrimSpace(out) != "0" {
					t.Errorf("put-records: %v %s %s", err, out, errOut)
				}
			}
		}()
	}
	putWG.Wait()
	if t.Failed() {
		return
	}
	cliTook := time.Since(cliStart)
	if got := psql(`SELECT count(*) || ' ' || count(DISTINCT event_id) || ' ' || (SELECT count(*) FROM analytics.clicks) FROM
		(SELECT event_id FROM analytics.clicks UNION ALL SELECT event_id FROM pending."clicks-to-lake") c`); !strings.HasPrefix(got, "200000 200000 ") {
		t.Errorf("clicks delivered and pending: %s, want 200000 each once", got)
	} else {
		t.Logf("100,000 clicks by aws kinesis put-records in %.1fs; at once 200,000 counted, %s of them delivered", cliTook.Seconds(), strings.Fields(got)[2])
	}

	// Flow 1: the sales file left landing/sales/ for landing/loaded/;
	// flow 2's files are gone from landing too.
	s3c := srv.client(id, secret)
	if got := listing(t, s3c, "landing"); len(got) != 1 || !strings.HasPrefix(got[0], "loaded/sales.csv ") {
		t.Errorf("landing after the flows: %q", got)
	}
	// Flow 2: four tables with the files' schemas and counts, through
	// Athena too; the files are gone from landing.
	wantCols := map[string]string{"orders": "order_id bigint, user_id bigint, total double, ordered_at string",
		"stores": "store_id bigint, city string, opened string", "products": "product_id bigint, name string, category string, price double",
		"reviews": "review_id bigint, product_id bigint, user_id bigint, stars int, text string"}
	for table, want := range wantCols {
		got := cli.must(t, "glue", "get-table", "--database-name", "analytics", "--name", table, "--query",
			"join(', ', Table.StorageDescriptor.Columns[].join(' ', [Name, Type]))", "--output", "text")
		if strings.TrimSpace(got) != want {
			t.Errorf("analytics.%s: columns %q, want %q", table, strings.TrimSpace(got), want)
		}
	}
	qid := strings.TrimSpace(cli.must(t, "athena", "start-query-execution", "--query-string",
		"SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM stores), (SELECT count(*) FROM products), (SELECT count(*) FROM reviews)",
		"--query-execution-context", "Database=analytics", "--result-configuration", "OutputLocation=s3://lake/athena/",
		"--query", "QueryExecutionId", "--output", "text"))
	waitFor(t, srv, "the Athena query", func() bool {
		return strings.TrimSpace(cli.must(t, "athena", "get-query-execution", "--query-execution-id", qid,
			"--query", "QueryExecution.Status.State", "--output", "text")) == "SUCCEEDED"
	})
	if got := cli.must(t, "athena", "get-query-results", "--query-execution-id", qid, "--query", "ResultSet.Rows[1].Data[].VarCharValue", "--output", "text"); strings.Join(strings.Fields(got), " ") != "2000 6 8 300" {
		t.Errorf("Athena's counts of orders, stores, products, reviews: %q", got)
	}
	if got := psql("SELECT (SELECT count(*) FROM analytics.orders) || ' ' || (SELECT count(*) FROM analytics.stores) || ' ' || " +
		"(SELECT count(*) FROM analytics.products) || ' ' || (SELECT count(*) FROM analytics.reviews)"); got != "2000 6 8 300" {
		t.Errorf("psql's counts of orders, stores, products, reviews: %q", got)
	}

	// The Python transform on events-to-lake: a record gains received_at,
	// a test record is dropped, one that is not JSON goes to the errors.
	b64 := base64.StdEncoding.EncodeToString
	cli.must(t, "firehose", "put-record-batch", "--delivery-stream-name", "events-to-lake", "--records",
		fmt.Sprintf(`[{"Data":%q},{"Data":%q},{"Data":%q}]`, b64([]byte(`{"kind":"signup","user_id":7}`)), b64([]byte(`{"test":true}`)), b64([]byte("not json"))))
	var events, failed []string
	waitFor(t, srv, "the transformed events", func() bool {
		events, failed = objectsText(t, s3c, "lake", "events/"), objectsText(t, s3c, "lake", "errors/events/")
		return len(events) > 0 && len(failed) > 0
	})
	if all := strings.Join(events, ""); !strings.Contains(all, `"kind": "signup"`) || !strings.Contains(all, `"received_at"`) || strings.Contains(all, "test") {
		t.Errorf("delivered events: %q", events)
	}
	if !strings.Contains(strings.Join(failed, ""), "Lambda.FunctionError") && !strings.Contains(strings.Join(failed, ""), "ProcessingFailed") {
		t.Errorf("failed events: %q", failed)
	}

	// Archive: older sales move to the lake; the union counts the same.
	psql("ARCHIVE public.sales WHERE sold_at < '2026-11-10' TO 's3://lake/archive/sales/' AS analytics.sales_archive")
	if left, all := psql("SELECT count(*) FROM public.sales"), psql("SELECT count(*) FROM public.sales_all"); left == "1000" || left == "0" || all != "1000" {
		t.Errorf("after ARCHIVE: %s rows in public.sales, %s in public.sales_all", left, all)
	}

	// Figures: a file landed → queryable, and a click put → visible in the
	// live stream table and in the delivered table.
	conn := pg()
	var landed []time.Duration
	stores, _ := os.ReadFile("../examples/reference/data/files/stores/stores.csv")
	for i := range 5 {
		table := fmt.Sprintf("probe%d", i)
		put := time.Now()
		if _, err := s3c.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String("files/" + table + "/stores.csv"),
			Body: bytes.NewReader(stores)}); err != nil {
			t.Fatal(err)
		}
		poll(t, srv, table+" queryable", func() bool {
			var n int
			return conn.QueryRow(c, "SELECT count(*) FROM analytics."+table).Scan(&n) == nil && n == 6
		})
		landed = append(landed, time.Since(put))
	}
	kc := kinesis.New(kinesis.Options{BaseEndpoint: aws.String(srv.URL()), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	var live, delivered []time.Duration
	for i := range 10 {
		ev := fmt.Sprintf("probe-%d", i)
		put := time.Now()
		if _, err := kc.PutRecord(c, &kinesis.PutRecordInput{StreamName: aws.String("clicks"), PartitionKey: aws.String(ev),
			Data: fmt.Appendf(nil, `{"event_id":%q,"user_id":1,"url":"/probe","ts":"2026-12-07T00:00:00Z"}`, ev)}); err != nil {
			t.Fatal(err)
		}
		seen := false
		poll(t, srv, ev+" delivered", func() bool {
			var n int
			if !seen && conn.QueryRow(c, `SELECT count(*) FROM streams.clicks WHERE partition_key = $1`, ev).Scan(&n) == nil && n == 1 {
				seen = true
				live = append(live, time.Since(put))
			}
			return conn.QueryRow(c, `SELECT count(*) FROM analytics.clicks WHERE event_id = $1`, ev).Scan(&n) == nil && n == 1
		})
		delivered = append(delivered, time.Since(put))
	}
	conn.Close(c)
	t.Logf("file landed → queryable: p50 %s (%d files); click put → live stream table p50 %s p99 %s, → delivered table p50 %s p99 %s",
		pct(landed, 50), len(landed), pct(live, 50), pct(live, 99), pct(delivered, 50), pct(delivered, 99))

	// SIGKILL while the three flows are under way.
	sales, _ := os.ReadFile("../examples/reference/data/sales.csv")
	orders, _ := os.ReadFile("../examples/reference/data/files/orders/orders-2026-11.json.gz")
	var acked, salesAcked, ordersAcked atomic.Int64
	var wg sync.WaitGroup
	wg.Add(3)
	loadStart, cpu0 := time.Now(), cpuTicks(srv)
	var peakRSS atomic.Int64
	stopRSS := make(chan struct{})
	go func() {
		for {
			peakRSS.Store(max(peakRSS.Load(), rssKiB(srv)))
			select {
			case <-stopRSS:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	go func() { // clicks crash-0, crash-1, … in order: those acknowledged are a prefix
		defer wg.Done()
		for n := 0; n < 100000; n += 500 {
			batch := make([]ktypes.PutRecordsRequestEntry, 500)
			for i := range batch {
				ev := fmt.Sprintf("crash-%d", n+i)
				batch[i] = ktypes.PutRecordsRequestEntry{PartitionKey: aws.String(ev),
					Data: fmt.Appendf(nil, `{"event_id":%q,"user_id":%d,"url":"/p/mug","ts":"2026-12-07T00:00:00Z"}`, ev, 1+(n+i)%500)}
			}
			res, err := kc.PutRecords(c, &kinesis.PutRecordsInput{StreamName: aws.String("clicks"), Records: batch})
			if err != nil || aws.ToInt32(res.FailedRecordCount) > 0 {
				return
			}
			acked.Add(500)
		}
	}()
	go func() {
		defer wg.Done()
		if _, err := s3c.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String("sales/sales-2.csv"), Body: bytes.NewReader(sales)}); err == nil {
			salesAcked.Store(1)
		}
	}()
	go func() {
		defer wg.Done()
		if _, err := s3c.PutObject(c, &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String("files/orders/orders-2.json.gz"), Body: bytes.NewReader(orders)}); err == nil {
			ordersAcked.Store(1)
		}
	}()
	for acked.Load() < 30000 && time.Since(loadStart) < 20*time.Second {
		time.Sleep(5 * time.Millisecond)
	}
	close(stopRSS)
	loadCPU, loadWall := cpuTicks(srv)-cpu0, time.Since(loadStart)
	srv.kill()
	wg.Wait()
	t.Logf("SIGKILL after %d clicks acknowledged (%.0f/s; tarn's peak RSS %d MiB, CPU %.0f%% of a core meanwhile), sales-2 acknowledged %v, orders-2 %v",
		acked.Load(), float64(acked.Load())/loadWall.Seconds(), peakRSS.Load()>>10, float64(loadCPU)/clockTicks/loadWall.Seconds()*100,
		salesAcked.Load() == 1, ordersAcked.Load() == 1)
	srv.restart()

	// The flows once more after the restart: the walkthrough's three
	// commands (sftp, aws s3 cp, tarn stream clicks).
	again := `export AWS_SHARED_CREDENTIALS_FILE="$PWD/tarn-data/credentials" AWS_DEFAULT_REGION=us-east-1
echo "put examples/reference/data/sales.csv /landing/sales/sales-3.csv" | sftp -q -b - -i partner_key -P 9822 \
  -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$PWD/known_hosts" partner@127.0.0.1
aws --endpoint-url http://127.0.0.1:9800 s3 cp examples/reference/data/files/orders/orders-2026-11.json.gz s3://landing/files/orders/orders-3.json.gz
tarn stream clicks clicks --records 100000`
	cmd = exec.Command("bash", "-euo", "pipefail", "-c", again)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the flows after the restart: %v\n%s", err, out)
	}

	// Nothing acknowledged lost, nothing doubled: every click once in the
	// lake once the delivery has caught up; each sales file loaded once;
	// each orders file in the lake once.
	base := 100000 + 100000 + 100000 + 10 // the walkthrough's, the aws CLI's, the restart's, the probes
	waitFor(t, srv, "the deliveries caught up", func() bool {
		return psql(`SELECT count(*) FROM pending."clicks-to-lake"`) == "0"
	})
	got := strings.Fields(psql(`SELECT count(*), count(DISTINCT event_id),
		count(*) FILTER (WHERE event_id LIKE 'crash-%' AND TRY_CAST(substr(event_id, 7) AS INTEGER) < ` + strconv.FormatInt(acked.Load(), 10) + `)
		FROM analytics.clicks`))
	total, _ := strconv.Atoi(strings.Split(got[0], "|")[0])
	if parts := strings.Split(got[0], "|"); len(parts) != 3 || parts[0] != parts[1] || parts[2] != strconv.FormatInt(acked.Load(), 10) ||
		int64(total) < int64(base)+acked.Load() || total > base+100000 {
		t.Errorf("clicks after the crash (count, distinct, acknowledged crash clicks): %v; want %d acknowledged, each once", got, acked.Load())
	}
	wantSales := 1000 * (2 + salesAcked.Load())
	waitFor(t, srv, "the sales files loaded", func() bool {
		return psql("SELECT count(*) FROM public.sales_all") == strconv.FormatInt(wantSales, 10)
	})
	wantOrders := 2000 * (2 + ordersAcked.Load())
	waitFor(t, srv, "the orders files moved and crawled", func() bool {
		return psql("SELECT count(*) FROM analytics.orders") == strconv.FormatInt(wantOrders, 10)
	})
	for _, key := range listing(t, s3c, "landing") {
		if !strings.HasPrefix(key, "loaded/") {
			t.Errorf("%s left in landing after the restart", key)
		}
	}
	// One statement over a warehouse table, a lake table and the live
	// stream: the sales still in the warehouse of the products clicked.
	archivedRows, _ := strconv.Atoi(psql("SELECT count(*) FROM analytics.sales_archive"))
	if got := psql(`SELECT count(*) FROM public.sales s JOIN analytics.products p USING (product_id)
		WHERE '/p/' || p.name IN (SELECT json_extract_string(decode(data), '$.url') FROM streams.clicks)`); got != strconv.FormatInt(wantSales-int64(archivedRows), 10) {
		t.Errorf("sales joined with products and the live stream: %s rows, want %d", got, wantSales-int64(archivedRows))
	}
}

// poll is waitFor asking every 10 ms: it times what it waits for.
func poll(t *testing.T, srv *server, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened\n%s", what, srv.logText())
		}
	}
}

// objectsText is the text of each object under prefix.
func objectsText(t *testing.T, c *s3.Client, bucket, prefix string) []string {
	var out []string
	for _, line := range listing(t, c, bucket) {
		key := strings.Fields(line)[0]
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		res, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		res.Body.Close()
		out = append(out, b.String())
	}
	return out
}

// pct is the p-th percentile of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(time.Millisecond)
}

const clockTicks = 100 // USER_HZ on Linux

// cpuTicks is the CPU time (user and system) tarn has used, in clock ticks.
func cpuTicks(srv *server) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", srv.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

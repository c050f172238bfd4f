package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func psqlPath(t *testing.T) string {
	p, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is required in CI (Debian's postgresql-client)")
		}
		t.Skip("no psql: apt-get install postgresql-client")
	}
	return p
}

// psql and pgx query lake tables through tarn's PostgreSQL wire protocol.
func TestPostgresWireOverCrawledLake(t *testing.T) {
	bin := psqlPath(t)
	srv := startServer(t)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	putAll(t, srv.root(), "lake", mixedLake(t))
	crawlSDK(t, glueClient(srv), "lake", "analytics", "s3://lake/")
	host, port, _ := strings.Cut(srv.PGAddr, ":")

	psql := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-h", host, "-p", port, "-U", rootID, "-d", "tarn", "-X"}, args...)...)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+rootSecret)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("psql %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := psql("-c", `\dt analytics.*`); !strings.Contains(out, "analytics | clicks") || !strings.Contains(out, "analytics | sales") {
		t.Fatalf(`\dt: %s`, out)
	}
	if out := psql("-A", "-t", "-c", "SELECT c.user, s.sku FROM analytics.clicks c JOIN analytics.sales s ON s.qty = c.id WHERE c.month = '02' ORDER BY 1"); out != "a|a\nb|b\n" {
		t.Fatalf("join: %q", out)
	}
	if out := psql("-c", `\copy (SELECT sku, qty FROM analytics.sales ORDER BY sku) TO STDOUT WITH CSV HEADER`); out != "sku,qty\na,1\nb,2\nc,3\n" {
		t.Fatalf("copy: %q", out)
	}

	// pgx: the extended protocol with parameters and binary results.
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s:%s@%s/tarn?sslmode=disable", rootID, rootSecret, srv.PGAddr))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int64
	var total float64
	if err := conn.QueryRow(ctx(t), "SELECT count(*), sum(price) FROM analytics.sales WHERE qty >= $1::BIGINT", 2).Scan(&n, &total); err != nil || n != 2 || total != 8 {
		t.Fatalf("pgx: %d %v %v", n, total, err)
	}
	_, err = conn.Exec(ctx(t), "SELEC 1")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42601" || pe.Position != 1 {
		t.Fatalf("syntax error: %#v", err)
	}
	if _, err = conn.Exec(ctx(t), "SELECT * FROM analytics.nope"); !errors.As(err, &pe) || pe.Code != "42P01" {
		t.Fatalf("unknown table: %#v", err)
	}
	// A live stream joins lake tables: Parquet (metrics), CSV (sales) and
	// records no delivery has written anywhere yet.
	kc := kinClient(srv)
	sname := kinStreamName("pg")
	if _, err := kc.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(sname), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := kc.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(sname), PartitionKey: aws.String(fmt.Sprint(i)),
			Data: fmt.Appendf(nil, `{"metric_id":%d}`, i)}); err != nil {
			t.Fatal(err)
		}
	}
	join := fmt.Sprintf(`SELECT m.name, s.sku, count(*) FROM %q.%q r
		JOIN analytics.metrics m ON m.id = CAST(decode(r.data)::JSON->>'metric_id' AS BIGINT)
		JOIN analytics.sales s ON s.qty = m.id
		GROUP BY ALL ORDER BY ALL`, "streams", sname)
	var rows []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		r, err := conn.Query(ctx(t), join)
		if err != nil {
			continue // the stream's table appears within a second
		}
		rows = rows[:0]
		for r.Next() {
			var name, sku string
			var n int64
			if err := r.Scan(&name, &sku, &n); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, fmt.Sprintf("%s/%s/%d", name, sku, n))
		}
		if r.Err() == nil && len(rows) > 0 {
			break
		}
	}
	if strings.Join(rows, " ") != "a/a/1 b/b/1" {
		t.Fatalf("stream join: %v", rows)
	}

	// Garbage on the port does not disturb the server.
	if c, err := (&net.Dialer{}).DialContext(ctx(t), "tcp", srv.PGAddr); err == nil {
		c.Write([]byte("GET / HTTP/1.1\r\n\r\n\x00\x00\x00\x00"))
		c.Close()
	}
	if err := conn.QueryRow(ctx(t), "SELECT count(*) FROM analytics.clicks").Scan(&n); err != nil || n != 4 {
		t.Fatalf("after garbage: %d %v", n, err)
	}
}

// A statement over the memory or time limit fails alone; the server and
// other sessions go on.
func TestPostgresWireLimits(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "tarn.yaml")
	if err := os.WriteFile(cfgFile, []byte("query:\n  memory_limit: 64MB\n  timeout: 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "--config", cfgFile)
	u := url.URL{Scheme: "postgres", User: url.UserPassword(rootID, rootSecret), Host: srv.PGAddr, Path: "/tarn", RawQuery: "sslmode=disable"}
	conn, err := pgx.Connect(ctx(t), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	other, err := pgx.Connect(ctx(t), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	var pe *pgconn.PgError
	_, err = conn.Exec(ctx(t), "SELECT string_agg(range::VARCHAR || repeat('x', 100), ',') FROM range(5000000)")
	if !errors.As(err, &pe) || pe.Code != "53200" {
		t.Fatalf("over the memory limit: %v", err)
	}
	_, err = conn.Exec(ctx(t), "SELECT count(*) FROM range(1000000000000)")
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("over the time limit: %v", err)
	}
	for _, c := range []*pgx.Conn{conn, other} {
		var n int
		if err := c.QueryRow(ctx(t), "SELECT 7").Scan(&n); err != nil || n != 7 {
			t.Fatalf("after the failures: %d %v", n, err)
		}
	}
}

// query.statement_memory_limit bounds each statement: the one over it
// fails, another session's runs.
func TestPostgresWireStatementMemoryLimit(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "tarn.yaml")
	if err := os.WriteFile(cfgFile, []byte("query:\n  statement_memory_limit: 256MB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "--config", cfgFile)
	u := url.URL{Scheme: "postgres", User: url.UserPassword(rootID, rootSecret), Host: srv.PGAddr, Path: "/tarn", RawQuery: "sslmode=disable"}
	var conns []*pgx.Conn
	for range 2 {
		c, err := pgx.Connect(ctx(t), u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		conns = append(conns, c)
	}
	var pe *pgconn.PgError
	_, err := conns[0].Exec(ctx(t), "SELECT string_agg(range::VARCHAR || repeat('x', 100), ',') FROM range(5000000)")
	if !errors.As(err, &pe) || pe.Code != "53200" {
		t.Fatalf("over the statement memory limit: %v", err)
	}
	for _, c := range conns {
		var n int64
		if err := c.QueryRow(ctx(t), "SELECT length(string_agg(range::VARCHAR, ',')) FROM range(1000000)").Scan(&n); err != nil || n == 0 {
			t.Fatalf("a statement within the limit: %d %v", n, err)
		}
	}
	// A bad limit stops tarn at start, with the setting named.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("query:\n  statement_memory_limit: lots\n"), 0o600)
	sctx, cancel := context.WithTimeout(ctx(t), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(sctx, tarnBin, "serve", "--config", bad, "--data", t.TempDir(), "--aws-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--pg-addr", "127.0.0.1:0", "--sftp-addr", "127.0.0.1:0").CombinedOutput(); err == nil || !strings.Contains(string(out), "statement memory limit") {
		t.Fatalf("a bad statement_memory_limit: %v\n%s", err, out)
	}
}

// Athena's Hive DDL over the PostgreSQL wire: an external table over
// partition folders, MSCK REPAIR TABLE, then SQL over it.
func TestHiveDDLOverPostgresWire(t *testing.T) {
	bin := psqlPath(t)
	srv := startServer(t)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	pq := mixedLake(t)["metrics/m.parquet"]
	putAll(t, srv.root(), "lake", map[string][]byte{"ext/day=1/a.parquet": pq, "ext/day=2/b.parquet": pq, "ext/_temporary/x": []byte("junk")})
	host, port, _ := strings.Cut(srv.PGAddr, ":")
	psql := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-h", host, "-p", port, "-U", rootID, "-d", "tarn", "-X", "-A", "-t"}, args...)...)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+rootSecret)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("psql %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	psql("-c", "CREATE DATABASE analytics")
	psql("-c", `CREATE EXTERNAL TABLE analytics.ext (id bigint, name string, score double)
		PARTITIONED BY (day string) STORED AS PARQUET LOCATION 's3://lake/ext/'`)
	if out := psql("-c", "MSCK REPAIR TABLE analytics.ext"); !strings.Contains(out, "day=1") || !strings.Contains(out, "day=2") {
		t.Fatalf("msck: %q", out)
	}
	if out := psql("-c", "SHOW PARTITIONS analytics.ext"); out != "day=1\nday=2\n" {
		t.Fatalf("show partitions: %q", out)
	}
	if out := psql("-c", "SELECT day, count(*), sum(id) FROM analytics.ext GROUP BY ALL ORDER BY ALL"); out != "1|2|3\n2|2|3\n" {
		t.Fatalf("select: %q", out)
	}
	if out := psql("-c", "DESCRIBE analytics.ext"); !strings.Contains(out, "id|bigint") || !strings.Contains(out, "# Partition Information") {
		t.Fatalf("describe: %q", out)
	}
}

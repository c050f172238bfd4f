package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnlake/tarn/internal/catalog/postgres/pgtest"
)

// psqlAs runs psql as a key; it returns the output, and the error's text
// when psql fails.
func psqlAs(t *testing.T, srv *server, id, secret string, args ...string) (string, bool) {
	t.Helper()
	host, port, _ := strings.Cut(srv.PGAddr, ":")
	cmd := exec.Command(psqlPath(t), append([]string{"-h", host, "-p", port, "-U", id, "-d", "tarn", "-X", "-v", "ON_ERROR_STOP=1"}, args...)...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+secret)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// psqlRoot is psql as root; a failure ends the test.
func psqlRoot(t *testing.T, srv *server) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		out, ok := psqlAs(t, srv, rootID, rootSecret, args...)
		if !ok {
			t.Fatalf("psql %v: %s", args, out)
		}
		return out
	}
}

// Warehouse tables through psql, on both backends: Redshift's DDL, rows
// that survive SIGKILL, one statement joining a warehouse table, a lake
// table and a live stream, and the grants that guard them.
func TestWarehouse(t *testing.T) {
	for _, backend := range []string{"embedded", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var args []string
			if backend == "postgres" {
				args = []string{"--warehouse-dsn", pgtest.Database(t)}
			}
			srv := startServer(t, args...)
			psql := psqlRoot(t, srv)
			psql("-c", `CREATE TABLE sales (id bigint NOT NULL ENCODE az64, region varchar(16), amount numeric(10,2), sold date) DISTKEY(id) SORTKEY(sold)`)
			if out := psql("-c", `INSERT INTO sales VALUES (1, 'north', 10.50, '2026-12-01'), (2, 'south', 3.25, '2026-12-02'), (3, 'north', 1.00, NULL)`); !strings.Contains(out, "INSERT 0 3") {
				t.Fatalf("insert: %s", out)
			}

			// The lake and a stream, beside it.
			if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
				t.Fatal(err)
			}
			putAll(t, srv.root(), "lake", map[string][]byte{"regions/r.json": []byte(`{"region":"north","manager":"ann"}` + "\n" + `{"region":"south","manager":"bob"}` + "\n")})
			crawlSDK(t, glueClient(srv), "lake", "analytics", "s3://lake/regions/")
			kc := kinClient(srv)
			kinCreate(t, kc, "visits", 1)
			if _, err := kc.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("visits"), Records: []kintypes.PutRecordsRequestEntry{
				{Data: []byte(`{"region":"north"}`), PartitionKey: aws.String("north")},
				{Data: []byte(`{"region":"north"}`), PartitionKey: aws.String("north")},
				{Data: []byte(`{"region":"south"}`), PartitionKey: aws.String("south")},
			}}); err != nil {
				t.Fatal(err)
			}
			join := `SELECT s.region, r.manager, sum(s.amount), (SELECT count(*) FROM streams.visits v WHERE v.partition_key = s.region)
				FROM sales s JOIN analytics.regions r USING (region) GROUP BY 1, 2 ORDER BY 1`
			want := "north|ann|11.50|2\nsouth|bob|3.25|1\n"
			if out := psql("-A", "-t", "-c", join); out != want {
				t.Fatalf("join: %q, want %q", out, want)
			}
			// The lake through an external schema, as Spectrum shows it.
			psql("-c", `CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'analytics' IAM_ROLE default`)
			if out := psql("-A", "-t", "-c", `SELECT s.id, x.manager FROM sales s JOIN spectrum.regions x USING (region) ORDER BY 1`); out != "1|ann\n2|bob\n3|ann\n" {
				t.Fatalf("external schema: %q", out)
			}
			psql("-c", `UPDATE sales SET amount = amount * 2 WHERE region = 'south'`)
			psql("-c", `DELETE FROM public.sales WHERE sold IS NULL`)

			// UNLOAD to the lake as Parquet, COPY back: the same rows.
			psql("-c", `UNLOAD ('SELECT id, region, amount FROM sales') TO 's3://lake/unload/sales_' IAM_ROLE default FORMAT AS PARQUET`)
			if keys := listKeys(t, srv, "lake", "unload/"); strings.Join(keys, " ") != "unload/sales_0000_part_00.parquet" {
				t.Fatalf("unloaded: %v", keys)
			}
			psql("-c", `CREATE TABLE sales_pq (id bigint, region varchar, amount numeric(10,2))`)
			psql("-c", `COPY sales_pq FROM 's3://lake/unload/sales_' IAM_ROLE default FORMAT AS PARQUET`)
			if out := psql("-A", "-t", "-c", `SELECT count(*), sum(amount) FROM sales_pq`); out != "2|17.00\n" {
				t.Fatalf("copied back from Parquet: %q", out)
			}
			if backend == "embedded" {
				// The warehouse read the file in its spool folder, and
				// nothing is left there.
				if left, err := os.ReadDir(filepath.Join(srv.Data, "warehouse.duckdb.spool")); err != nil || len(left) != 0 {
					t.Fatalf("the spool folder: %v, %v", left, err)
				}
			}
			psql("-c", `CREATE TABLE sales_copy (id bigint, region varchar(16), amount numeric(10,2))`)
			psql("-c", `UNLOAD ('SELECT id, region, amount FROM sales') TO 's3://lake/unload/csv/' IAM_ROLE default CSV GZIP`)
			psql("-c", `COPY sales_copy FROM 's3://lake/unload/csv/' IAM_ROLE default CSV GZIP`)
			if out := psql("-A", "-t", "-c", `SELECT count(*), sum(amount) FROM sales_copy`); out != "2|17.00\n" {
				t.Fatalf("copied back: %q", out)
			}
			// JSON lines, matched to columns by name.
			putAll(t, srv.root(), "lake", map[string][]byte{"in/json/a.json": []byte(`{"region":"west","id":5,"amount":2.5}` + "\n" + `{"id":6,"amount":1.25,"region":"east"}` + "\n")})
			psql("-c", `CREATE TABLE sales_json (id bigint, region varchar(16), amount numeric(10,2))`)
			psql("-c", `COPY sales_json FROM 's3://lake/in/json/' IAM_ROLE default FORMAT AS JSON 'auto'`)
			if out := psql("-A", "-t", "-c", `SELECT string_agg(concat_ws(':', id, region, amount), ',' ORDER BY id) FROM sales_json`); out != "5:west:2.50,6:east:1.25\n" {
				t.Fatalf("copied from JSON: %q", out)
			}

			// A bad row under MAXERROR: the rest loads, the row is in both
			// error views.
			putAll(t, srv.root(), "lake", map[string][]byte{"in/bad.csv": []byte("7,east,1.00\nseven,east,2.00\n")})
			psql("-c", `COPY sales_copy FROM 's3://lake/in/bad.csv' IAM_ROLE default CSV MAXERROR 1`)
			waitFor(t, srv, "the load's errors queryable", func() bool {
				out, _ := psqlAs(t, srv, rootID, rootSecret, "-A", "-t", "-c",
					`SELECT e.line_number, e.err_code, d.column_name FROM stl_load_errors e JOIN sys_load_error_detail d USING (line_number)`)
				return out == "2|1207|id\n"
			})

			// Committed rows survive SIGKILL.
			srv.kill()
			srv.restart()
			if out := psql("-A", "-t", "-c", `SELECT count(*), sum(amount) FROM sales`); out != "2|17.00\n" {
				t.Fatalf("after SIGKILL: %q", out)
			}

			// Grants: warehouse:public read may select, not change; no grant, nothing.
			rid, rsecret := addKey(t, srv, "reader", "--read", "warehouse:public")
			if out, ok := psqlAs(t, srv, rid, rsecret, "-A", "-t", "-c", `SELECT count(*) FROM sales`); !ok || out != "2\n" {
				t.Fatalf("reader select: %q", out)
			}
			if out, ok := psqlAs(t, srv, rid, rsecret, "-c", `INSERT INTO sales VALUES (9, 'x', 1, NULL)`); ok || !strings.Contains(out, "permission denied") {
				t.Fatalf("reader insert: %q", out)
			}
			nid, nsecret := addKey(t, srv, "nobody", "--read", "s3:lake")
			for _, stmt := range []string{`SELECT count(*) FROM sales`, `CREATE TABLE sneaky (id int)`, `DROP TABLE sales`, `DELETE FROM sales`} {
				if out, ok := psqlAs(t, srv, nid, nsecret, "-c", stmt); ok {
					t.Fatalf("%s without a warehouse grant: %q", stmt, out)
				}
			}
			// A writer of public may not read another schema through a
			// DELETE, nor the server's files through an UPDATE.
			psql("-c", `CREATE TABLE finance.pay (id bigint, amount numeric(10,2))`)
			psql("-c", `INSERT INTO finance.pay VALUES (1, 100)`)
			wid, wsecret := addKey(t, srv, "writer", "--write", "warehouse:public")
			for _, stmt := range []string{
				`DELETE FROM sales WHERE id IN (SELECT id FROM finance.pay)`,
				`UPDATE sales SET region = (SELECT max(amount)::varchar FROM finance.pay)`,
				`UPDATE sales SET region = (SELECT pg_read_file('/etc/hostname'))`,
				`UPDATE sales SET region = (SELECT content FROM read_text('/etc/hostname'))`,
				`INSERT INTO sales (id, region) SELECT 99, content FROM read_text('/etc/hostname')`,
				// The one folder the embedded warehouse reads, where COPY
				// spools other keys' Parquet files.
				`UPDATE sales SET region = (SELECT string_agg(file, ',') FROM glob('` + srv.Data + `/warehouse.duckdb.spool/*'))`,
				`DELETE FROM sales WHERE region IN (SELECT content FROM read_text('` + srv.Data + `/warehouse.duckdb.spool/*'))`,
				`UPDATE sales SET region = current_setting('allowed_directories')`,
				`SELECT * FROM finance.pay`,
				// The lake's grants hold for COPY and UNLOAD.
				`COPY sales FROM 's3://lake/unload/csv/' IAM_ROLE default CSV GZIP`,
				`UNLOAD ('SELECT * FROM sales') TO 's3://lake/stolen/' IAM_ROLE default`,
				`COPY sales FROM 's3://lake/unload/csv/' IAM_ROLE 'arn:aws:iam::000000000000:role/root' CSV GZIP`,
			} {
				if out, ok := psqlAs(t, srv, wid, wsecret, "-c", stmt); ok || !strings.Contains(strings.ToLower(out), "permission") {
					t.Errorf("writer of public: %s: %q", stmt, out)
				}
			}
			if out, ok := psqlAs(t, srv, wid, wsecret, "-A", "-t", "-c", `SELECT count(*) FROM sales WHERE region NOT IN ('north', 'south')`); !ok || out != "0\n" {
				t.Fatalf("after the attempts: %q", out)
			}
			psql("-c", `DROP TABLE sales`)
			if out, ok := psqlAs(t, srv, rootID, rootSecret, "-c", `SELECT * FROM sales`); ok {
				t.Fatalf("a dropped table: %q", out)
			}
		})
	}
}

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog/postgres/pgtest"
)

// loadConfig declares the reference architecture's first flow: CSV files
// landing under sales/ are loaded into the warehouse table public.sales,
// then moved under loaded/ (or failed/).
const loadConfig = `pipelines:
  rules:
    - bucket: landing
      id: sales
      prefix: sales/
      suffix: .csv
      load: public.sales
      load_options: CSV IGNOREHEADER 1 DATEFORMAT 'auto'
      loaded: "loaded/{rel}"
      failed: "failed/{rel}"
`

// TestFlatFileToWarehouse: aws s3 cp of a CSV into landing/sales/ loads it
// into public.sales (psql counts it) and moves it to loaded/; the same
// file put again (same ETag) loads nothing; another file of the same name
// loads; a malformed one goes to failed/ with its errors in
// stl_load_errors; a replay of the events loads nothing twice.
// Both warehouses: the embedded one and PostgreSQL.
func TestFlatFileToWarehouse(t *testing.T) {
	for _, backend := range []string{"embedded", "postgres"} {
		t.Run(backend, func(t *testing.T) { flatFileToWarehouse(t, backend) })
	}
}

func flatFileToWarehouse(t *testing.T, backend string) {
	bin := awsCLIPath(t)
	conf := filepath.Join(t.TempDir(), "tarn.yaml")
	if err := os.WriteFile(conf, []byte(loadConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", conf}
	if backend == "postgres" {
		args = append(args, "--warehouse-dsn", pgtest.Database(t))
	}
	srv := startServer(t, args...)
	cli := newAWSCLI(t, bin, srv)
	cli.must(t, "s3", "mb", "s3://landing")
	psql := psqlRoot(t, srv)
	psql("-c", `CREATE TABLE sales (id bigint, region varchar(16), amount numeric(10,2), sold date)`)
	count := func() string {
		return psql("-A", "-t", "-c", `SELECT count(*) || '|' || coalesce(sum(amount), 0) FROM sales`)
	}
	dir := t.TempDir()
	put := func(name, body string) {
		src := filepath.Join(dir, name)
		os.WriteFile(src, []byte(body), 0o644)
		cli.must(t, "s3", "cp", src, "s3://landing/sales/"+name)
	}
	day1 := "id,region,amount,sold\n1,north,10.50,2026-12-01\n2,south,3.25,12/02/2026\n"
	put("2026-12-01.csv", day1)
	waitFor(t, srv, "the file loaded and moved", func() bool {
		return count() == "2|13.75\n" && len(listKeys(t, srv, "landing", "sales/")) == 0 && len(listKeys(t, srv, "landing", "loaded/")) == 1
	})
	// The same bytes again: the same ETag, loaded once.
	put("2026-12-01.csv", day1)
	waitFor(t, srv, "the same file moved without loading", func() bool { return len(listKeys(t, srv, "landing", "sales/")) == 0 })
	if got := count(); got != "2|13.75\n" {
		t.Fatalf("the same file loaded twice: %q", got)
	}
	// Another file of that name loads.
	put("2026-12-01.csv", "id,region,amount,sold\n3,east,1.00,2026-12-01\n")
	waitFor(t, srv, "the new version loaded", func() bool { return count() == "3|14.75\n" })
	// A malformed file: nothing of it loads, it goes to failed/, its
	// errors say where.
	put("bad.csv", "id,region,amount,sold\n4,west,2.00,2026-12-04\nfive,west,1.00,2026-12-04\n")
	waitFor(t, srv, "the bad file failed", func() bool { return len(listKeys(t, srv, "landing", "failed/")) == 1 })
	if got := count(); got != "3|14.75\n" {
		t.Fatalf("a bad file loaded some rows: %q", got)
	}
	// (A table the load made is queryable within a second: views follow.)
	waitFor(t, srv, "the load's errors in stl_load_errors", func() bool {
		out, _ := psqlAs(t, srv, rootID, rootSecret, "-A", "-t", "-c", `SELECT filename, line_number, colname, err_code, raw_field_value FROM stl_load_errors`)
		return out == "s3://landing/sales/bad.csv|3|id|1207|five\n"
	})
	// A crawler of the warehouse (Glue's JDBC target) registers its tables
	// in the catalog beside the lake's, readable by SQL there too.
	cli.must(t, "glue", "create-database", "--database-input", `{"Name":"analytics"}`)
	cli.must(t, "glue", "create-crawler", "--name", "wh", "--role", "tarn", "--database-name", "analytics",
		"--targets", `{"JdbcTargets":[{"ConnectionName":"tarn-warehouse","Path":"dev/public/sal%"}]}`)
	crawlCLI(t, cli, "wh")
	var got struct {
		Table struct {
			Parameters        map[string]string
			StorageDescriptor struct {
				Location string
				Columns  []struct{ Name, Type string }
			}
		}
	}
	cli.json(t, &got, "glue", "get-table", "--database-name", "analytics", "--name", "dev_public_sales")
	if got.Table.Parameters["classification"] != "warehouse" || got.Table.StorageDescriptor.Location != "dev.public.sales" ||
		len(got.Table.StorageDescriptor.Columns) != 4 || got.Table.StorageDescriptor.Columns[2].Type != "decimal(10,2)" {
		t.Fatalf("crawled warehouse table: %+v", got.Table)
	}
	if out := psql("-A", "-t", "-c", `SELECT count(*) FROM analytics.dev_public_sales`); out != "3\n" {
		t.Fatalf("the crawled table by SQL: %q", out)
	}

	// The Redshift Data API through the aws CLI.
	var stmt struct{ Id string }
	cli.json(t, &stmt, "redshift-data", "execute-statement", "--database", "dev", "--cluster-identifier", "tarn",
		"--sql", "SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY region")
	var desc struct{ Status, Error string }
	waitFor(t, srv, "the statement finished", func() bool {
		cli.json(t, &desc, "redshift-data", "describe-statement", "--id", stmt.Id)
		return desc.Status == "FINISHED" || desc.Status == "FAILED"
	})
	if desc.Status != "FINISHED" {
		t.Fatalf("statement: %+v", desc)
	}
	var res struct {
		Records        [][]map[string]any
		ColumnMetadata []struct{ Name string }
		TotalNumRows   int
	}
	cli.json(t, &res, "redshift-data", "get-statement-result", "--id", stmt.Id)
	if res.TotalNumRows != 3 || len(res.ColumnMetadata) != 2 || res.ColumnMetadata[1].Name != "total" || res.Records[0][0]["stringValue"] != "east" {
		t.Fatalf("result: %+v", res)
	}

	// A replay of every landing event loads nothing twice.
	replay := exec.Command(tarnBin, "events", "replay", "--since", "1h", "--bucket", "landing", "--endpoint", srv.URL())
	replay.Env = append(os.Environ(), "TARN_ACCESS_KEY_ID="+rootID, "TARN_SECRET_ACCESS_KEY="+rootSecret)
	if out, err := replay.CombinedOutput(); err != nil || !strings.Contains(string(out), "replayed") {
		t.Fatalf("tarn events replay: %v\n%s", err, out)
	}
	psql("-c", "SELECT 1") // a moment for the replayed events
	waitFor(t, srv, "the replay settled", func() bool { return len(listKeys(t, srv, "landing", "sales/")) == 0 })
	if got := count(); got != "3|14.75\n" {
		t.Fatalf("after the replay: %q", got)
	}
}

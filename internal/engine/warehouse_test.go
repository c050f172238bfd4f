package engine

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/query/sqltext"

	"github.com/tarnlake/tarn/internal/catalog/postgres/pgtest"
	whduck "github.com/tarnlake/tarn/internal/warehouse/duckdb"
	whpg "github.com/tarnlake/tarn/internal/warehouse/postgres"
)

// whEnv is newEnv with an embedded warehouse.
func whEnv(t *testing.T) *env {
	wh, err := whduck.Open(filepath.Join(t.TempDir(), "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return newEnvWith(t, func(o *Options) { o.Warehouse = wh })
}

// Warehouse tables are made, filled, changed and read with Redshift's SQL,
// and join lake tables in one statement.
func TestWarehouseTables(t *testing.T) {
	e := whEnv(t)
	e.put("regions/a.json", []byte(`{"region":"north","manager":"ann"}`+"\n"+`{"region":"south","manager":"bob"}`+"\n"))
	e.crawl()
	s := e.session()
	for _, stmt := range []string{
		`CREATE TABLE sales (id bigint NOT NULL ENCODE az64, region varchar(MAX), amount numeric(10,2), day date) DISTKEY(id) COMPOUND SORTKEY(day, id)`,
		`INSERT INTO sales VALUES (1, 'north', 10.50, DATE '2026-12-01'), (2, 'south', 3.25, DATE '2026-12-02')`,
		`INSERT INTO public.sales (id, region) SELECT 3, region FROM db.lake WHERE manager = 'ann'`,
		`UPDATE sales SET amount = 1.00 WHERE id = 3`,
	} {
		e.rows(s, stmt)
	}
	if got := e.rows(s, `SELECT s.id, s.amount, r.manager FROM sales s JOIN db.lake r USING (region) ORDER BY s.id`); fmt.Sprint(got) != "[[1 10.50 ann] [2 3.25 bob] [3 1.00 ann]]" {
		t.Fatalf("join: %v", got)
	}
	if got := e.rows(s, `SELECT count(*), sum(amount) FROM public.sales`); fmt.Sprint(got) != "[[3 14.75]]" {
		t.Fatalf("sum: %v", got)
	}
	if k := e.eng.TableKinds(); k[[2]string{"public", "sales"}] != "TABLE" || k[[2]string{"db", "lake"}] != "EXTERNAL TABLE" {
		t.Fatalf("table kinds: %v", k)
	}
	e.rows(s, `DELETE FROM sales WHERE day IS NULL`)
	if got := e.rows(s, `SELECT count(*) FROM sales`); fmt.Sprint(got) != "[[2]]" {
		t.Fatalf("after delete: %v", got)
	}
	// A column added, then dropped, as Redshift's ALTER TABLE does.
	e.rows(s, `ALTER TABLE sales ADD COLUMN note varchar(MAX)`)
	e.rows(s, `UPDATE sales SET note = 'first' WHERE id = 1`)
	if got := e.rows(s, `SELECT id, note FROM sales ORDER BY id`); fmt.Sprint(got) != "[[1 first] [2 <nil>]]" {
		t.Fatalf("after ADD COLUMN: %v", got)
	}
	if got := e.rows(e.session(), `SELECT count(*) FROM information_schema.columns WHERE table_name = 'sales'`); fmt.Sprint(got) != "[[5]]" {
		t.Fatalf("information_schema after ADD COLUMN: %v", got)
	}
	e.rows(s, `ALTER TABLE public.sales DROP COLUMN note`)
	if _, err := s.Query(t.Context(), `SELECT note FROM sales`); err == nil {
		t.Fatal("a dropped column is still read")
	}
	if _, err := s.Query(t.Context(), `ALTER TABLE sales ADD COLUMN x int DEFAULT 1`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("ALTER with a default: %v", err)
	}
	// A type the warehouse cannot read back is refused, and leaves the
	// other tables listed.
	if _, err := s.Query(t.Context(), `CREATE TABLE odd (a interval)`); err == nil || !strings.Contains(err.Error(), "not made") {
		t.Fatalf("a table of an unkept type: %v", err)
	}
	if got := e.rows(s, `SELECT count(*) FROM sales`); fmt.Sprint(got) != "[[2]]" {
		t.Fatalf("after a refused table: %v", got)
	}
	e.rows(s, `DROP TABLE sales`)
	if _, err := s.Query(t.Context(), `SELECT * FROM sales`); err == nil {
		t.Fatal("a dropped table is still read")
	}
}

func TestWarehouseReads(t *testing.T) {
	e := &Engine{whViews: map[[2]string]string{{"public", "t"}: "", {"finance", "pay"}: ""}}
	for stmt, want := range map[string]string{
		`DELETE FROM t WHERE id = 1`:                                                     "[]",
		`DELETE FROM public.t WHERE id IN (SELECT id FROM finance.pay)`:                  "[finance]",
		`UPDATE t SET v = (SELECT max(x) FROM "finance"."pay") WHERE t.id = 2`:           "[finance]",
		`DELETE FROM finance.pay USING t WHERE pay.id = t.id`:                            "[public]",
		`UPDATE finance.pay SET x = 1 WHERE id IN (SELECT oid FROM pg_catalog.pg_class)`: "[pg_catalog]",
		`UPDATE t SET v = 'finance.pay'`:                                                 "[]",
	} {
		toks, err := sqltext.Lex(stmt)
		if err != nil {
			t.Fatal(err)
		}
		target := "public"
		if strings.Contains(stmt, "FROM finance.pay USING") || strings.HasPrefix(stmt, "UPDATE finance") {
			target = "finance"
		}
		if got := fmt.Sprint(e.whReads(toks, target)); got != want {
			t.Errorf("%s: %s, want %s", stmt, got, want)
		}
	}
}

// COPY loads CSV (gzip), JSON and pipe-delimited files from the lake, all
// or nothing; bad rows are in stl_load_errors.
func TestWarehouseCopy(t *testing.T) {
	e := whEnv(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("id,region,amount,day\n1,north,10.50,2026-12-01\n2,\"south, far\",3.25,2026-12-02\n"))
	zw.Close()
	e.put("in/csv/a.csv.gz", gz.Bytes())
	e.put("in/json/a.json", []byte(`{"id": 3, "region": "east", "amount": 1.5, "day": "2026-12-03"} {"id": 4, "region": null}`))
	e.put("in/text/a.txt", []byte("5|west|2.00|2026-12-04\nbad|west|1|2026-12-04\n"))
	s := e.session()
	e.rows(s, `CREATE TABLE sales (id bigint, region varchar(32), amount numeric(10,2), day date)`)
	e.rows(s, `COPY sales FROM 's3://lake/in/csv/' IAM_ROLE default CSV IGNOREHEADER 1 GZIP`)
	e.rows(s, `COPY public.sales FROM 's3://lake/in/json/a.json' IAM_ROLE default FORMAT AS JSON 'auto'`)
	if _, err := s.Query(t.Context(), `COPY sales FROM 's3://lake/in/text/' IAM_ROLE default`); err == nil || !strings.Contains(err.Error(), "stl_load_errors") {
		t.Fatalf("a bad row past MAXERROR 0: %v", err)
	}
	if got := e.rows(s, `SELECT count(*), sum(amount) FROM sales`); fmt.Sprint(got) != "[[4 15.25]]" {
		t.Fatalf("after the failed load: %v", got)
	}
	if got := e.rows(s, `SELECT line_number, colname, err_code, raw_field_value FROM stl_load_errors`); fmt.Sprint(got) != "[[2 id 1207 bad]]" {
		t.Fatalf("stl_load_errors: %v", got)
	}
	if got := e.rows(s, `SELECT table_name, line_number, column_name, error_code FROM sys_load_error_detail`); fmt.Sprint(got) != "[[sales 2 id 1207]]" {
		t.Fatalf("sys_load_error_detail: %v", got)
	}
	e.rows(s, `COPY sales FROM 's3://lake/in/text/a.txt' IAM_ROLE default MAXERROR 1`)
	if got := e.rows(s, `SELECT count(*) FROM sales`); fmt.Sprint(got) != "[[5]]" {
		t.Fatalf("with MAXERROR 1: %v", got)
	}
	for _, bad := range []string{
		`COPY sales FROM 's3://lake/nothing/' IAM_ROLE default`,
		`COPY missing FROM 's3://lake/in/csv/' IAM_ROLE default CSV`,
		`COPY sales FROM '/etc/passwd'`,
	} {
		if _, err := s.Query(t.Context(), bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// UNLOAD writes a query's rows into the lake with Redshift's names, and
// COPY reads them back.
func TestWarehouseUnload(t *testing.T) {
	e := whEnv(t)
	s := e.session()
	e.rows(s, `CREATE TABLE sales (id bigint, region varchar(16), amount numeric(10,2))`)
	e.rows(s, `INSERT INTO sales VALUES (1, 'north', 10.50), (2, 'south', 3.25), (3, 'north', NULL)`)
	keys := func(prefix string) string {
		res, err := e.lake.List(t.Context(), "lake", lake.ListOptions{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range res.Objects {
			out = append(out, o.Key)
		}
		return strings.Join(out, " ")
	}
	e.rows(s, `UNLOAD ('SELECT * FROM sales WHERE region = ''north''') TO 's3://lake/out/text_' IAM_ROLE default`)
	e.rows(s, `UNLOAD ('SELECT * FROM sales') TO 's3://lake/out/pq/' IAM_ROLE default FORMAT AS PARQUET PARTITION BY (region) MANIFEST`)
	e.rows(s, `UNLOAD ('SELECT id, amount FROM sales ORDER BY id') TO 's3://lake/out/csv/' IAM_ROLE default CSV HEADER GZIP PARALLEL OFF`)
	if got := keys("out/"); got != "out/csv/000.gz out/pq/manifest out/pq/region=north/0000_part_00.parquet out/pq/region=south/0000_part_00.parquet out/text_0000_part_00" {
		t.Fatalf("unloaded: %s", got)
	}
	rc, _, err := e.lake.Get(t.Context(), "lake", "out/text_0000_part_00", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "1|north|10.50\n3|north|\n" {
		t.Fatalf("text: %q", b)
	}
	if _, err := s.Query(t.Context(), `UNLOAD ('SELECT 1') TO 's3://lake/out/text_' IAM_ROLE default`); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("over earlier files: %v", err)
	}
	e.rows(s, `UNLOAD ('SELECT 9 AS id, ''x'' AS region, 1.5 AS amount') TO 's3://lake/out/text_' IAM_ROLE default ALLOWOVERWRITE`)
	// Round trip: what UNLOAD wrote, COPY reads.
	e.rows(s, `TRUNCATE sales`)
	e.rows(s, `COPY sales FROM 's3://lake/out/text_' IAM_ROLE default`)
	e.rows(s, `COPY sales (id, amount) FROM 's3://lake/out/csv/' IAM_ROLE default CSV IGNOREHEADER 1 GZIP`)
	if got := e.rows(s, `SELECT count(*), sum(id), sum(amount) FROM sales`); fmt.Sprint(got) != "[[4 15 15.25]]" {
		t.Fatalf("round trip: %v", got)
	}
	// MAXFILESIZE splits the files: 0000_part_00, 0000_part_01, …
	e.rows(s, `UNLOAD ('SELECT range AS id, repeat(''x'', 60) AS pad FROM range(200000)') TO 's3://lake/out/big/' IAM_ROLE default CSV MAXFILESIZE 5 MB`)
	if got := keys("out/big/"); !strings.HasPrefix(got, "out/big/0000_part_00 out/big/0000_part_01 ") {
		t.Fatalf("split: %s", got)
	}
	// Parquet back: columns by position (the partition column is in the
	// folder names, not the files).
	e.rows(s, `COPY sales (id, amount) FROM 's3://lake/out/pq/region=north/' IAM_ROLE default FORMAT AS PARQUET`)
	if got := e.rows(s, `SELECT count(*), sum(id) FROM sales WHERE region IS NULL`); fmt.Sprint(got) != "[[5 10]]" { // 3 from the CSV, 2 from Parquet
		t.Fatalf("from Parquet: %v", got)
	}
	if _, err := s.Query(t.Context(), `COPY sales FROM 's3://lake/out/pq/region=north/' IAM_ROLE default FORMAT AS PARQUET`); err == nil || !strings.Contains(err.Error(), "columns") {
		t.Fatalf("Parquet with a column too few: %v", err)
	}
}

// An external schema shows a catalog database's lake tables beside the
// warehouse's, until it is dropped.
func TestExternalSchema(t *testing.T) {
	e := whEnv(t)
	e.put("regions/a.json", []byte(`{"region":"north","manager":"ann"}`+"\n"))
	e.crawl()
	s := e.session()
	e.rows(s, `CREATE TABLE sales (id bigint, region varchar(16))`)
	e.rows(s, `INSERT INTO sales VALUES (1, 'north')`)
	e.rows(s, `CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'db' IAM_ROLE default`)
	if got := e.rows(s, `SELECT s.id, x.manager FROM sales s JOIN spectrum.lake x USING (region)`); fmt.Sprint(got) != "[[1 ann]]" {
		t.Fatalf("join: %v", got)
	}
	if _, err := s.Query(t.Context(), `CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'db' IAM_ROLE default`); err == nil {
		t.Fatal("made twice")
	}
	e.rows(s, `CREATE EXTERNAL SCHEMA IF NOT EXISTS spectrum FROM DATA CATALOG DATABASE 'db' IAM_ROLE default`)
	if _, err := s.Query(t.Context(), `CREATE EXTERNAL SCHEMA other FROM DATA CATALOG DATABASE 'nosuchdb' IAM_ROLE default`); err == nil {
		t.Fatal("an external schema of a database that is not there")
	}
	e.rows(s, `DROP SCHEMA spectrum`)
	if _, err := s.Query(t.Context(), `SELECT * FROM spectrum.lake`); err == nil {
		t.Fatal("a dropped external schema is still read")
	}
	if got := e.rows(s, `SELECT count(*) FROM db.lake`); fmt.Sprint(got) != "[[1]]" {
		t.Fatalf("the lake table itself: %v", got)
	}
}

// ARCHIVE moves old rows into the lake; the union of the two holds each
// row once; a run whose rows changed meanwhile archives nothing.
// ARCHIVE moves rows to the lake on both warehouses.
func TestArchive(t *testing.T) {
	t.Run("embedded", func(t *testing.T) { testArchive(t, whEnv(t)) })
	t.Run("postgres", func(t *testing.T) {
		wh, err := whpg.Open(whpg.Options{DSN: pgtest.Database(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { wh.Close() })
		testArchive(t, newEnvWith(t, func(o *Options) { o.Warehouse = wh }))
	})
}

func testArchive(t *testing.T, e *env) {
	s := e.session()
	e.rows(s, `CREATE TABLE sales (id bigint, region varchar(16), amount numeric(10,2), sold date)`)
	e.rows(s, `INSERT INTO sales SELECT i, CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END, i * 1.5, DATE '2026-01-01' + CAST(i AS INTEGER) FROM range(1, 101) t(i)`)
	e.rows(s, `CREATE DATABASE archive`)
	e.rows(s, `ARCHIVE sales WHERE sold < '2026-03-01' TO 's3://lake/archive/sales/' AS archive.sales PARTITION BY (region)`)
	if got := e.rows(s, `SELECT count(*) FROM sales`); fmt.Sprint(got) != "[[42]]" {
		t.Fatalf("left in the warehouse: %v", got)
	}
	if got := e.rows(s, `SELECT count(*), count(DISTINCT id), sum(amount) FROM sales_all`); fmt.Sprint(got) != "[[100 100 7575.00]]" {
		t.Fatalf("union: %v", got)
	}
	if got := e.rows(s, `SELECT count(*), CAST(min(sold) AS VARCHAR) FROM archive.sales WHERE region = 'north'`); fmt.Sprint(got) != "[[29 2026-01-03]]" {
		t.Fatalf("archived: %v", got)
	}
	// Again, later rows: a second run joins the union.
	e.rows(s, `ARCHIVE public.sales WHERE sold <= '2026-03-10' TO 's3://lake/archive/sales/' AS archive.sales PARTITION BY (region)`)
	if got := e.rows(s, `SELECT count(*), count(DISTINCT id) FROM sales_all`); fmt.Sprint(got) != "[[100 100]]" {
		t.Fatalf("union after two runs: %v", got)
	}
	if got := e.rows(s, `SELECT count(*) FROM sales`); fmt.Sprint(got) != "[[32]]" {
		t.Fatalf("left after two runs: %v", got)
	}
	for _, bad := range []string{
		`ARCHIVE sales WHERE sold > '2026-01-01' TO 's3://lake/a/' AS archive.sales`,
		`ARCHIVE sales WHERE sold < '2026-01-01' TO '/tmp/x' AS archive.sales`,
		`ARCHIVE nosuch WHERE sold < '2026-01-01' TO 's3://lake/a/' AS archive.x`,
		`ARCHIVE sales WHERE sold < '2026-12-01' TO 's3://lake/other/' AS archive.sales PARTITION BY (region)`,
	} {
		if _, err := s.Query(t.Context(), bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if got := e.rows(s, `SELECT count(*), count(DISTINCT id) FROM sales_all`); fmt.Sprint(got) != "[[100 100]]" {
		t.Fatalf("union after refused runs: %v", got)
	}
}

// A table of many batches reads whole, in vectors that cut across them;
// a statement that stops early ends its read.
func TestWarehouseBatches(t *testing.T) {
	e := whEnv(t)
	s := e.session()
	e.rows(s, `CREATE TABLE big (id bigint, note varchar, amount numeric(30,2), ts timestamp, day date)`)
	e.rows(s, `INSERT INTO big SELECT range, CASE WHEN range % 3 = 0 THEN NULL ELSE 'n' || (range % 10) END, range / 100.0,
		TIMESTAMP '2026-01-01' + range * INTERVAL 1 SECOND, DATE '2026-01-01' + (range % 30)::INTEGER FROM range(50000)`)
	if got := e.rows(s, `SELECT count(*), sum(id), count(note), count(DISTINCT note), sum(amount), max(ts), min(day) FROM big`); fmt.Sprint(got) != "[[50000 1249975000 33333 10 12499750.00 2026-01-01 13:53:19 +0000 UTC 2026-01-01 00:00:00 +0000 UTC]]" {
		t.Fatalf("aggregates: %v", got)
	}
	if got := e.rows(s, `SELECT count(*) FROM big`); fmt.Sprint(got) != "[[50000]]" {
		t.Fatalf("count: %v", got)
	}
	e.rows(s, `CREATE TABLE tiny (t tinyint, s smallint)`)
	e.rows(s, `INSERT INTO tiny VALUES (-5, 300), (7, NULL)`)
	if got := e.rows(s, `SELECT sum(t), sum(s), count(s) FROM tiny`); fmt.Sprint(got) != "[[2 300 1]]" {
		t.Fatalf("tinyint: %v", got)
	}
	for range 20 { // each read stopped early ends: connections are not used up
		if got := e.rows(s, `SELECT id FROM big LIMIT 2`); len(got) != 2 {
			t.Fatalf("limit: %v", got)
		}
	}
}

// With PostgreSQL as the warehouse, a table made outside tarn with types
// tarn does not keep is queryable (those columns as text); INSERT into
// them, ARCHIVE by them and CREATE TABLE with them are refused, and the
// warehouse's other tables are untouched.
func TestForeignColumnsPostgres(t *testing.T) {
	wh, err := whpg.Open(whpg.Options{DSN: pgtest.Database(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	ctx := t.Context()
	for _, stmt := range []string{
		`CREATE TABLE public.ext (id int, doc jsonb, opened time)`,
		`INSERT INTO public.ext VALUES (1, '{"a": 1}', '10:00'), (2, '[]', '9:00')`,
	} {
		if _, err := wh.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	e := newEnvWith(t, func(o *Options) { o.Warehouse = wh })
	s := e.session()
	e.rows(s, `CREATE TABLE sales (id bigint)`)
	e.rows(s, `INSERT INTO sales VALUES (1), (2)`)
	if got := e.rows(s, `SELECT e.id, doc, CAST(opened AS VARCHAR) FROM ext e JOIN sales USING (id) ORDER BY id`); fmt.Sprint(got) != `[[1 {"a": 1} 10:00:00] [2 [] 09:00:00]]` {
		t.Fatalf("read: %v", got)
	}
	e.rows(s, `INSERT INTO ext (id) VALUES (3)`)
	e.rows(s, `CREATE DATABASE archive`)
	for stmt, want := range map[string]string{
		`INSERT INTO ext VALUES (4, '{}', '11:00')`:                                    `column "doc" of relation "ext" has type jsonb`,
		`INSERT INTO ext (id, opened) SELECT id, '11:00' FROM sales`:                   `column "opened" of relation "ext" has type time without time zone`,
		`ARCHIVE ext WHERE opened < '9:30' TO 's3://lake/archive/ext/' AS archive.ext`: `cutoff column opened has type time without time zone`,
		`CREATE TABLE odd (a interval)`:                                                `type interval is not a warehouse type tarn keeps`,
		`CREATE TABLE odd2 (id int, u uuid)`:                                           `type uuid is not a warehouse type tarn keeps`,
	} {
		res, err := s.Query(ctx, stmt)
		if err == nil {
			res.Rows.Close() // it holds an engine slot until then
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	if got := e.rows(s, `SELECT count(*) FROM ext`); fmt.Sprint(got) != "[[3]]" {
		t.Fatalf("ext after refusals: %v", got)
	}
	ts, err := wh.Tables(ctx, "public")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range ts {
		names = append(names, tb.Name)
	}
	if got := strings.Join(names, " "); got != "ext sales" {
		t.Fatalf("warehouse tables: %s", got)
	}
}

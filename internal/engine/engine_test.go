package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2/ocf"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/crawl"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
	"github.com/tarnlake/tarn/internal/query"
)

type env struct {
	t    *testing.T
	lake *localfs.Store
	cat  catalog.Store
	crw  *crawl.Service
	eng  *Engine
}

func newEnv(t *testing.T) *env { return newEnvWith(t, func(*Options) {}) }

// newEnvWith is newEnv with the engine's options changed by set.
func newEnvWith(t *testing.T, set func(*Options)) *env {
	dir := t.TempDir()
	lk, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := embedded.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Catalog: cat, Lake: lk, Files: lk, LakeDir: filepath.Join(dir, "lake"), SyncEvery: time.Nanosecond, Threads: 2, Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	set(&opts)
	eng, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, lake: lk, cat: cat, crw: crawl.New(crawl.Options{Catalog: cat, Lake: lk}), eng: eng}
	t.Cleanup(func() { e.crw.Close(); eng.Close(); cat.Close(); lk.Close() })
	if err := lk.CreateBucket(context.Background(), "lake"); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) put(key string, data []byte) {
	e.t.Helper()
	if _, err := e.lake.Put(context.Background(), "lake", key, bytes.NewReader(data), lake.PutOptions{Size: int64(len(data))}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) crawl() {
	e.t.Helper()
	ctx := context.Background()
	if err := e.crw.CreateCrawler(ctx, crawl.Crawler{Name: "c", DatabaseName: "db", Targets: []crawl.S3Target{{Path: "s3://lake/"}}}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.crw.StartCrawler(ctx, "c"); err != nil {
		e.t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, _ := e.crw.GetCrawler(ctx, "c"); c.State == crawl.StateReady {
			if c.LastCrawl.Status != crawl.LastSucceeded {
				e.t.Fatalf("crawl: %+v", c.LastCrawl)
			}
			return
		}
	}
	e.t.Fatal("crawl did not end")
}

// session opens a session for the test, closed at its end.
func (e *env) session() query.Session {
	e.t.Helper()
	s, err := e.eng.Session(context.Background(), "root")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// rows runs text and returns its rows as strings.
func (e *env) rows(s query.Session, text string, args ...any) [][]string {
	e.t.Helper()
	res, err := s.Query(context.Background(), text, args...)
	if err != nil {
		e.t.Fatalf("%s: %v", text, err)
	}
	defer res.Rows.Close()
	var out [][]string
	for res.Rows.Next() {
		var row []string
		for _, v := range res.Rows.Values() {
			row = append(row, fmt.Sprint(v))
		}
		out = append(out, row)
	}
	if err := res.Rows.Err(); err != nil {
		e.t.Fatalf("%s: %v", text, err)
	}
	return out
}

// duckParquet writes a Parquet file with DuckDB itself.
func (e *env) duckParquet(s query.Session, from, to int) []byte {
	e.t.Helper()
	p := filepath.Join(e.t.TempDir(), "x.parquet")
	// The engine's own DuckDB: sessions may not COPY to a path.
	if _, err := e.eng.db.Exec(fmt.Sprintf("COPY (SELECT range AS id, 'n' || range AS name, range::DOUBLE * 1.5 AS score FROM range(%d, %d)) TO '%s' (FORMAT parquet)", from, to, p)); err != nil {
		e.t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func TestViewsOverCrawledTables(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s, err := e.eng.Session(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e.put("duck/year=2025/a.parquet", e.duckParquet(s, 0, 50))
	e.put("duck/year=2026/b.parquet", e.duckParquet(s, 50, 150))
	e.put("events/dt=1/a.json.gz", gz(`{"id":1,"user":"a"}`+"\n"+`{"id":60,"user":"b"}`+"\n"))
	e.put("events/dt=2/b.json.gz", gz(`{"id":70,"user":"c","extra":true}`+"\n"))
	e.put("audit/a.avro", avroFile(t))
	e.put("clicks/Region=eu/a.avro", avroFile(t))
	e.put("clicks/Region=us/b.avro", avroFile(t))
	e.put("trail/2026/01/a.avro", avroFile(t))
	e.put("cased/Day=1/a.json", []byte(`{"v":1}`))
	e.put("cased/Day=2/b.json", []byte(`{"v":2}`))
	e.put("sales/2026/01/s.csv", []byte("sku,qty\na,1\nb,2\n"))
	e.put("sales/2026/02/s.csv", []byte("sku,qty\nc,3\n"))
	e.crawl()

	// The crawler read DuckDB's Parquet as Glue would.
	duck, err := e.cat.GetTable(ctx, "db", "duck")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(duck.Storage.Columns); got != "[{id bigint } {name string } {score double }]" || duck.PartitionKeys[0].Name != "year" {
		t.Fatalf("duck table: %s %v", got, duck.PartitionKeys)
	}
	if got := e.rows(s, "SELECT count(*), sum(id), min(year) FROM db.duck WHERE year = '2026'"); fmt.Sprint(got) != "[[100 9950 2026]]" {
		t.Fatalf("duck: %v", got)
	}
	if got := e.rows(s, "SELECT id, \"user\", extra, dt FROM db.events ORDER BY id"); fmt.Sprint(got) != "[[1 a <nil> 1] [60 b <nil> 1] [70 c true 2]]" {
		t.Fatalf("events: %v", got)
	}
	if got := e.rows(s, "SELECT partition_0, partition_1, sum(qty) FROM db.sales GROUP BY ALL ORDER BY ALL"); fmt.Sprint(got) != "[[2026 01 3] [2026 02 3]]" {
		t.Fatalf("sales: %v", got)
	}
	// Partition folders spelled in another case than the catalog's keys.
	if got := e.rows(s, "SELECT day, v FROM db.cased ORDER BY v"); fmt.Sprint(got) != "[[1 1] [2 2]]" {
		t.Fatalf("cased: %v", got)
	}
	// Avro, read by tarn_avro: unions, logical types, nested records, maps.
	if got := e.rows(s, "SELECT id, tag, price, \"at\", inner_rec.x, attrs['k'] FROM db.audit ORDER BY id"); fmt.Sprint(got) != "[[0 <nil> 1.50 1970-01-01 00:00:00 +0000 UTC 0 1] [1 t1 2.50 1970-01-01 00:00:00.001 +0000 UTC 1 1] [2 t2 3.50 1970-01-01 00:00:00.002 +0000 UTC 2 1]]" {
		t.Fatalf("avro: %v", got)
	}
	// Partitioned Avro: values from the path, hive-style or not.
	if got := e.rows(s, "SELECT region, count(*), sum(id) FROM db.clicks WHERE region <> 'x' GROUP BY ALL ORDER BY ALL"); fmt.Sprint(got) != "[[eu 3 3] [us 3 3]]" {
		t.Fatalf("partitioned avro: %v", got)
	}
	if got := e.rows(s, "SELECT partition_0, partition_1, count(*) FROM db.trail GROUP BY ALL"); fmt.Sprint(got) != "[[2026 01 3]]" {
		t.Fatalf("avro in unnamed partitions: %v", got)
	}
	// CTAS writes Parquet into the lake and registers the table with its
	// partitions; INSERT INTO appends.
	if res, err := s.Query(ctx, `CREATE TABLE db.agg WITH (format = 'PARQUET', external_location = 's3://lake/agg/', partitioned_by = ARRAY['year'])
		AS SELECT id, name, year FROM db.duck WHERE id < 10 OR id >= 140`); err != nil || res.Rows.Close() != nil || res.Tag != "SELECT 20" {
		t.Fatalf("ctas: %v %v", res.Tag, err)
	}
	agg, err := e.cat.GetTable(ctx, "db", "agg")
	if err != nil || fmt.Sprint(agg.Storage.Columns) != "[{id bigint } {name string }]" || agg.PartitionKeys[0].Name != "year" {
		t.Fatalf("ctas table: %+v %v", agg, err)
	}
	if got := e.rows(s, "SELECT year, count(*) FROM db.agg GROUP BY ALL ORDER BY ALL"); fmt.Sprint(got) != "[[2025 10] [2026 10]]" {
		t.Fatalf("ctas rows: %v", got)
	}
	if res, err := s.Query(ctx, "INSERT INTO db.agg SELECT 999 AS id, 'new' AS name, '2030' AS year"); err != nil || res.Rows.Close() != nil || res.Tag != "INSERT 0 1" {
		t.Fatalf("insert: %v %v", res.Tag, err)
	}
	if got := e.rows(s, "SELECT year, count(*) FROM db.agg GROUP BY ALL ORDER BY ALL"); fmt.Sprint(got) != "[[2025 10] [2026 10] [2030 1]]" {
		t.Fatalf("after insert: %v", got)
	}
	if ps, _ := e.cat.GetPartitions(ctx, "db", "agg"); len(ps) != 3 {
		t.Fatalf("partitions: %+v", ps)
	}
	// UNLOAD writes files and registers nothing.
	e.rows(s, "UNLOAD (SELECT id, name FROM db.duck WHERE id < 3) TO 's3://lake/exports/x/' WITH (format = 'JSON')")
	list, err := e.lake.List(ctx, "lake", lake.ListOptions{Prefix: "exports/x/"})
	if err != nil || len(list.Objects) != 1 || !strings.HasSuffix(list.Objects[0].Key, ".json") {
		t.Fatalf("unload: %+v %v", list.Objects, err)
	}
	// A join across formats, with a parameter.
	if got := e.rows(s, "SELECT e.\"user\", d.name FROM db.events e JOIN db.duck d ON d.id = e.id WHERE e.id > $1 ORDER BY 1", 50); fmt.Sprint(got) != "[[b n60] [c n70]]" {
		t.Fatalf("join: %v", got)
	}
	n, cols, err := s.Describe(ctx, "SELECT id, name FROM db.duck WHERE id = $1")
	if err != nil || n != 1 || fmt.Sprint(cols) != "[{id BIGINT} {name VARCHAR}]" {
		t.Fatalf("describe: %d %v %v", n, cols, err)
	}

	// A new file is seen after the next crawl, without restarting anything.
	e.put("duck/year=2027/c.parquet", e.duckParquet(s, 150, 151))
	if err := e.crw.StartCrawler(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got := e.rows(s, "SELECT count(*) FROM db.duck"); fmt.Sprint(got) == "[[151]]" {
			break
		}
	}
	if got := e.rows(s, "SELECT count(*) FROM db.duck"); fmt.Sprint(got) != "[[151]]" {
		t.Fatalf("after a new partition: %v", got)
	}

	// A schema change makes version 2; version 1 stays queryable as
	// "events$v1", reading the same files with the old columns.
	e.put("events/dt=3/c.json.gz", gz(`{"id":80,"user":"d","extra":false,"more":"m"}`+"\n"))
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, _ := e.crw.GetCrawler(ctx, "c"); c.State == crawl.StateReady {
			break
		}
	}
	if err := e.crw.StartCrawler(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if tb, _ := e.cat.GetTable(ctx, "db", "events"); tb.Version == 2 {
			break
		}
	}
	if got := e.rows(s, `SELECT count(*), count(more) FROM db.events`); fmt.Sprint(got) != "[[4 1]]" {
		t.Fatalf("events v2: %v", got)
	}
	if got := e.rows(s, `SELECT count(*) FROM db."events$v1"`); fmt.Sprint(got) != "[[4]]" {
		t.Fatalf("events v1: %v", got)
	}
	if _, err := s.Query(ctx, `SELECT more FROM db."events$v1"`); err == nil {
		t.Fatal("version 1 has a column it did not have")
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s, err := e.eng.Session(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		sql  string
		code string
		pos  int
	}{
		{"SELEC 1", query.CodeSyntax, 1},
		{"SELECT 1 FROM WHERE", query.CodeSyntax, 15},
		{"SELECT * FROM nope", query.CodeUndefinedTable, 0},
		{"SELECT nope FROM range(1)", query.CodeUndefinedColumn, 0},
		{"SELECT CAST('x' AS INTEGER)", query.CodeDataException, 0},
	} {
		res, err := s.Query(ctx, c.sql)
		if err == nil { // some errors come while rows are read
			for res.Rows.Next() {
			}
			err = res.Rows.Err()
			res.Rows.Close()
		}
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Code != c.code || c.pos != 0 && qe.Position != c.pos {
			t.Errorf("%s: %#v", c.sql, err)
		}
	}
	// A cancelled statement stops.
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := s.Query(cctx, "SELECT count(*) FROM range(10000000000) a, range(10) b")
	if err == nil {
		for res.Rows.Next() {
		}
		err = res.Rows.Err()
		res.Rows.Close()
	}
	var qe *query.Error
	if !errors.As(err, &qe) || qe.Code != query.CodeQueryCanceled || time.Since(start) > 10*time.Second {
		t.Fatalf("cancel: %v after %v", err, time.Since(start))
	}
	// The session still works.
	if got := e.rows(s, "SELECT 42"); fmt.Sprint(got) != "[[42]]" {
		t.Fatal(got)
	}
}

func avroFile(t *testing.T) []byte {
	var b bytes.Buffer
	enc, err := ocf.NewEncoder(`{"type":"record","name":"E","fields":[
		{"name":"id","type":"long"},
		{"name":"tag","type":["null","string"]},
		{"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
		{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"inner_rec","type":{"type":"record","name":"I","fields":[{"name":"x","type":"int"}]}},
		{"name":"attrs","type":{"type":"map","values":"long"}}]}`, &b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var tag any
		if i > 0 {
			tag = map[string]any{"string": fmt.Sprintf("t%d", i)}
		}
		rec := map[string]any{"id": int64(i), "tag": tag, "price": big.NewRat(int64(300+i*200), 200),
			"at": time.UnixMilli(int64(i)).UTC(), "inner_rec": map[string]any{"x": int32(i)}, "attrs": map[string]any{"k": int64(1)}}
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A table crawled a moment ago is queryable at once, though the views
// are synced with the catalog once an hour here: a statement naming a
// table DuckDB lacks syncs them first.
func TestNewTableQueryableAtOnce(t *testing.T) {
	e := newEnvWith(t, func(o *Options) { o.SyncEvery = time.Hour })
	s := e.session()
	e.rows(s, "SELECT 1") // the hourly sync has happened
	e.put("fresh/a.json", []byte(`{"id":1}`+"\n"+`{"id":2}`+"\n"))
	e.crawl()
	if got := e.rows(s, "SELECT count(*) FROM db.lake"); len(got) != 1 || got[0][0] != "2" {
		t.Fatalf("count: %v", got)
	}
	if _, _, err := s.Describe(context.Background(), "SELECT id FROM db.nothing_here"); err == nil {
		t.Fatal("a table that does not exist described")
	}
}

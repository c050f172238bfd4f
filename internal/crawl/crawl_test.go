package crawl

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2/ocf"
	"github.com/parquet-go/parquet-go"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/catalog/postgres"
	"github.com/tarnlake/tarn/internal/catalog/postgres/pgtest"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
)

type env struct {
	t    *testing.T
	dir  string
	lake lake.Store
	cat  catalog.Store
	svc  *Service
}

func newEnv(t *testing.T) *env { return newEnvOn(t, "embedded") }

// newEnvOn makes a lake and a crawl service on the named catalog store:
// "embedded", or "postgres" (a schema of the test's own on the server of
// TARN_TEST_PG_DSN).
func newEnvOn(t *testing.T, store string) *env {
	t.Helper()
	dir := t.TempDir()
	lk, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	var cat catalog.Store
	if store == "postgres" {
		dsn, schema := pgtest.Schema(t)
		cat, err = postgres.OpenSchema(context.Background(), dsn, schema)
	} else {
		cat, err = embedded.Open(filepath.Join(dir, "catalog.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, lake: lk, cat: cat}
	e.svc = e.run(New(Options{Catalog: cat, Lake: lk}))
	t.Cleanup(func() { e.svc.Close(); cat.Close(); lk.Close() })
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

// crawl creates (once) and runs a crawler over s3://lake/prefix and waits
// for it to end.
func (e *env) crawl(c Crawler) Run {
	e.t.Helper()
	ctx := context.Background()
	if c.DatabaseName == "" {
		c.DatabaseName = "db"
	}
	if _, err := e.svc.GetCrawler(ctx, c.Name); errors.Is(err, catalog.ErrNotFound) {
		if err := e.svc.CreateCrawler(ctx, c); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.svc.StartCrawler(ctx, c.Name); err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		got, err := e.svc.GetCrawler(ctx, c.Name)
		if err != nil {
			e.t.Fatal(err)
		}
		if got.State == StateReady {
			runs, err := e.svc.ListCrawls(ctx, c.Name)
			if err != nil || len(runs) == 0 {
				e.t.Fatalf("runs: %v %v", runs, err)
			}
			if runs[0].State != RunCompleted {
				e.t.Fatalf("crawl %s: %s", runs[0].State, runs[0].ErrorMessage)
			}
			return runs[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatal("crawl did not end")
	return Run{}
}

func (e *env) table(name string) catalog.Table {
	e.t.Helper()
	t, err := e.cat.GetTable(context.Background(), "db", name)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) partitions(name string) []string {
	e.t.Helper()
	ps, err := e.cat.GetPartitions(context.Background(), "db", name)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, strings.Join(p.Values, "/")+"@"+p.Storage.Location)
	}
	return out
}

func columns(t catalog.Table) string {
	var b []string
	for _, c := range t.Storage.Columns {
		b = append(b, c.Name+":"+c.Type)
	}
	return strings.Join(b, ",")
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

type pqRow struct {
	ID    int64   `parquet:"id"`
	Name  string  `parquet:"name"`
	Score float64 `parquet:"score"`
}

func parquetFile(t *testing.T, rows int) []byte {
	var b bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&b)
	for i := range rows {
		w.Write([]pqRow{{ID: int64(i), Name: "n", Score: 1.5}})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func avroFile(t *testing.T) []byte {
	var b bytes.Buffer
	enc, err := ocf.NewEncoder(`{"type":"record","name":"E","fields":[{"name":"id","type":"long"},{"name":"tag","type":["null","string"]}]}`, &b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := enc.Encode(map[string]any{"id": int64(i), "tag": map[string]any{"string": "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Both catalog stores get the same tables from the same lake.
func TestCrawlMixedLake(t *testing.T) {
	for _, store := range []string{"embedded", "postgres"} {
		t.Run(store, func(t *testing.T) { crawlMixedLake(t, newEnvOn(t, store)) })
	}
}

func crawlMixedLake(t *testing.T, e *env) {
	e.put("events/year=2026/month=01/a.json.gz", gz(`{"id":1,"user":"a"}`+"\n"+`{"id":2,"user":"b"}`+"\n"))
	e.put("events/year=2026/month=02/b.json.gz", gz(`{"id":3,"user":"c","score":1.5}`+"\n"))
	e.put("sales/2026/01/x.csv", []byte("sku,qty,price\na,1,2.5\nb,2,3.5\n"))
	e.put("sales/2026/02/y.csv", []byte("sku,qty,price\nc,3,4.5\nd,4,5.5\n"))
	e.put("plain/rows.csv", []byte("1,x,2020-01-01\n2,y,2020-01-02\n3,z,2020-01-03\n"))
	e.put("pq/a.parquet", parquetFile(t, 10))
	e.put("pq/b.parquet", parquetFile(t, 5))
	e.put("av/a.avro", avroFile(t))
	e.put("events/_SUCCESS", nil)
	good := parquetFile(t, 3)
	bad := map[string][]byte{
		"junk/corrupt.parquet":   append(bytes.Clone(good[:len(good)-8]), 0xff, 0xff, 0xff, 0x7f, 'P', 'A', 'R', '1'),
		"junk/truncated.json.gz": gz(strings.Repeat(`{"a":1}`+"\n", 1000))[:40],
		"junk/ragged.csv":        []byte("a,b,c\n1,2,3\n4,5\n6,7,8,9\n"),
		"junk/binary.bin":        {0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8},
		"junk/empty.json":        {},
	}
	for k, v := range bad {
		e.put(k, v)
	}
	// A 10 GiB sparse object, made beside the lake's own files.
	e.put("junk/huge.log", []byte("x"))
	huge := filepath.Join(e.dir, "lake", "lake", "junk", "huge.log")
	if err := os.Truncate(huge, 10<<30); err != nil {
		t.Fatal(err)
	}

	run := e.crawl(Crawler{Name: "all", Targets: []S3Target{{Path: "s3://lake/"}}})
	tables, err := e.cat.ListTables(context.Background(), "db", "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Name)
	}
	if got := strings.Join(names, " "); got != "av events plain pq sales" {
		t.Fatalf("tables %q; run %+v", got, run.Summary)
	}
	ev := e.table("events")
	if got := columns(ev); got != "id:bigint,user:string,score:double" || ev.Parameters["classification"] != "json" || ev.Parameters["compressionType"] != "gzip" ||
		ev.PartitionKeys[0].Name != "year" || ev.PartitionKeys[1].Name != "month" || ev.Storage.Location != "s3://lake/events/" {
		t.Fatalf("events: %s %+v", got, ev)
	}
	if got := strings.Join(e.partitions("events"), " "); got != "2026/01@s3://lake/events/year=2026/month=01/ 2026/02@s3://lake/events/year=2026/month=02/" {
		t.Fatalf("events partitions: %s", got)
	}
	sales := e.table("sales")
	if got := columns(sales); got != "sku:string,qty:bigint,price:double" || sales.PartitionKeys[0].Name != "partition_0" ||
		sales.Parameters["skip.header.line.count"] != "1" || sales.Storage.SerDe.Parameters["field.delim"] != "," {
		t.Fatalf("sales: %s %+v", got, sales)
	}
	if got := len(e.partitions("sales")); got != 2 {
		t.Fatalf("sales partitions: %d", got)
	}
	if got := columns(e.table("plain")); got != "col0:bigint,col1:string,col2:string" {
		t.Fatalf("plain: %s", got)
	}
	// Classification and confidence are recorded on each table.
	for name, want := range map[string]string{"pq": "1", "events": "1", "sales": "0.9", "plain": "0.9"} {
		if got := e.table(name).Parameters["classificationConfidence"]; got != want {
			t.Errorf("%s: confidence %q, want %s", name, got, want)
		}
	}
	pq := e.table("pq")
	if got := columns(pq); got != "id:bigint,name:string,score:double" || pq.Parameters["recordCount"] != "15" || pq.Parameters["objectCount"] != "2" {
		t.Fatalf("pq: %s %v", got, pq.Parameters)
	}
	if got := columns(e.table("av")); got != "id:bigint,tag:string" {
		t.Fatalf("avro: %s", got)
	}
	skipped := map[string]string{}
	for _, s := range run.Summary.Skipped {
		skipped[strings.TrimPrefix(s.Path, "s3://lake/")] = s.Reason
	}
	for k := range bad {
		if skipped[k] == "" {
			t.Errorf("%s not reported as skipped: %v", k, skipped)
		}
	}
	if skipped["junk/huge.log"] == "" {
		t.Errorf("the sparse file was not skipped")
	}
	if run.Summary.BytesRead > 20<<20 {
		t.Errorf("read %d bytes to crawl a lake of 10 GiB", run.Summary.BytesRead)
	}
	t.Logf("summary: %+v", run.Summary)
}

// run runs svc (schedules, event mode) until the test ends.
func (e *env) run(svc *Service) *Service {
	done := make(chan struct{})
	go func() { svc.Run(context.Background()); close(done) }()
	e.t.Cleanup(func() { svc.Close(); <-done })
	return svc
}

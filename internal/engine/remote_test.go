package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/catalog/embedded"
	"github.com/tarnlake/tarn/internal/crawl"
	"github.com/tarnlake/tarn/internal/lake/localfs"
	"github.com/tarnlake/tarn/internal/lake/mirror"
	"github.com/tarnlake/tarn/internal/query"
)

// remoteEnv is an engine over a lake it reads through a mirror, as on a
// remote S3 store: a localfs store in another folder plays the remote.
type remoteEnv struct {
	*env
	mirror   *mirror.Mirror
	mu       sync.Mutex
	prepared []string // bucket/prefix of each Prepare call
	fail     error    // when set, Prepare fails with it
}

func newRemoteEnv(t *testing.T, maxBytes int64) *remoteEnv {
	dir := t.TempDir()
	remote, err := localfs.Open(filepath.Join(dir, "remote"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := embedded.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	mir, err := mirror.New(remote, mirror.Options{Dir: filepath.Join(dir, "cache"), MaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	r := &remoteEnv{mirror: mir}
	prepare := func(ctx context.Context, bucket, prefix string) error {
		r.mu.Lock()
		r.prepared = append(r.prepared, bucket+"/"+prefix)
		fail := r.fail
		r.mu.Unlock()
		if fail != nil {
			return fail
		}
		return mir.Sync(ctx, bucket, prefix)
	}
	eng, err := Open(Options{Catalog: cat, Lake: remote, Files: mir, LakeDir: filepath.Join(dir, "cache"), Prepare: prepare, SyncEvery: time.Nanosecond,
		Threads: 2, Log: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r.env = &env{t: t, lake: remote, cat: cat, crw: crawl.New(crawl.Options{Catalog: cat, Lake: remote}), eng: eng}
	t.Cleanup(func() { r.crw.Close(); eng.Close(); cat.Close(); remote.Close() })
	if err := remote.CreateBucket(context.Background(), "lake"); err != nil {
		t.Fatal(err)
	}
	return r
}

// calls returns and forgets the Prepare calls so far, sorted.
func (r *remoteEnv) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.prepared
	r.prepared = nil
	slices.Sort(out)
	return out
}

func TestRemoteLakeViews(t *testing.T) {
	r := newRemoteEnv(t, 0)
	ctx := context.Background()
	s, err := r.eng.Session(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r.put("duck/year=2025/a.parquet", r.duckParquet(s, 0, 50))
	r.put("duck/year=2026/b.parquet", r.duckParquet(s, 50, 150))
	r.put("sales/2026/01/s.csv", []byte("sku,qty\na,1\nb,2\n"))
	r.put("sales/2026/02/s.csv", []byte("sku,qty\nc,3\n"))
	r.crawl()
	r.calls()

	// Before any read the tables are listed, with their columns, and
	// nothing is fetched.
	if got := r.rows(s, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'db' ORDER BY 1"); fmt.Sprint(got) != "[[duck] [sales]]" {
		t.Fatalf("tables: %v", got)
	}
	n, cols, err := s.Describe(ctx, "SELECT id, year FROM db.duck WHERE id = $1")
	if err != nil || n != 1 || fmt.Sprint(cols) != "[{id BIGINT} {year VARCHAR}]" {
		t.Fatalf("describe: %d %v %v", n, cols, err)
	}
	if got := r.calls(); len(got) != 0 {
		t.Fatalf("describing a table not read yet prepared %v", got)
	}

	if got := r.rows(s, "SELECT count(*), sum(id), min(year) FROM db.duck WHERE year = '2026'"); fmt.Sprint(got) != "[[100 9950 2026]]" {
		t.Fatalf("duck: %v", got)
	}
	if got := r.rows(s, "SELECT partition_0, partition_1, sum(qty) FROM \"db\".\"sales\" GROUP BY ALL ORDER BY ALL"); fmt.Sprint(got) != "[[2026 01 3] [2026 02 3]]" {
		t.Fatalf("sales: %v", got)
	}
	// year = '2026' keeps one partition: only its files are fetched.
	if got := r.calls(); fmt.Sprint(got) != "[lake/duck/year=2026/ lake/sales/]" {
		t.Fatalf("prepared %v", got)
	}
	if got := r.rows(s, "SELECT 1 AS year"); fmt.Sprint(got) != "[[1]]" || len(r.calls()) != 0 {
		t.Fatal("a statement that names no table prepared one")
	}

	t.Run("follows the lake", func(t *testing.T) {
		r.put("sales/2026/01/s.csv", []byte("sku,qty\na,10\n"))
		if err := r.lake.Delete(ctx, "lake", "sales/2026/02/s.csv"); err != nil {
			t.Fatal(err)
		}
		r.put("duck/year=2027/c.parquet", r.duckParquet(s, 150, 160))
		if got := r.rows(s, "SELECT sum(qty), count(*) FROM db.sales"); fmt.Sprint(got) != "[[10 1]]" {
			t.Fatalf("sales after change: %v", got)
		}
		if got := r.rows(s, "SELECT count(*) FROM db.duck"); fmt.Sprint(got) != "[[160]]" {
			t.Fatalf("duck after a new file: %v", got)
		}
	})
	t.Run("writes", func(t *testing.T) {
		r.rows(s, `CREATE TABLE db.agg WITH (external_location = 's3://lake/agg/', partitioned_by = ARRAY['year'])
			AS SELECT id, name, year FROM db.duck WHERE id < 10 OR id >= 155`)
		r.rows(s, "INSERT INTO db.agg SELECT 999 AS id, 'new' AS name, '2030' AS year")
		if got := r.rows(s, "SELECT year, count(*) FROM db.agg GROUP BY ALL ORDER BY ALL"); fmt.Sprint(got) != "[[2025 10] [2027 5] [2030 1]]" {
			t.Fatalf("agg: %v", got)
		}
	})
	t.Run("prepare fails", func(t *testing.T) {
		r.mu.Lock()
		r.fail = errors.New("remote down")
		r.mu.Unlock()
		defer func() { r.mu.Lock(); r.fail = nil; r.mu.Unlock() }()
		_, err := s.Query(ctx, "SELECT count(*) FROM db.duck")
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Code != "58030" || !strings.Contains(qe.Message, "s3://lake/duck/: remote down") {
			t.Fatalf("got %v", err)
		}
		if got := r.rows(s, "SELECT 2"); fmt.Sprint(got) != "[[2]]" {
			t.Fatalf("other statements: %v", got)
		}
	})
	t.Run("no files yet", func(t *testing.T) {
		r.put("empty/x.csv", []byte("k,v\nx,2\n"))
		r.crawl2("c2", "s3://lake/empty/")
		if err := r.lake.Delete(ctx, "lake", "empty/x.csv"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Query(ctx, "SELECT * FROM db.empty"); err == nil {
			t.Fatal("a table without files answered")
		}
		r.put("empty/x.csv", []byte("k,v\ny,4\n"))
		if got := r.rows(s, "SELECT * FROM db.empty"); fmt.Sprint(got) != "[[y 4]]" {
			t.Fatalf("once files came: %v", got)
		}
	})
}

// With a cache too small for anything, each statement fetches its files
// again and keeps them while it runs; Describe brings back what was evicted.
// A statement on one partitioned table with partition filters at the top
// of its WHERE fetches only those partitions; anything else fetches all.
func TestRemoteLakePruning(t *testing.T) {
	r := newRemoteEnv(t, 0)
	ctx := context.Background()
	s := r.session()
	r.put("misc/m.json", []byte(`{"a":1}`)) // a second folder: tables are named by folder
	r.put("sales/2025/12/s.csv", []byte("sku,qty\nz,100\n"))
	r.put("sales/2026/01/s.csv", []byte("sku,qty\na,1\nb,2\n"))
	r.put("sales/2026/02/s.csv", []byte("sku,qty\nc,3\n"))
	r.crawl()
	r.calls()
	for _, c := range []struct{ sql, rows, prepared string }{
		{"SELECT sum(qty) FROM db.sales WHERE partition_0 = '2026' AND partition_1 IN ('01', '03')", "[[3]]", "[lake/sales/2026/01/]"},
		{"SELECT sum(qty) FROM db.sales s WHERE s.partition_0 = '2026' AND qty > 0", "[[6]]", "[lake/sales/2026/]"},
		{"SELECT sum(qty) FROM db.sales WHERE '2025' = partition_0", "[[100]]", "[lake/sales/2025/]"},
		{"SELECT sum(qty) FROM db.sales WHERE partition_0 = '2026' OR qty > 50", "[[106]]", "[lake/sales/]"},
		{"WITH x AS (SELECT * FROM db.sales) SELECT sum(qty) FROM x WHERE partition_0 = '2026'", "[[6]]", "[lake/sales/]"},
		{"SELECT sum(qty) FROM db.sales WHERE partition_0 = '1999'", "[[<nil>]]", "[]"},
	} {
		if got := r.rows(s, c.sql); fmt.Sprint(got) != c.rows {
			t.Errorf("%s: %v, want %s", c.sql, got, c.rows)
		}
		if got := fmt.Sprint(r.calls()); got != c.prepared {
			t.Errorf("%s prepared %s, want %s", c.sql, got, c.prepared)
		}
	}
	// A partition gone from the lake is gone from the answer, though only
	// its local copy named it.
	if err := r.lake.Delete(ctx, "lake", "sales/2026/02/s.csv"); err != nil {
		t.Fatal(err)
	}
	if got := r.rows(s, "SELECT count(*) FROM db.sales WHERE partition_0 = '2026' AND partition_1 = '02'"); fmt.Sprint(got) != "[[0]]" {
		t.Errorf("deleted partition: %v", got)
	}
}

func TestRemoteLakeTinyCache(t *testing.T) {
	r := newRemoteEnv(t, 1)
	ctx := context.Background()
	s, err := r.eng.Session(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r.put("duck/year=2025/a.parquet", r.duckParquet(s, 0, 50))
	r.put("duck/year=2026/b.parquet", r.duckParquet(s, 50, 150))
	r.crawl2("c", "s3://lake/duck/")
	for range 2 {
		if got := r.rows(s, "SELECT count(*), sum(id) FROM db.duck"); fmt.Sprint(got) != "[[150 11175]]" {
			t.Fatalf("duck: %v", got)
		}
		for deadline := time.Now().Add(5 * time.Second); r.mirror.Bytes() != 0; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d bytes still cached after the statement", r.mirror.Bytes())
			}
		}
	}
	r.calls()
	n, cols, err := s.Describe(ctx, "SELECT id, year FROM db.duck WHERE id = $1")
	if err != nil || n != 1 || fmt.Sprint(cols) != "[{id BIGINT} {year VARCHAR}]" {
		t.Fatalf("describe after eviction: %d %v %v", n, cols, err)
	}
	if got := r.calls(); fmt.Sprint(got) != "[lake/duck/]" {
		t.Fatalf("prepared %v", got)
	}
}

// crawl2 runs another crawler over one path into db.
func (e *env) crawl2(name, path string) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.crw.CreateCrawler(ctx, crawl.Crawler{Name: name, DatabaseName: "db", Targets: []crawl.S3Target{{Path: path}}}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.crw.StartCrawler(ctx, name); err != nil {
		e.t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, _ := e.crw.GetCrawler(ctx, name); c.State == crawl.StateReady {
			if c.LastCrawl.Status != crawl.LastSucceeded {
				e.t.Fatalf("crawl: %+v", c.LastCrawl)
			}
			return
		}
	}
	e.t.Fatal("crawl did not end")
}

func TestIdentifiers(t *testing.T) {
	for _, c := range []struct {
		text string
		want string // sorted; "!" when not analysable
	}{
		{"SELECT * FROM db.t", "[db from select t]"},
		{`select "Odd ""Name""".x from "DB"."t$v1"`, `[db from odd "name" select t$v1 x]`},
		{"SELECT 'db.t', $1, $$ from x $$ FROM y -- z\n", "[from select y]"},
		{"SELECT E'it\\'s t' FROM u /* v */", "[from select u]"},
		{"SELECT $tag$ a $ b $tag$ FROM w", "[from select w]"},
		{"SELECT 'open", "!"},
		{`SELECT "open`, "!"},
		{"SELECT 1 /* open", "!"},
		{"ELSE'x' FROM ü", "[else from ü]"},
	} {
		ids, ok := identifiers(c.text)
		got := "!"
		if ok {
			var names []string
			for n := range ids {
				names = append(names, n)
			}
			slices.Sort(names)
			got = fmt.Sprint(names)
		}
		if got != c.want {
			t.Errorf("identifiers(%q) = %s, want %s", c.text, got, c.want)
		}
	}
}

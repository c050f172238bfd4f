package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/crawl"
	"github.com/tarnlake/tarn/internal/query"
)

// drain runs a statement to its end and returns its error.
func drain(s query.Session, ctx context.Context, text string) error {
	res, err := s.Query(ctx, text)
	if err != nil {
		return err
	}
	defer res.Rows.Close()
	for res.Rows.Next() {
	}
	return res.Rows.Err()
}

func TestLimits(t *testing.T) {
	ctx := context.Background()
	eng, err := Open(Options{MemoryLimit: "64MB", Threads: 1, QueryTimeout: 2 * time.Second, MaxConcurrent: 1}) // long enough to run out of memory first on a loaded machine
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s1, _ := eng.Session(ctx, "a")
	defer s1.Close()
	s2, _ := eng.Session(ctx, "b")
	defer s2.Close()

	var qe *query.Error
	err = drain(s1, ctx, "SELECT string_agg(range::VARCHAR || repeat('x', 100), ',') FROM range(5000000)")
	if !errors.As(err, &qe) || qe.Code != query.CodeOutOfMemory {
		t.Fatalf("over the memory limit: %v", err)
	}
	start := time.Now()
	err = drain(s1, ctx, "SELECT count(*) FROM range(100000000000)")
	if !errors.As(err, &qe) || qe.Code != query.CodeQueryCanceled || time.Since(start) > 10*time.Second {
		t.Fatalf("over the time limit: %v after %v", err, time.Since(start))
	}
	// One slot: a second statement waits while the first's rows are open,
	// and gives up when its own context ends.
	res, err := s1.Query(ctx, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := drain(s2, wctx, "SELECT 2"); !errors.As(err, &qe) || qe.Code != query.CodeQueryCanceled {
		t.Fatalf("waiting for a slot: %v", err)
	}
	res.Rows.Close()
	if err := drain(s2, ctx, "SELECT 2"); err != nil {
		t.Fatalf("after the slot was freed: %v", err)
	}
}

// With a memory limit per statement, each session has a DuckDB of its own:
// a statement over the limit fails alone, and the sessions still see every
// catalog table, also those made after they opened.
func TestStatementMemoryLimit(t *testing.T) {
	e := newEnvWith(t, func(o *Options) { o.StatementMemoryLimit = "256MB" })
	e.put("sales/s.csv", []byte("sku,qty\na,1\nb,2\n"))
	e.put("misc/m.json", []byte(`{"a":1}`))
	e.crawl()
	ctx := context.Background()
	s1, s2 := e.session(), e.session()

	var qe *query.Error
	big := "SELECT string_agg(range::VARCHAR || repeat('x', 100), ',') FROM range(5000000)"
	if err := drain(s1, ctx, big); !errors.As(err, &qe) || qe.Code != query.CodeOutOfMemory {
		t.Fatalf("over the statement's memory limit: %v", err)
	}
	// Another session goes on; the failed one too.
	if got := e.rows(s2, "SELECT length(string_agg(range::VARCHAR, ',')) > 0 FROM range(100000)"); len(got) != 1 {
		t.Fatalf("a small statement in another session: %v", got)
	}
	if got := e.rows(s1, "SELECT sum(qty) FROM db.sales"); len(got) != 1 || got[0][0] != "3" {
		t.Fatalf("a catalog table in a session's own DuckDB: %v", got)
	}
	// A table crawled after the sessions opened.
	e.put("more/x.csv", []byte("k,v\nz,9\n"))
	if err := e.crw.StartCrawler(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if c, _ := e.crw.GetCrawler(ctx, "c"); c.State == crawl.StateReady && c.LastCrawl.Status == crawl.LastSucceeded {
			if _, err := e.cat.GetTable(ctx, "db", "more"); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("second crawl did not end")
		}
	}
	if got := e.rows(s2, "SELECT v FROM db.more"); len(got) != 1 || got[0][0] != "9" {
		t.Fatalf("a table made after the session opened: %v", got)
	}
	if got := e.rows(s2, `SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'more'`); got[0][0] != "1" {
		t.Fatalf("pg_catalog in a session's own DuckDB: %v", got)
	}
}

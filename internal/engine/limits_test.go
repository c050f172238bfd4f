package engine

import (
	"context"
	"errors"
	"testing"
	"time"

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
	eng, err := Open(Options{MemoryLimit: "64MB", Threads: 1, QueryTimeout: 300 * time.Millisecond, MaxConcurrent: 1})
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

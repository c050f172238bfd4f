package duckdb

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// Connections opened after the first work as it does.
func TestConnections(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Exec(t.Context(), "CREATE TABLE t (id bigint)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			rows, err := s.Query(t.Context(), "SELECT count(*) FROM t")
			if err != nil {
				t.Error(err)
				return
			}
			for rows.Next() {
			}
			rows.Close()
		})
	}
	wg.Wait()
}

// A load's view of its rows is gone when the load ends, failed or not: its
// stream is released, and a statement reading it would read freed memory.
// (The view is made in the load's transaction and dropped in it.)
func TestLoadLeavesNoView(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.SetMaxOpenConns(1) // every statement on the connection the loads used
	if _, err := s.Exec(t.Context(), "CREATE TABLE t (id bigint)"); err != nil {
		t.Fatal(err)
	}
	target := warehouse.Target{Schema: "public", Table: "t", Columns: []string{"id"}}
	good := func(yield func([]any, error) bool) { yield([]any{int64(1)}, nil) }
	bad := func(yield func([]any, error) bool) {
		for i := range 20000 { // past one batch: the INSERT has begun
			if !yield([]any{int64(i)}, nil) {
				return
			}
		}
		yield(nil, errors.New("the file ends badly"))
	}
	if _, err := warehouse.LoadRows(t.Context(), s, target, good); err != nil {
		t.Fatal(err)
	}
	if _, err := warehouse.LoadRows(t.Context(), s, target, bad); err == nil {
		t.Fatal("a failing load succeeded")
	}
	rows, err := s.Query(t.Context(), "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'tarn_load%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Next()
	v, err := rows.Values()
	if err != nil || v[0] != int64(0) {
		t.Fatalf("temporary views left: %v %v", v, err)
	}
}

package duckdb

import (
	"path/filepath"
	"sync"
	"testing"
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

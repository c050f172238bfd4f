package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// The warehouse's DuckDB reaches files only in its spool folder, and no
// statement changes that. (Users' statements never name a file: tarn's
// guard lets through none that could.)
func TestOnlySpooled(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Exec(ctx, "CREATE TABLE t (a bigint, b varchar)"); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(dir, "x.parquet")
	if err := os.WriteFile(outside, []byte("PAR1"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"INSERT INTO t SELECT * FROM read_parquet('" + outside + "')",
		"INSERT INTO t SELECT * FROM read_parquet('" + s.spool + "/../x.parquet')",
		"INSERT INTO t SELECT 1, content FROM read_text('/etc/hostname')",
		"SET enable_external_access = true", "SET allowed_directories = ['/']", "SET lock_configuration = false",
		"COPY t TO '" + filepath.Join(dir, "out.parquet") + "'"} {
		if _, err := s.Exec(ctx, q); err == nil {
			t.Errorf("%s: ran", q)
		}
	}
	target := warehouse.Target{Schema: "public", Table: "t", Columns: []string{"a", "b"}}
	one := func(path string) func(func(string, error) bool) {
		return func(yield func(string, error) bool) { yield(path, nil) }
	}
	if _, err := s.LoadParquet(ctx, target, one(outside)); err == nil || !strings.Contains(err.Error(), "not a spooled file") {
		t.Fatalf("a file outside the spool folder: %v", err)
	}
	// A spooled file is read, in the load's transaction: a bad one leaves
	// the table as it was.
	f, err := s.Spool()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := s.LoadParquet(ctx, target, one(f.Name())); err == nil {
		t.Fatal("an empty file loaded")
	}
	if n, err := s.Exec(ctx, "DELETE FROM t"); err != nil || n != 0 {
		t.Fatalf("a failed load left %d rows (%v)", n, err)
	}
}

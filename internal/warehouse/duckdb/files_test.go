package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// writeParquet writes rows of (a bigint, b varchar) as a Parquet file with
// a DuckDB of its own.
func writeParquet(t *testing.T, path, sel string) {
	t.Helper()
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.Exec("COPY (" + sel + ") TO '" + path + "' (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
}

// The warehouse's DuckDB reaches files only in its spool folder, and no
// statement changes that. (Users' statements never name a file: tarn's
// guard lets through none that could.)
func TestOnlySpooled(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, p := range []string{"", ":memory:", ":memory:x"} {
		if s, err := Open(p); err == nil {
			s.Close()
			t.Errorf("Open(%q) made a warehouse with a spool folder in the working directory", p)
		}
	}
	s, err := Open(filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Exec(ctx, "CREATE TABLE t (a bigint, b varchar)"); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(dir, "x.parquet")
	writeParquet(t, outside, "SELECT 1::BIGINT AS a, 'secret' AS b")
	text := filepath.Join(dir, "x.txt")
	if err := os.WriteFile(text, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"INSERT INTO t SELECT * FROM read_parquet('" + outside + "')",
		"INSERT INTO t SELECT * FROM read_parquet('" + string(s.spool) + "/../x.parquet')",
		"INSERT INTO t SELECT 1, content FROM read_text('" + text + "')",
		"INSERT INTO t SELECT 1, file FROM glob('" + dir + "/*')",
		"SET enable_external_access = true", "SET allowed_directories = ['/']", "SET lock_configuration = false", "SET TimeZone = 'Europe/Paris'",
		"COPY t TO '" + filepath.Join(dir, "out.parquet") + "'"} {
		_, err := s.Exec(ctx, q)
		if err == nil {
			t.Errorf("%s: ran", q)
		} else if !strings.Contains(err.Error(), "Permission Error") && !strings.Contains(err.Error(), "configuration has been locked") {
			t.Errorf("%s: %v", q, err)
		}
	}
	if got := rows(t, s, "SELECT current_setting('TimeZone')"); got != "UTC" {
		t.Errorf("time zone %s", got)
	}
	target := warehouse.Target{Schema: "public", Table: "t", Columns: []string{"a", "b"}, Once: "s3://b/k 1"}
	cols, err := warehouse.TargetColumns(ctx, s, target)
	if err != nil {
		t.Fatal(err)
	}
	files := func(paths ...string) func(func(string, error) bool) {
		return func(yield func(string, error) bool) {
			for _, p := range paths {
				if !yield(p, nil) {
					return
				}
			}
		}
	}
	if _, err := s.LoadParquet(ctx, target, cols, files(outside)); err == nil || !strings.Contains(err.Error(), "not a spooled file") {
		t.Fatalf("a file outside the spool folder: %v", err)
	}
	spooled := func(sel string) string {
		f, err := s.Spool()
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if sel != "" {
			os.Remove(f.Name())
			writeParquet(t, f.Name(), sel)
		}
		return f.Name()
	}
	good, empty := spooled("SELECT range AS a, 'row ' || range AS b FROM range(1000)"), spooled("")
	if _, err := s.LoadParquet(ctx, target, cols, files(filepath.Join(string(s.spool), "*"))); err == nil {
		t.Fatal("a pattern loaded")
	}
	// A bad file after a good one: the load is one transaction, its ledger
	// entry with it.
	if _, err := s.LoadParquet(ctx, target, cols, files(good, empty)); err == nil {
		t.Fatal("an empty file loaded")
	}
	if got := rows(t, s, "SELECT count(*) FROM t"); got != "0" {
		t.Fatalf("a failed load left %s rows", got)
	}
	if _, err := s.LoadParquet(ctx, target, cols[:1], files(good)); err == nil {
		t.Fatal("a load checked against other columns ran")
	}
	if n, err := s.LoadParquet(ctx, target, cols, files(good)); err != nil || n != 1000 {
		t.Fatalf("the good file: %d, %v", n, err)
	}
	if _, err := s.LoadParquet(ctx, target, cols, files(good)); !errors.Is(err, warehouse.ErrLoaded) {
		t.Fatalf("loaded twice: %v", err)
	}
}

func rows(t *testing.T, s *Store, q string) string {
	t.Helper()
	var v string
	if err := s.db.QueryRow(q).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

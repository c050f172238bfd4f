//go:build duckdb_arrow

package pqscan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	bindings "github.com/duckdb/duckdb-go-bindings"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// The scanner reads only what was spooled into its folder: a file
// elsewhere is refused by it, and by its DuckDB.
func TestOnlySpooled(t *testing.T) {
	s := New()
	defer s.Close()
	cols := []warehouse.Column{{Name: "a", Type: format.Type{Kind: format.KindBigint}}}
	outside := filepath.Join(t.TempDir(), "x.parquet")
	if err := os.WriteFile(outside, []byte("PAR1"), 0o600); err != nil {
		t.Fatal(err)
	}
	emit := func(r arrow.RecordBatch) error { r.Release(); return nil }
	if _, err := s.Scan(context.Background(), outside, cols, emit); err == nil {
		t.Fatal("a file outside the spool folder was read")
	}
	f, err := s.Spool()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	defer os.Remove(f.Name())
	// Its DuckDB itself reads nothing outside the folder, and its settings
	// stay as they are.
	for _, q := range []string{"SELECT * FROM read_text('" + outside + "')", "SELECT * FROM read_text('" + string(s.dir) + "/../" + filepath.Base(filepath.Dir(outside)) + "/x.parquet')",
		"SET enable_external_access = true", "SET allowed_directories = ['/']"} {
		err := s.run(func(conn bindings.Connection) error {
			var res bindings.Result
			defer bindings.DestroyResult(&res)
			if bindings.Query(conn, q, &res) != bindings.StateSuccess {
				return errors.New(bindings.ResultError(&res))
			}
			return nil
		})
		if err == nil {
			t.Errorf("%s: ran", q)
		}
	}
}

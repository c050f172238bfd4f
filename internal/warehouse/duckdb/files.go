package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// COPY from Parquet reads the files with DuckDB's own reader, in the
// warehouse's transaction: handing the rows over from another reader
// costs a third of the time again. The database may read files only in
// its spool folder (allowed_directories, locked at open); the statements
// users send it pass tarn's guard, which lets no function read a file.

var _ warehouse.FileLoader = (*Store)(nil)

// Spool makes a file in the spool folder.
func (s *Store) Spool() (*os.File, error) {
	// A cleaner of temporary folders may have taken an idle one.
	if err := os.MkdirAll(s.spool, 0o700); err != nil {
		return nil, err
	}
	return os.CreateTemp(s.spool, "copy-*.parquet")
}

// LoadParquet inserts each spooled file's columns, by position, into t.
func (s *Store) LoadParquet(ctx context.Context, t warehouse.Target, checked []warehouse.Column, files iter.Seq2[string, error]) (int64, error) {
	return s.load(ctx, t, func(conn *sql.Conn, cols []warehouse.Column) (int64, error) {
		if !sameColumns(cols, checked) {
			return 0, fmt.Errorf("warehouse: the columns of %s.%s changed during the COPY", t.Schema, t.Table)
		}
		names := make([]string, len(cols))
		casts := make([]string, len(cols))
		as := make([]string, len(cols))
		for i, c := range cols {
			names[i] = sqltext.QuoteIdent(c.Name)
			as[i] = fmt.Sprintf("c%d", i)
			casts[i] = fmt.Sprintf("CAST(c%d AS %s)", i, c.SQL())
		}
		var total int64
		for path, err := range files {
			if err != nil {
				return 0, err
			}
			// One file of the folder, named as it is: no pattern that
			// could read other COPYs'.
			if filepath.Dir(path) != s.spool || strings.ContainsAny(path, "*?[{") {
				return 0, fmt.Errorf("warehouse: %s is not a spooled file", path)
			}
			res, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s) SELECT %s FROM read_parquet(%s, hive_partitioning = false) AS p(%s)",
				sqltext.QuoteIdent(t.Schema), sqltext.QuoteIdent(t.Table), strings.Join(names, ", "), strings.Join(casts, ", "),
				sqltext.QuoteString(path), strings.Join(as, ", ")))
			if err != nil {
				return 0, wrap(err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return 0, err
			}
			total += n
		}
		return total, nil
	})
}

// sameColumns says whether a and b are the same columns, as a load casts
// to them.
func sameColumns(a, b []warehouse.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].SQL() != b[i].SQL() {
			return false
		}
	}
	return true
}

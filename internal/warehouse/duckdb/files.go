package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"os"
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
func (s *Store) Spool() (*os.File, error) { return s.spool.File() }

// LoadParquet inserts each spooled file's columns, by position, into t.
func (s *Store) LoadParquet(ctx context.Context, t warehouse.Target, checked []warehouse.Column, files iter.Seq2[string, error]) (int64, error) {
	return s.load(ctx, t, func(conn *sql.Conn, cols []warehouse.Column) (int64, error) {
		if !sameColumns(cols, checked) {
			return 0, fmt.Errorf("warehouse: the columns of %s.%s changed during the COPY", t.Schema, t.Table)
		}
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = sqltext.QuoteIdent(c.Name)
		}
		var total int64
		for path, err := range files {
			if err != nil {
				return 0, err
			}
			sel, err := s.spool.Select(path, cols)
			if err != nil {
				return 0, fmt.Errorf("warehouse: %w", err)
			}
			res, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s) %s",
				sqltext.QuoteIdent(t.Schema), sqltext.QuoteIdent(t.Table), strings.Join(names, ", "), sel))
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

package engine

import (
	"context"
	"database/sql"
	"errors"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/query"
)

// Reference is plain DuckDB in this process, outside any sandbox: what
// benchmarks compare tarn against, and a writer of test data. It never
// runs a user's SQL.
type Reference struct {
	conn *duckdb.Connector
	db   *sql.DB
}

// OpenReference opens an in-memory DuckDB.
func OpenReference() (*Reference, error) {
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, err
	}
	return &Reference{conn: c, db: sql.OpenDB(c)}, nil
}

// Query runs text; the caller closes the rows.
func (r *Reference) Query(ctx context.Context, text string) (query.Rows, error) {
	rows, err := r.db.QueryContext(ctx, text)
	if err != nil {
		return nil, sqlError(ctx, err, text)
	}
	res, err := newRows(ctx, rows, text)
	if err != nil {
		rows.Close()
		return nil, err
	}
	return res, nil
}

func (r *Reference) Close() error { return errors.Join(r.db.Close(), r.conn.Close()) }

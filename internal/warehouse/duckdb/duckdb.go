// Package duckdb is the embedded warehouse: one DuckDB database file that
// only this store opens (DuckDB locks it to one process). Its schemas are
// the warehouse's; "public" is made at open and holds unqualified names,
// as in Redshift.
package duckdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/spool"
)

// Store is a warehouse in a DuckDB file.
type Store struct {
	conn  *duckdb.Connector
	db    *sql.DB
	loads atomic.Int64 // with nonce, names each load's view
	nonce string
	spool spool.Dir // the one folder DuckDB may read files in (files.go)
}

var _ warehouse.Store = (*Store)(nil)

// Open opens (or makes) the database file at path, and beside it the
// folder path+".spool" where COPY puts the Parquet files the database
// reads (emptied here: a file left by a crash is a copy of a lake
// object). Extensions are never fetched: the warehouse needs none.
func Open(path string) (*Store, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") {
		// Its spool folder would be one in the working directory.
		return nil, fmt.Errorf("warehouse: open %q: the embedded warehouse is a file: give its path", path)
	}
	dir, err := filepath.Abs(path + ".spool")
	if err != nil {
		return nil, fmt.Errorf("warehouse: open %s: %w", path, err)
	}
	// Unqualified names are in public, as in Redshift: a setting of each
	// connection.
	conn, err := duckdb.NewConnector(path, func(ex driver.ExecerContext) error {
		for _, q := range []string{"CREATE SCHEMA IF NOT EXISTS public", "SET schema = 'public'"} {
			if _, err := ex.ExecContext(context.Background(), q, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("warehouse: open %s: %w", path, err)
	}
	var nonce [6]byte
	rand.Read(nonce[:])
	s := &Store{conn: conn, db: sql.OpenDB(conn), nonce: hex.EncodeToString(nonce[:]), spool: spool.Dir(dir)}
	// The database's own settings, once: no statement reaches past the
	// file and the spool folder (no other files, no network, no
	// extensions fetched), and none changes that. Its clock is UTC's, as
	// Redshift's is (users cannot SET another zone). Rows need not keep
	// the order they were inserted in (Redshift keeps none; a SELECT
	// without ORDER BY has no order): loads insert on every thread, a
	// tenth faster for 10M rows of CSV.
	if err := s.setup(); err != nil {
		s.Close()
		return nil, fmt.Errorf("warehouse: open %s: %w", path, err)
	}
	// Emptied once the file is this process's (DuckDB locks it).
	if err := errors.Join(os.RemoveAll(dir), os.MkdirAll(dir, 0o700)); err != nil {
		s.Close()
		return nil, fmt.Errorf("warehouse: open %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) setup() error {
	c, err := s.db.Conn(context.Background())
	if err != nil {
		return err
	}
	defer c.Close()
	for _, q := range append([]string{"SET preserve_insertion_order = false"}, s.spool.Seal()...) {
		if _, err := c.ExecContext(context.Background(), q); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) Close() error {
	return errors.Join(s.db.Close(), s.conn.Close())
}

func (s *Store) Exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	res, err := s.db.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (s *Store) Tx(ctx context.Context, fn func(tx warehouse.Execer) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(err)
	}
	if err := fn(sqlTx{tx}); err != nil {
		tx.Rollback()
		return err
	}
	return wrap(tx.Commit())
}

type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (s *Store) Query(ctx context.Context, stmt string, args ...any) (warehouse.Rows, error) {
	rows, err := s.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, wrap(err)
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return nil, err
	}
	r := &result{rows: rows, vals: make([]any, len(types)), ptrs: make([]any, len(types))}
	for i, t := range types {
		c, err := warehouse.ParseType(t.DatabaseTypeName())
		if err != nil {
			c, _ = warehouse.ParseType("varchar") // LIST, STRUCT…: shown as text
			r.text = append(r.text, i)
		}
		c.Name = t.Name()
		r.cols = append(r.cols, c)
		r.ptrs[i] = &r.vals[i]
	}
	return r, nil
}

func (s *Store) Tables(ctx context.Context, schema string) ([]warehouse.Table, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
		WHERE database_name = current_database() AND NOT internal AND schema_name NOT IN ('main', '`+warehouse.System+`') AND (? = '' OR schema_name = ?)
		ORDER BY schema_name, table_name, column_index`, schema, schema)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []warehouse.Table
	for rows.Next() {
		var sch, tb, col, typ string
		if err := rows.Scan(&sch, &tb, &col, &typ); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].Schema != sch || out[n-1].Name != tb {
			out = append(out, warehouse.Table{Schema: sch, Name: tb})
		}
		c, err := warehouse.ParseType(typ)
		if err != nil {
			return nil, fmt.Errorf("warehouse table %s.%s column %s: %w", sch, tb, col, err)
		}
		c.Name = col
		t := &out[len(out)-1]
		t.Columns = append(t.Columns, c)
	}
	return out, rows.Err()
}

// Load inserts Arrow batches (arrow.go) inside one transaction, with its
// ledger entry.
func (s *Store) Load(ctx context.Context, t warehouse.Target, batches iter.Seq2[arrow.RecordBatch, error]) (int64, error) {
	return s.load(ctx, t, func(conn *sql.Conn, cols []warehouse.Column) (int64, error) {
		return s.insertBatches(ctx, conn, t.Schema, t.Table, cols, batches)
	})
}

// load runs insert, which adds rows to t on conn, in a transaction with
// t's ledger entry.
func (s *Store) load(ctx context.Context, t warehouse.Target, insert func(conn *sql.Conn, cols []warehouse.Column) (int64, error)) (int64, error) {
	want, err := warehouse.TargetColumns(ctx, s, t)
	if err != nil {
		return 0, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if t.Once != "" {
		if _, err := conn.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+warehouse.System+`;
			CREATE TABLE IF NOT EXISTS `+warehouse.System+`.loads (once VARCHAR PRIMARY KEY, schema_name VARCHAR, table_name VARCHAR, loaded TIMESTAMPTZ)`); err != nil {
			return 0, err
		}
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, err
	}
	var n int64
	err = s.ledger(ctx, conn, t)
	if err == nil {
		n, err = insert(conn, want)
	}
	if err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return 0, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		// Not committed (a cancelled context skips it): the transaction
		// must not stay open on a pooled connection.
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		return 0, err
	}
	return n, nil
}

// ledger records t.Once in the load's transaction, or fails with
// ErrLoaded if it was loaded before.
func (s *Store) ledger(ctx context.Context, conn *sql.Conn, t warehouse.Target) error {
	if t.Once == "" {
		return nil
	}
	var done bool
	if err := conn.QueryRowContext(ctx, `SELECT count(*) > 0 FROM `+warehouse.System+`.loads WHERE once = ?`, t.Once).Scan(&done); err != nil {
		return err
	}
	if done {
		return fmt.Errorf("%w: %s", warehouse.ErrLoaded, t.Once)
	}
	_, err := conn.ExecContext(ctx, `INSERT INTO `+warehouse.System+`.loads VALUES (?, ?, ?, now())`, t.Once, t.Schema, t.Table)
	return err
}

// wrap gives DuckDB's missing-table errors the seam's names.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Catalog Error: Table with name"), strings.Contains(msg, "Catalog Error: Table ") && strings.Contains(msg, "does not exist"):
		return fmt.Errorf("%w: %v", warehouse.ErrNoTable, err)
	case strings.Contains(msg, "Catalog Error: Schema with name"):
		return fmt.Errorf("%w: %v", warehouse.ErrNoSchema, err)
	}
	return err
}

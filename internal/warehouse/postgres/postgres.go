// Package postgres is the warehouse in PostgreSQL: a database of its own
// whose schemas are the warehouse's; a load is one COPY.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/query/sqltext"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// Options configure the store.
type Options struct {
	DSN string // of the warehouse's database
}

// Store is a warehouse in PostgreSQL.
type Store struct {
	opts Options
	pool *pgxpool.Pool
}

var _ warehouse.Store = (*Store)(nil)

// Open connects (pgx connects lazily: the first statement finds a server
// that is down).
func Open(opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("warehouse: postgres dsn: %w", err)
	}
	cfg.AfterConnect = restrict
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("warehouse: postgres: %w", err)
	}
	return &Store{opts: opts, pool: pool}, nil
}

func (s *Store) Close() error { s.pool.Close(); return nil }

func (s *Store) Exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, wrap(err)
	}
	defer c.Release()
	return exec(ctx, c.Conn(), stmt, args)
}

// exec runs one statement. pgx sends a statement without arguments by the
// simple protocol, which runs every statement in the text; this sends it
// by the extended protocol, which PostgreSQL refuses to run more than one
// statement of, whatever a statement's text hides.
func exec(ctx context.Context, c *pgx.Conn, stmt string, args []any) (int64, error) {
	if len(args) > 0 {
		tag, err := c.Exec(ctx, stmt, args...)
		if err != nil {
			return 0, wrap(err)
		}
		return tag.RowsAffected(), nil
	}
	res := c.PgConn().ExecParams(ctx, stmt, nil, nil, nil, nil).Read()
	if res.Err != nil {
		return 0, wrap(res.Err)
	}
	return res.CommandTag.RowsAffected(), nil
}

func (s *Store) Tx(ctx context.Context, fn func(tx warehouse.Execer) error) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(pgTx{tx}) })
	if err != nil {
		return wrap(err)
	}
	return nil
}

type pgTx struct{ tx pgx.Tx }

func (t pgTx) Exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	return exec(ctx, t.tx.Conn(), stmt, args)
}

func (s *Store) Query(ctx context.Context, stmt string, args ...any) (warehouse.Rows, error) {
	rows, err := s.pool.Query(ctx, stmt, args...)
	if err != nil {
		return nil, wrap(err)
	}
	r := &result{rows: rows}
	for _, f := range rows.FieldDescriptions() {
		c := typeOf(f.DataTypeOID, f.TypeModifier)
		c.Name = f.Name
		r.cols = append(r.cols, c)
	}
	return r, nil
}

func (s *Store) Tables(ctx context.Context, schema string) ([]warehouse.Table, error) {
	q := `SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.character_maximum_length, c.numeric_precision, c.numeric_scale
		FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
		WHERE t.table_type IN ('BASE TABLE', 'VIEW') AND c.table_schema NOT IN ('pg_catalog', 'information_schema', '` + warehouse.System + `') AND ($1 = '' OR c.table_schema = $1)
		ORDER BY 1, 2, c.ordinal_position`
	rows, err := s.pool.Query(ctx, q, schema)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []warehouse.Table
	for rows.Next() {
		var sch, tb, col, typ string
		var length, prec, scale *int32
		if err := rows.Scan(&sch, &tb, &col, &typ, &length, &prec, &scale); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].Schema != sch || out[n-1].Name != tb {
			out = append(out, warehouse.Table{Schema: sch, Name: tb})
		}
		spelled := typ
		switch {
		case length != nil:
			spelled = fmt.Sprintf("%s(%d)", typ, *length)
		case typ == "numeric" && prec != nil && scale != nil:
			spelled = fmt.Sprintf("numeric(%d,%d)", *prec, *scale)
		}
		c, err := warehouse.ParseType(spelled)
		// "char" is PostgreSQL's one-byte internal type, not char(1); a
		// numeric without a precision keeps any scale, unlike Redshift's.
		if err != nil || typ == `"char"` || spelled == "numeric" {
			// A table made outside tarn: its other columns stay usable.
			c = warehouse.Column{Type: format.Type{Kind: format.KindString}, Foreign: typ}
		}
		c.Name = col
		t := &out[len(out)-1]
		t.Columns = append(t.Columns, c)
	}
	return out, wrap(rows.Err())
}

// Read runs SELECT cols FROM the table; its rows are put in batches.
func (s *Store) Read(ctx context.Context, schema, table string, cols []string) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		typed, err := warehouse.TargetColumns(ctx, s, warehouse.Target{Schema: schema, Table: table, Columns: cols})
		if err != nil {
			yield(nil, err)
			return
		}
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = sqltext.QuoteIdent(c)
			if typed[i].Foreign != "" {
				names[i] += "::text"
			}
		}
		rows, err := s.Query(ctx, fmt.Sprintf("SELECT %s FROM %s.%s", strings.Join(names, ", "), sqltext.QuoteIdent(schema), sqltext.QuoteIdent(table)))
		if err != nil {
			yield(nil, err)
			return
		}
		defer rows.Close()
		for rec, err := range warehouse.RowBatches(typed, func(yield func([]any, error) bool) {
			for rows.Next() {
				vals, err := rows.Values()
				if !yield(vals, err) || err != nil {
					return
				}
			}
			if err := rows.Err(); err != nil {
				yield(nil, err)
			}
		}) {
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

// Load is one COPY in a transaction with its ledger entry.
func (s *Store) Load(ctx context.Context, t warehouse.Target, batches iter.Seq2[arrow.RecordBatch, error]) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The table's columns stay as read until the load commits: binary
		// COPY would take one type's values as another's of its width.
		if _, err := tx.Exec(ctx, "LOCK TABLE "+sqltext.QuoteIdent(t.Schema)+"."+sqltext.QuoteIdent(t.Table)+" IN ROW EXCLUSIVE MODE"); err != nil {
			return err
		}
		cols, err := warehouse.TargetColumns(ctx, s, t)
		if err != nil {
			return err
		}
		if err := warehouse.Loadable(t.Table, cols); err != nil {
			return err
		}
		if t.Once != "" {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+warehouse.System+`;
				CREATE TABLE IF NOT EXISTS `+warehouse.System+`.loads (once text PRIMARY KEY, schema_name text, table_name text, loaded timestamptz)`); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `INSERT INTO `+warehouse.System+`.loads VALUES ($1, $2, $3, now()) ON CONFLICT DO NOTHING`, t.Once, t.Schema, t.Table)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return warehouse.ErrLoaded
			}
		}
		n, err = copyRows(ctx, tx, t.Schema, t.Table, cols, batches)
		return err
	})
	switch {
	case errors.Is(err, warehouse.ErrLoaded):
		return 0, fmt.Errorf("%w: %s", warehouse.ErrLoaded, t.Once)
	case err != nil:
		return 0, wrap(err)
	}
	return n, nil
}

// sqlRole is who statements run as when tarn connects as a superuser: a
// role that owns the warehouse's tables and may do nothing else (no
// server files, no other roles' rights), since statements carry users'
// expressions.
const sqlRole = "tarn_warehouse_sql"

// restrict sets each new connection's role.
func restrict(ctx context.Context, c *pgx.Conn) error {
	var super bool
	if err := c.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil {
		return fmt.Errorf("warehouse: postgres role: %w", err)
	}
	if !super {
		return nil // a user of its own, restricted by the server's grants
	}
	// One connection at a time changes the role's grants: concurrent
	// GRANTs on one object fail.
	err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
		for _, q := range []string{
			`SELECT pg_advisory_xact_lock(hashtext('` + sqlRole + `'))`,
			`DO $$ BEGIN CREATE ROLE ` + sqlRole + ` NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
			`DO $$ BEGIN EXECUTE format('GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO ` + sqlRole + `', current_database()); END $$`,
			`GRANT ALL ON SCHEMA public TO ` + sqlRole,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		_, err = c.Exec(ctx, `SET ROLE `+sqlRole)
	}
	if err != nil {
		return fmt.Errorf("warehouse: postgres role %s: %w", sqlRole, err)
	}
	return nil
}

// wrap gives PostgreSQL's missing-table errors the seam's names.
func wrap(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "42P01":
			return fmt.Errorf("%w: %s", warehouse.ErrNoTable, pe.Message)
		case "3F000":
			return fmt.Errorf("%w: %s", warehouse.ErrNoSchema, pe.Message)
		}
	}
	return err
}

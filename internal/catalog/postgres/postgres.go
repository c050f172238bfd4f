// Package postgres is the catalog.Store kept in PostgreSQL, shared by every
// tarn process pointed at the same database. Documents are JSONB rows in
// the schema tarn_catalog, created on first use. Each method is one
// READ COMMITTED transaction; UpdateTable locks the table's row (SELECT …
// FOR UPDATE) so concurrent updaters, in any process, are serialized and
// the loser of a race sees the new version and gets ErrConflict. Foreign
// keys with ON DELETE CASCADE remove a table's versions and partitions
// (and a database's tables) in the same statement as the delete.
package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tarnlake/tarn/internal/catalog"
)

var _ catalog.Store = (*Store)(nil)

// Schema is where the catalog's tables live.
const Schema = "tarn_catalog"

// poolSize bounds the connections one process holds.
const poolSize = 8

// Store is a catalog in PostgreSQL.
type Store struct {
	pool   *pgxpool.Pool
	schema string // quoted identifier
}

// Open connects to the database at dsn (a libpq URL or key=value string)
// and creates the catalog's schema and tables if they do not exist.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenSchema(ctx, dsn, Schema)
}

// OpenSchema is Open with the schema chosen: tests use their own, and so may
// several tarn deployments sharing one database.
func OpenSchema(ctx context.Context, dsn, schema string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse catalog dsn: %w", err)
	}
	cfg.MaxConns = poolSize
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("catalog database: %w", err)
	}
	s := &Store{pool: pool, schema: pgx.Identifier{schema}.Sanitize()}
	if err := s.migrate(ctx, schema); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// sql puts the schema into a query written with {s}.
func (s *Store) sql(q string) string { return strings.ReplaceAll(q, "{s}", s.schema) }

// tx runs fn in a transaction, committing if it returns nil.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
}

func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	return string(b), nil
}

func decode(doc []byte, v any) error {
	if err := json.Unmarshal(doc, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

func lower(s string) string { return strings.ToLower(s) }

// now is rounded to microseconds, PostgreSQL's precision, so times read
// back compare equal to those returned.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

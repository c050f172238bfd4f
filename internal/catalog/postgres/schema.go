package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ddl creates the catalog's tables. Versions and partitions hang off
// tables, and tables off databases, by cascading foreign keys.
var ddl = []string{
	`CREATE SCHEMA IF NOT EXISTS {s}`,
	`CREATE TABLE IF NOT EXISTS {s}.databases (
		name text PRIMARY KEY,
		doc  jsonb NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS {s}.tables (
		db      text NOT NULL REFERENCES {s}.databases (name) ON DELETE CASCADE,
		name    text NOT NULL,
		version integer NOT NULL,
		doc     jsonb NOT NULL,
		PRIMARY KEY (db, name))`,
	`CREATE TABLE IF NOT EXISTS {s}.table_versions (
		db      text NOT NULL,
		name    text NOT NULL,
		version integer NOT NULL,
		doc     jsonb NOT NULL,
		PRIMARY KEY (db, name, version),
		FOREIGN KEY (db, name) REFERENCES {s}.tables (db, name) ON DELETE CASCADE)`,
	`CREATE TABLE IF NOT EXISTS {s}.partitions (
		db   text NOT NULL,
		tbl  text NOT NULL,
		vals text[] NOT NULL,
		doc  jsonb NOT NULL,
		PRIMARY KEY (db, tbl, vals),
		FOREIGN KEY (db, tbl) REFERENCES {s}.tables (db, name) ON DELETE CASCADE)`,
	`CREATE TABLE IF NOT EXISTS {s}.docs (
		kind    text NOT NULL,
		name    text NOT NULL,
		rev     bigint NOT NULL,
		updated timestamptz NOT NULL,
		body    text NOT NULL,
		PRIMARY KEY (kind, name))`,
}

// migrate creates the schema and tables. IF NOT EXISTS alone races when
// several processes start at once (both insert the catalog row), so they
// take turns on an advisory lock named after the schema.
func (s *Store) migrate(ctx context.Context, schema string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "tarn catalog "+schema); err != nil {
			return err
		}
		for _, q := range ddl {
			if _, err := tx.Exec(ctx, s.sql(q)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create catalog schema %s: %w", schema, err)
	}
	return nil
}

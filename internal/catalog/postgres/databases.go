package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/catalog"
)

// CreateDatabase implements catalog.Databases.
func (s *Store) CreateDatabase(ctx context.Context, d catalog.Database) error {
	d, err := catalog.PrepareDatabase(d, now())
	if err != nil {
		return err
	}
	doc, err := encode(d)
	if err != nil {
		return fmt.Errorf("create database %s: %w", d.Name, err)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.sql(`INSERT INTO {s}.databases (name, doc) VALUES ($1, $2) ON CONFLICT DO NOTHING`), d.Name, doc)
		if err != nil {
			return fmt.Errorf("create database %s: %w", d.Name, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("create database %s: %w", d.Name, catalog.ErrExists)
		}
		return nil
	})
}

// UpdateDatabase implements catalog.Databases.
func (s *Store) UpdateDatabase(ctx context.Context, d catalog.Database) error {
	d, err := catalog.PrepareDatabase(d, now())
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		var doc []byte
		err := tx.QueryRow(ctx, s.sql(`SELECT doc FROM {s}.databases WHERE name = $1 FOR UPDATE`), d.Name).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("database %s: %w", d.Name, catalog.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("update database %s: %w", d.Name, err)
		}
		var cur catalog.Database
		if err := decode(doc, &cur); err != nil {
			return err
		}
		d.Created = cur.Created
		enc, err := encode(d)
		if err != nil {
			return fmt.Errorf("update database %s: %w", d.Name, err)
		}
		_, err = tx.Exec(ctx, s.sql(`UPDATE {s}.databases SET doc = $2 WHERE name = $1`), d.Name, enc)
		return err
	})
}

// GetDatabase implements catalog.Databases.
func (s *Store) GetDatabase(ctx context.Context, name string) (catalog.Database, error) {
	name = lower(name)
	var d catalog.Database
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var doc []byte
		err := tx.QueryRow(ctx, s.sql(`SELECT doc FROM {s}.databases WHERE name = $1`), name).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("database %s: %w", name, catalog.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("get database %s: %w", name, err)
		}
		return decode(doc, &d)
	})
	return d, err
}

// ListDatabases implements catalog.Databases.
func (s *Store) ListDatabases(ctx context.Context) ([]catalog.Database, error) {
	var out []catalog.Database
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, s.sql(`SELECT doc FROM {s}.databases ORDER BY name COLLATE "C"`))
		if err != nil {
			return fmt.Errorf("list databases: %w", err)
		}
		out, err = collect[catalog.Database](rows)
		if err != nil {
			return fmt.Errorf("list databases: %w", err)
		}
		return nil
	})
	return out, err
}

// DeleteDatabase implements catalog.Databases.
func (s *Store) DeleteDatabase(ctx context.Context, name string) error {
	name = lower(name)
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Foreign keys cascade to tables, their versions and partitions.
		tag, err := tx.Exec(ctx, s.sql(`DELETE FROM {s}.databases WHERE name = $1`), name)
		if err != nil {
			return fmt.Errorf("delete database %s: %w", name, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("delete database %s: %w", name, catalog.ErrNotFound)
		}
		return nil
	})
}

// dbExists returns ErrNotFound unless database name exists, and keeps it
// from being deleted until tx ends.
func (s *Store) dbExists(ctx context.Context, tx pgx.Tx, name string) error {
	var one int
	err := tx.QueryRow(ctx, s.sql(`SELECT 1 FROM {s}.databases WHERE name = $1 FOR KEY SHARE`), name).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("database %s: %w", name, catalog.ErrNotFound)
	}
	return err
}

// collect decodes rows of one JSONB document each.
func collect[T any](rows pgx.Rows) ([]T, error) {
	var out []T
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			rows.Close()
			return nil, err
		}
		var v T
		if err := decode(doc, &v); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

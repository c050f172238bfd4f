package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/catalog"
)

// CreateTable implements catalog.Tables.
func (s *Store) CreateTable(ctx context.Context, t catalog.Table) (catalog.Table, error) {
	t, err := catalog.PrepareTable(t)
	if err != nil {
		return catalog.Table{}, err
	}
	t = catalog.FirstVersion(t, now())
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := s.dbExists(ctx, tx, t.Database); err != nil {
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
		doc, err := encode(t)
		if err != nil {
			return fmt.Errorf("create table %s.%s: %w", t.Database, t.Name, err)
		}
		tag, err := tx.Exec(ctx, s.sql(`INSERT INTO {s}.tables (db, name, version, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`), t.Database, t.Name, t.Version, doc)
		if err != nil {
			return fmt.Errorf("create table %s.%s: %w", t.Database, t.Name, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("create table %s.%s: %w", t.Database, t.Name, catalog.ErrExists)
		}
		return s.putVersion(ctx, tx, t, doc)
	})
	if err != nil {
		return catalog.Table{}, err
	}
	return t, nil
}

func (s *Store) putVersion(ctx context.Context, tx pgx.Tx, t catalog.Table, doc string) error {
	_, err := tx.Exec(ctx, s.sql(`INSERT INTO {s}.table_versions (db, name, version, doc) VALUES ($1, $2, $3, $4)`), t.Database, t.Name, t.Version, doc)
	if err != nil {
		return fmt.Errorf("store version %d of table %s.%s: %w", t.Version, t.Database, t.Name, err)
	}
	return nil
}

// getTable reads a table's current version, with lock ("" or a FOR
// clause) appended to the query.
func (s *Store) getTable(ctx context.Context, tx pgx.Tx, db, name, lock string) (catalog.Table, error) {
	var t catalog.Table
	var doc []byte
	err := tx.QueryRow(ctx, s.sql(`SELECT doc FROM {s}.tables WHERE db = $1 AND name = $2 `+lock), db, name).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("table %s.%s: %w", db, name, catalog.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("get table %s.%s: %w", db, name, err)
	}
	return t, decode(doc, &t)
}

// GetTable implements catalog.Tables.
func (s *Store) GetTable(ctx context.Context, db, name string) (catalog.Table, error) {
	var t catalog.Table
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		t, err = s.getTable(ctx, tx, lower(db), lower(name), "")
		return err
	})
	return t, err
}

// ListTables implements catalog.Tables.
func (s *Store) ListTables(ctx context.Context, db, prefix string) ([]catalog.Table, error) {
	db = lower(db)
	var out []catalog.Table
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := s.dbExists(ctx, tx, db); err != nil {
			return fmt.Errorf("list tables: %w", err)
		}
		// starts_with, not LIKE: prefixes may hold _ and %.
		rows, err := tx.Query(ctx, s.sql(`SELECT doc FROM {s}.tables WHERE db = $1 AND starts_with(name, $2) ORDER BY name COLLATE "C"`), db, lower(prefix))
		if err != nil {
			return fmt.Errorf("list tables of %s: %w", db, err)
		}
		out, err = collect[catalog.Table](rows)
		if err != nil {
			return fmt.Errorf("list tables of %s: %w", db, err)
		}
		return nil
	})
	return out, err
}

// UpdateTable implements catalog.Tables.
func (s *Store) UpdateTable(ctx context.Context, t catalog.Table, expectedVersion int) (catalog.Table, error) {
	t, err := catalog.PrepareTable(t)
	if err != nil {
		return catalog.Table{}, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		// The row lock makes concurrent updaters wait here; once it is
		// theirs they read the version the winner stored.
		cur, err := s.getTable(ctx, tx, t.Database, t.Name, "FOR UPDATE")
		if err != nil {
			return fmt.Errorf("update table: %w", err)
		}
		if t, err = catalog.NextVersion(cur, t, expectedVersion, now()); err != nil {
			return err
		}
		doc, err := encode(t)
		if err != nil {
			return fmt.Errorf("update table %s.%s: %w", t.Database, t.Name, err)
		}
		if _, err := tx.Exec(ctx, s.sql(`UPDATE {s}.tables SET version = $3, doc = $4 WHERE db = $1 AND name = $2`), t.Database, t.Name, t.Version, doc); err != nil {
			return fmt.Errorf("update table %s.%s: %w", t.Database, t.Name, err)
		}
		return s.putVersion(ctx, tx, t, doc)
	})
	if err != nil {
		return catalog.Table{}, err
	}
	return t, nil
}

// DeleteTable implements catalog.Tables.
func (s *Store) DeleteTable(ctx context.Context, db, name string) error {
	db, name = lower(db), lower(name)
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Foreign keys cascade to versions and partitions.
		tag, err := tx.Exec(ctx, s.sql(`DELETE FROM {s}.tables WHERE db = $1 AND name = $2`), db, name)
		if err != nil {
			return fmt.Errorf("delete table %s.%s: %w", db, name, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("delete table %s.%s: %w", db, name, catalog.ErrNotFound)
		}
		return nil
	})
}

// GetTableVersions implements catalog.Tables.
func (s *Store) GetTableVersions(ctx context.Context, db, name string) ([]catalog.Table, error) {
	db, name = lower(db), lower(name)
	var out []catalog.Table
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := s.getTable(ctx, tx, db, name, "FOR KEY SHARE"); err != nil {
			return fmt.Errorf("table versions: %w", err)
		}
		rows, err := tx.Query(ctx, s.sql(`SELECT doc FROM {s}.table_versions WHERE db = $1 AND name = $2 ORDER BY version DESC`), db, name)
		if err != nil {
			return fmt.Errorf("versions of table %s.%s: %w", db, name, err)
		}
		out, err = collect[catalog.Table](rows)
		if err != nil {
			return fmt.Errorf("versions of table %s.%s: %w", db, name, err)
		}
		return nil
	})
	return out, err
}

// GetTableVersion implements catalog.Tables.
func (s *Store) GetTableVersion(ctx context.Context, db, name string, version int) (catalog.Table, error) {
	db, name = lower(db), lower(name)
	var t catalog.Table
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var doc []byte
		err := tx.QueryRow(ctx, s.sql(`SELECT doc FROM {s}.table_versions WHERE db = $1 AND name = $2 AND version = $3`), db, name, version).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("table %s.%s version %d: %w", db, name, version, catalog.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("get table %s.%s version %d: %w", db, name, version, err)
		}
		return decode(doc, &t)
	})
	return t, err
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/catalog"
)

// CreatePartitions implements catalog.Partitions.
func (s *Store) CreatePartitions(ctx context.Context, db, table string, parts []catalog.Partition) ([]error, error) {
	db, table = lower(db), lower(table)
	var errs []error
	err := s.tx(ctx, func(tx pgx.Tx) error {
		errs = make([]error, len(parts))
		// KEY SHARE keeps the table from being deleted meanwhile without
		// blocking UpdateTable.
		t, err := s.getTable(ctx, tx, db, table, "FOR KEY SHARE")
		if err != nil {
			return fmt.Errorf("create partitions: %w", err)
		}
		at := now()
		for i, p := range parts {
			p, err := catalog.PreparePartition(t, p, at)
			if err != nil {
				errs[i] = err
				continue
			}
			doc, err := encode(p)
			if err != nil {
				return fmt.Errorf("create partition %q of %s.%s: %w", p.Values, db, table, err)
			}
			// Earlier partitions of this call are visible in tx, so
			// duplicates within parts conflict too.
			tag, err := tx.Exec(ctx, s.sql(`INSERT INTO {s}.partitions (db, tbl, vals, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`), db, table, p.Values, doc)
			if err != nil {
				return fmt.Errorf("create partition %q of %s.%s: %w", p.Values, db, table, err)
			}
			if tag.RowsAffected() == 0 {
				errs[i] = fmt.Errorf("partition %q of %s.%s: %w", p.Values, db, table, catalog.ErrExists)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// GetPartitions implements catalog.Partitions.
func (s *Store) GetPartitions(ctx context.Context, db, table string) ([]catalog.Partition, error) {
	db, table = lower(db), lower(table)
	var out []catalog.Partition
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := s.getTable(ctx, tx, db, table, "FOR KEY SHARE"); err != nil {
			return fmt.Errorf("get partitions: %w", err)
		}
		rows, err := tx.Query(ctx, s.sql(`SELECT doc FROM {s}.partitions WHERE db = $1 AND tbl = $2`), db, table)
		if err != nil {
			return fmt.Errorf("partitions of %s.%s: %w", db, table, err)
		}
		out, err = collect[catalog.Partition](rows)
		if err != nil {
			return fmt.Errorf("partitions of %s.%s: %w", db, table, err)
		}
		return nil
	})
	// Sorted here, bytewise, as the embedded store does: SQL text order
	// depends on the database's collation.
	slices.SortFunc(out, catalog.ComparePartitions)
	return out, err
}

// GetPartition implements catalog.Partitions.
func (s *Store) GetPartition(ctx context.Context, db, table string, values []string) (catalog.Partition, error) {
	db, table = lower(db), lower(table)
	var p catalog.Partition
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var doc []byte
		err := tx.QueryRow(ctx, s.sql(`SELECT doc FROM {s}.partitions WHERE db = $1 AND tbl = $2 AND vals = $3`), db, table, values).Scan(&doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("partition %q of %s.%s: %w", values, db, table, catalog.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("get partition %q of %s.%s: %w", values, db, table, err)
		}
		return decode(doc, &p)
	})
	return p, err
}

// DeletePartition implements catalog.Partitions.
func (s *Store) DeletePartition(ctx context.Context, db, table string, values []string) error {
	db, table = lower(db), lower(table)
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.sql(`DELETE FROM {s}.partitions WHERE db = $1 AND tbl = $2 AND vals = $3`), db, table, values)
		if err != nil {
			return fmt.Errorf("delete partition %q of %s.%s: %w", values, db, table, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("delete partition %q of %s.%s: %w", values, db, table, catalog.ErrNotFound)
		}
		return nil
	})
}

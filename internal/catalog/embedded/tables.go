package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tarnlake/tarn/internal/catalog"
)

// CreateTable implements catalog.Tables.
func (s *Store) CreateTable(ctx context.Context, t catalog.Table) (catalog.Table, error) {
	t, err := catalog.PrepareTable(t)
	if err != nil {
		return catalog.Table{}, err
	}
	t = catalog.FirstVersion(t, now())
	err = s.update(ctx, func(tx *bolt.Tx) error {
		if _, err := getDatabase(tx, t.Database); err != nil {
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
		tables := tx.Bucket(bucketTables)
		if tables.Get(key(t.Database, t.Name)) != nil {
			return fmt.Errorf("create table %s.%s: %w", t.Database, t.Name, catalog.ErrExists)
		}
		return putTable(tx, t)
	})
	if err != nil {
		return catalog.Table{}, err
	}
	return t, nil
}

// putTable stores t as the current version and as one of the versions.
func putTable(tx *bolt.Tx, t catalog.Table) error {
	if err := put(tx.Bucket(bucketTables), key(t.Database, t.Name), t); err != nil {
		return err
	}
	return put(tx.Bucket(bucketVersions), versionKey(t.Database, t.Name, t.Version), t)
}

func getTable(tx *bolt.Tx, db, name string) (catalog.Table, error) {
	var t catalog.Table
	ok, err := get(tx.Bucket(bucketTables), key(db, name), &t)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, fmt.Errorf("table %s.%s: %w", db, name, catalog.ErrNotFound)
	}
	return t, nil
}

// GetTable implements catalog.Tables.
func (s *Store) GetTable(ctx context.Context, db, name string) (catalog.Table, error) {
	var t catalog.Table
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		t, err = getTable(tx, lower(db), lower(name))
		return err
	})
	return t, err
}

// ListTables implements catalog.Tables.
func (s *Store) ListTables(ctx context.Context, db, prefix string) ([]catalog.Table, error) {
	db = lower(db)
	var out []catalog.Table
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if _, err := getDatabase(tx, db); err != nil {
			return fmt.Errorf("list tables: %w", err)
		}
		return scan(tx.Bucket(bucketTables), key(db, lower(prefix)), func(k, v []byte) error {
			var t catalog.Table
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode table %q: %w", k, err)
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// UpdateTable implements catalog.Tables.
func (s *Store) UpdateTable(ctx context.Context, t catalog.Table, expectedVersion int) (catalog.Table, error) {
	t, err := catalog.PrepareTable(t)
	if err != nil {
		return catalog.Table{}, err
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		cur, err := getTable(tx, t.Database, t.Name)
		if err != nil {
			return fmt.Errorf("update table: %w", err)
		}
		if t, err = catalog.NextVersion(cur, t, expectedVersion, now()); err != nil {
			return err
		}
		return putTable(tx, t)
	})
	if err != nil {
		return catalog.Table{}, err
	}
	return t, nil
}

// DeleteTable implements catalog.Tables.
func (s *Store) DeleteTable(ctx context.Context, db, name string) error {
	db, name = lower(db), lower(name)
	return s.update(ctx, func(tx *bolt.Tx) error {
		if _, err := getTable(tx, db, name); err != nil {
			return fmt.Errorf("delete table: %w", err)
		}
		prefix := append(key(db, name), sep...)
		for _, bk := range [][]byte{bucketVersions, bucketPartitions} {
			if err := deletePrefix(tx.Bucket(bk), prefix); err != nil {
				return fmt.Errorf("delete table %s.%s: %w", db, name, err)
			}
		}
		return tx.Bucket(bucketTables).Delete(key(db, name))
	})
}

// GetTableVersions implements catalog.Tables.
func (s *Store) GetTableVersions(ctx context.Context, db, name string) ([]catalog.Table, error) {
	db, name = lower(db), lower(name)
	var out []catalog.Table
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if _, err := getTable(tx, db, name); err != nil {
			return fmt.Errorf("table versions: %w", err)
		}
		return scan(tx.Bucket(bucketVersions), append(key(db, name), sep...), func(k, v []byte) error {
			var t catalog.Table
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode table version %q: %w", k, err)
			}
			out = append(out, t)
			return nil
		})
	})
	// Keys sort oldest first; the API wants newest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// GetTableVersion implements catalog.Tables.
func (s *Store) GetTableVersion(ctx context.Context, db, name string, version int) (catalog.Table, error) {
	db, name = lower(db), lower(name)
	var t catalog.Table
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bucketVersions), versionKey(db, name, version), &t)
		if err == nil && !ok {
			err = fmt.Errorf("table %s.%s version %d: %w", db, name, version, catalog.ErrNotFound)
		}
		return err
	})
	return t, err
}

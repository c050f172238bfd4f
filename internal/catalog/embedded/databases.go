package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tarnlake/tarn/internal/catalog"
)

// CreateDatabase implements catalog.Databases.
func (s *Store) CreateDatabase(ctx context.Context, d catalog.Database) error {
	d, err := catalog.PrepareDatabase(d, now())
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDatabases)
		if b.Get(key(d.Name)) != nil {
			return fmt.Errorf("create database %s: %w", d.Name, catalog.ErrExists)
		}
		return put(b, key(d.Name), d)
	})
}

// GetDatabase implements catalog.Databases.
func (s *Store) GetDatabase(ctx context.Context, name string) (catalog.Database, error) {
	var d catalog.Database
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		d, err = getDatabase(tx, lower(name))
		return err
	})
	return d, err
}

func getDatabase(tx *bolt.Tx, name string) (catalog.Database, error) {
	var d catalog.Database
	ok, err := get(tx.Bucket(bucketDatabases), key(name), &d)
	if err != nil {
		return d, err
	}
	if !ok {
		return d, fmt.Errorf("database %s: %w", name, catalog.ErrNotFound)
	}
	return d, nil
}

// ListDatabases implements catalog.Databases.
func (s *Store) ListDatabases(ctx context.Context) ([]catalog.Database, error) {
	var out []catalog.Database
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDatabases).ForEach(func(k, v []byte) error {
			var d catalog.Database
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode database %s: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// UpdateDatabase implements catalog.Databases.
func (s *Store) UpdateDatabase(ctx context.Context, d catalog.Database) error {
	d, err := catalog.PrepareDatabase(d, now())
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		cur, err := getDatabase(tx, d.Name)
		if err != nil {
			return err
		}
		d.Created = cur.Created
		return put(tx.Bucket(bucketDatabases), key(d.Name), d)
	})
}

// DeleteDatabase implements catalog.Databases.
func (s *Store) DeleteDatabase(ctx context.Context, name string) error {
	name = lower(name)
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDatabases)
		if b.Get(key(name)) == nil {
			return fmt.Errorf("delete database %s: %w", name, catalog.ErrNotFound)
		}
		// Everything under "db sep" belongs to this database's tables.
		prefix := append(key(name), sep...)
		for _, bk := range [][]byte{bucketTables, bucketVersions, bucketPartitions} {
			if err := deletePrefix(tx.Bucket(bk), prefix); err != nil {
				return fmt.Errorf("delete database %s: %w", name, err)
			}
		}
		return b.Delete(key(name))
	})
}

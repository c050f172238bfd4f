package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tarnlake/tarn/internal/catalog"
)

// CreatePartitions implements catalog.Partitions.
func (s *Store) CreatePartitions(ctx context.Context, db, table string, parts []catalog.Partition) ([]error, error) {
	db, table = lower(db), lower(table)
	errs := make([]error, len(parts))
	err := s.update(ctx, func(tx *bolt.Tx) error {
		t, err := getTable(tx, db, table)
		if err != nil {
			return fmt.Errorf("create partitions: %w", err)
		}
		b := tx.Bucket(bucketPartitions)
		at := now()
		for i, p := range parts {
			p, err := catalog.PreparePartition(t, p, at)
			if err != nil {
				errs[i] = err
				continue
			}
			k := partitionKey(db, table, p.Values)
			// Earlier partitions of this call are already in b, so
			// duplicates within parts are caught here too.
			if b.Get(k) != nil {
				errs[i] = fmt.Errorf("partition %q of %s.%s: %w", p.Values, db, table, catalog.ErrExists)
				continue
			}
			if err := put(b, k, p); err != nil {
				return err
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
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if _, err := getTable(tx, db, table); err != nil {
			return fmt.Errorf("get partitions: %w", err)
		}
		// sep sorts below every other byte, so key order is Values order.
		return scan(tx.Bucket(bucketPartitions), append(key(db, table), sep...), func(k, v []byte) error {
			var p catalog.Partition
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode partition %q: %w", k, err)
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// GetPartition implements catalog.Partitions.
func (s *Store) GetPartition(ctx context.Context, db, table string, values []string) (catalog.Partition, error) {
	db, table = lower(db), lower(table)
	var p catalog.Partition
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bucketPartitions), partitionKey(db, table, values), &p)
		if err == nil && !ok {
			err = fmt.Errorf("partition %q of %s.%s: %w", values, db, table, catalog.ErrNotFound)
		}
		return err
	})
	return p, err
}

// DeletePartition implements catalog.Partitions.
func (s *Store) DeletePartition(ctx context.Context, db, table string, values []string) error {
	db, table = lower(db), lower(table)
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPartitions)
		k := partitionKey(db, table, values)
		if b.Get(k) == nil {
			return fmt.Errorf("delete partition %q of %s.%s: %w", values, db, table, catalog.ErrNotFound)
		}
		return b.Delete(k)
	})
}

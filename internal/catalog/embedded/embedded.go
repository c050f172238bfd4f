// Package embedded is the catalog.Store kept in one bbolt file, for a
// single tarn process. Each method runs in one bbolt transaction; bbolt
// runs one writer at a time, which is what makes UpdateTable's version
// check and the cascading deletes atomic.
package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tarnlake/tarn/internal/catalog"
)

var _ catalog.Store = (*Store)(nil)

// Buckets, one per concern. Keys join names with sep, which names never
// hold (no control characters), so a key's bytes sort as the API lists:
//
//	databases:  db                     → Database
//	tables:     db sep table           → Table (current version)
//	versions:   db sep table sep v     → Table (v big-endian uint64, every version)
//	partitions: db sep table sep vals  → Partition (vals joined with sep)
var (
	bucketDatabases  = []byte("databases")
	bucketTables     = []byte("tables")
	bucketVersions   = []byte("versions")
	bucketPartitions = []byte("partitions")
)

const sep = "\x00"

// Store is a catalog in a bbolt file.
type Store struct {
	db *bolt.DB
}

// Open opens (creating it if needed) the catalog file at path. bbolt locks
// the file: a second process opening it waits, then fails.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDatabases, bucketTables, bucketVersions, bucketPartitions, bucketDocs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("create catalog buckets in %s: %w", path, err), db.Close())
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// view and update run fn in a read or write transaction, after checking
// that ctx is live (bbolt itself does not take one).
func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

func (s *Store) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(fn)
}

func key(parts ...string) []byte { return []byte(strings.Join(parts, sep)) }

func versionKey(db, table string, v int) []byte {
	k := append(key(db, table), sep...)
	return binary.BigEndian.AppendUint64(k, uint64(v))
}

func partitionKey(db, table string, values []string) []byte {
	return key(append([]string{db, table}, values...)...)
}

func put(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", k, err)
	}
	return b.Put(k, data)
}

// get decodes the value at k into v, reporting whether there was one.
func get(b *bolt.Bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode %q: %w", k, err)
	}
	return true, nil
}

// scan calls fn for each key starting with prefix, in key order.
func scan(b *bolt.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// deletePrefix deletes every key starting with prefix. Keys are collected
// first: deleting under a moving cursor can skip entries.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	scan(b, prefix, func(k, _ []byte) error {
		keys = append(keys, bytes.Clone(k))
		return nil
	})
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func lower(s string) string { return strings.ToLower(s) }

func now() time.Time { return time.Now().UTC() }

package embedded

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tarnlake/tarn/internal/catalog"
)

// bucketDocs holds tarn's own documents: kind sep name → Doc.
var bucketDocs = []byte("docs")

// PutDoc implements catalog.Documents.
func (s *Store) PutDoc(ctx context.Context, d catalog.Doc, expectedRev int64) (catalog.Doc, error) {
	d, err := catalog.PrepareDoc(d)
	if err != nil {
		return catalog.Doc{}, err
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocs)
		var cur catalog.Doc
		if _, err := get(b, key(d.Kind, d.Name), &cur); err != nil {
			return err
		}
		if d.Rev, err = catalog.NextRev(d.Kind, d.Name, cur.Rev, expectedRev); err != nil {
			return err
		}
		d.Updated = now()
		return put(b, key(d.Kind, d.Name), d)
	})
	if err != nil {
		return catalog.Doc{}, err
	}
	return d, nil
}

// GetDoc implements catalog.Documents.
func (s *Store) GetDoc(ctx context.Context, kind, name string) (catalog.Doc, error) {
	var d catalog.Doc
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bucketDocs), key(kind, name), &d)
		if err == nil && !ok {
			err = fmt.Errorf("document %s/%s: %w", kind, name, catalog.ErrNotFound)
		}
		return err
	})
	return d, err
}

// ListDocs implements catalog.Documents.
func (s *Store) ListDocs(ctx context.Context, kind, prefix string) ([]catalog.Doc, error) {
	var out []catalog.Doc
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return scan(tx.Bucket(bucketDocs), key(kind, prefix), func(k, v []byte) error {
			var d catalog.Doc
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode document %q: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// DeleteDoc implements catalog.Documents.
func (s *Store) DeleteDoc(ctx context.Context, kind, name string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocs)
		if b.Get(key(kind, name)) == nil {
			return fmt.Errorf("document %s/%s: %w", kind, name, catalog.ErrNotFound)
		}
		return b.Delete(key(kind, name))
	})
}

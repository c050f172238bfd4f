package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/catalog"
)

// PutDoc implements catalog.Documents. The row lock of SELECT … FOR UPDATE
// orders concurrent puts of one document; concurrent creates meet at the
// primary key.
func (s *Store) PutDoc(ctx context.Context, d catalog.Doc, expectedRev int64) (catalog.Doc, error) {
	d, err := catalog.PrepareDoc(d)
	if err != nil {
		return catalog.Doc{}, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var cur int64
		err := tx.QueryRow(ctx, s.sql(`SELECT rev FROM {s}.docs WHERE kind = $1 AND name = $2 FOR UPDATE`), d.Kind, d.Name).Scan(&cur)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("put document %s/%s: %w", d.Kind, d.Name, err)
		}
		if d.Rev, err = catalog.NextRev(d.Kind, d.Name, cur, expectedRev); err != nil {
			return err
		}
		d.Updated = now()
		q := `UPDATE {s}.docs SET rev = $3, updated = $4, body = $5 WHERE kind = $1 AND name = $2`
		if cur == 0 {
			q = `INSERT INTO {s}.docs (kind, name, rev, updated, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
		}
		tag, err := tx.Exec(ctx, s.sql(q), d.Kind, d.Name, d.Rev, d.Updated, string(d.Body))
		if err != nil {
			return fmt.Errorf("put document %s/%s: %w", d.Kind, d.Name, err)
		}
		if tag.RowsAffected() == 0 { // another process created it since our SELECT
			return fmt.Errorf("document %s/%s: %w", d.Kind, d.Name, catalog.ErrConflict)
		}
		return nil
	})
	if err != nil {
		return catalog.Doc{}, err
	}
	return d, nil
}

// GetDoc implements catalog.Documents.
func (s *Store) GetDoc(ctx context.Context, kind, name string) (catalog.Doc, error) {
	d := catalog.Doc{Kind: kind, Name: name}
	var body string
	err := s.pool.QueryRow(ctx, s.sql(`SELECT rev, updated, body FROM {s}.docs WHERE kind = $1 AND name = $2`), kind, name).Scan(&d.Rev, &d.Updated, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("document %s/%s: %w", kind, name, catalog.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("get document %s/%s: %w", kind, name, err)
	}
	d.Body, d.Updated = []byte(body), d.Updated.UTC()
	return d, nil
}

// ListDocs implements catalog.Documents.
func (s *Store) ListDocs(ctx context.Context, kind, prefix string) ([]catalog.Doc, error) {
	rows, err := s.pool.Query(ctx, s.sql(`SELECT name, rev, updated, body FROM {s}.docs
		WHERE kind = $1 AND starts_with(name, $2) ORDER BY name COLLATE "C"`), kind, prefix)
	if err != nil {
		return nil, fmt.Errorf("list documents %s/%s*: %w", kind, prefix, err)
	}
	var out []catalog.Doc
	for rows.Next() {
		d := catalog.Doc{Kind: kind}
		var body string
		if err := rows.Scan(&d.Name, &d.Rev, &d.Updated, &body); err != nil {
			return nil, fmt.Errorf("list documents %s/%s*: %w", kind, prefix, err)
		}
		d.Body, d.Updated = []byte(body), d.Updated.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list documents %s/%s*: %w", kind, prefix, err)
	}
	return out, nil
}

// DeleteDoc implements catalog.Documents.
func (s *Store) DeleteDoc(ctx context.Context, kind, name string) error {
	tag, err := s.pool.Exec(ctx, s.sql(`DELETE FROM {s}.docs WHERE kind = $1 AND name = $2`), kind, name)
	if err != nil {
		return fmt.Errorf("delete document %s/%s: %w", kind, name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("document %s/%s: %w", kind, name, catalog.ErrNotFound)
	}
	return nil
}

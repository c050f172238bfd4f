package engine

import (
	"context"
	"io"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/lake"
)

// tarn's own write paths (Hive DDL, CTAS, INSERT INTO a lake table,
// UNLOAD) reach the catalog and the lake through these guards, which hold
// them to the session's key: writing a database needs write on glue:<db>,
// reading or writing a bucket needs read or write on s3:<bucket>, and a
// table is visible only when the key may read its location.

type guardedCatalog struct {
	catalog.Metadata
	s *session
}

func (g guardedCatalog) db(name string) error {
	return g.s.needWrite(access.Database(name), "database "+name)
}

func (g guardedCatalog) CreateDatabase(ctx context.Context, d catalog.Database) error {
	if err := g.db(d.Name); err != nil {
		return err
	}
	return g.Metadata.CreateDatabase(ctx, d)
}

func (g guardedCatalog) UpdateDatabase(ctx context.Context, d catalog.Database) error {
	if err := g.db(d.Name); err != nil {
		return err
	}
	return g.Metadata.UpdateDatabase(ctx, d)
}

func (g guardedCatalog) DeleteDatabase(ctx context.Context, name string) error {
	if err := g.db(name); err != nil {
		return err
	}
	return g.Metadata.DeleteDatabase(ctx, name)
}

func (g guardedCatalog) CreateTable(ctx context.Context, t catalog.Table) (catalog.Table, error) {
	if err := g.db(t.Database); err != nil {
		return catalog.Table{}, err
	}
	return g.Metadata.CreateTable(ctx, t)
}

func (g guardedCatalog) UpdateTable(ctx context.Context, t catalog.Table, expected int) (catalog.Table, error) {
	if err := g.db(t.Database); err != nil {
		return catalog.Table{}, err
	}
	return g.Metadata.UpdateTable(ctx, t, expected)
}

func (g guardedCatalog) DeleteTable(ctx context.Context, db, name string) error {
	if err := g.db(db); err != nil {
		return err
	}
	return g.Metadata.DeleteTable(ctx, db, name)
}

func (g guardedCatalog) CreatePartitions(ctx context.Context, db, table string, parts []catalog.Partition) ([]error, error) {
	if err := g.db(db); err != nil {
		return nil, err
	}
	return g.Metadata.CreatePartitions(ctx, db, table, parts)
}

func (g guardedCatalog) DeletePartition(ctx context.Context, db, table string, values []string) error {
	if err := g.db(db); err != nil {
		return err
	}
	return g.Metadata.DeletePartition(ctx, db, table, values)
}

// GetTable hides a table whose files the key may not read.
func (g guardedCatalog) GetTable(ctx context.Context, db, name string) (catalog.Table, error) {
	t, err := g.Metadata.GetTable(ctx, db, name)
	if err == nil && !g.s.mayRead(locationResource(t.Storage.Location)) {
		return catalog.Table{}, denied("permission denied for table %s.%s: key %s may not read %s", db, name, g.s.user, locationResource(t.Storage.Location))
	}
	return t, err
}

// ListTables leaves out the tables whose files the key may not read.
func (g guardedCatalog) ListTables(ctx context.Context, db, prefix string) ([]catalog.Table, error) {
	ts, err := g.Metadata.ListTables(ctx, db, prefix)
	kept := ts[:0]
	for _, t := range ts {
		if g.s.mayRead(locationResource(t.Storage.Location)) {
			kept = append(kept, t)
		}
	}
	return kept, err
}

type guardedObjects struct {
	lake.Objects
	s *session
}

func (g guardedObjects) read(bucket string) error {
	if g.s.mayRead(access.Bucket(bucket)) {
		return nil
	}
	return denied("permission denied: key %s may not read bucket %s; grant it read on s3:%s", g.s.user, bucket, bucket)
}

func (g guardedObjects) Put(ctx context.Context, bucket, key string, r io.Reader, opts lake.PutOptions) (lake.ObjectInfo, error) {
	if err := g.s.needWrite(access.Bucket(bucket), "bucket "+bucket); err != nil {
		return lake.ObjectInfo{}, err
	}
	return g.Objects.Put(ctx, bucket, key, r, opts)
}

func (g guardedObjects) Delete(ctx context.Context, bucket, key string) error {
	if err := g.s.needWrite(access.Bucket(bucket), "bucket "+bucket); err != nil {
		return err
	}
	return g.Objects.Delete(ctx, bucket, key)
}

func (g guardedObjects) DeleteIf(ctx context.Context, bucket, key, etag string) error {
	if err := g.s.needWrite(access.Bucket(bucket), "bucket "+bucket); err != nil {
		return err
	}
	return g.Objects.DeleteIf(ctx, bucket, key, etag)
}

func (g guardedObjects) Get(ctx context.Context, bucket, key string, rng *lake.Range) (io.ReadCloser, lake.ObjectInfo, error) {
	if err := g.read(bucket); err != nil {
		return nil, lake.ObjectInfo{}, err
	}
	return g.Objects.Get(ctx, bucket, key, rng)
}

func (g guardedObjects) Head(ctx context.Context, bucket, key string) (lake.ObjectInfo, error) {
	if err := g.read(bucket); err != nil {
		return lake.ObjectInfo{}, err
	}
	return g.Objects.Head(ctx, bucket, key)
}

func (g guardedObjects) List(ctx context.Context, bucket string, opts lake.ListOptions) (lake.ListResult, error) {
	if err := g.read(bucket); err != nil {
		return lake.ListResult{}, err
	}
	return g.Objects.List(ctx, bucket, opts)
}

// catalog and lake are the session's guarded views of the engine's.
func (s *session) catalog() catalog.Metadata { return guardedCatalog{Metadata: s.e.opts.Catalog, s: s} }
func (s *session) lake() lake.Objects        { return guardedObjects{Objects: s.e.opts.Lake, s: s} }

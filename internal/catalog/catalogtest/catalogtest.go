// Package catalogtest is the conformance suite every catalog.Store backend
// passes.
package catalogtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
)

// Run runs the suite; open returns a store for one subtest. Stores may be
// shared between subtests and runs: every subtest uses its own database
// names and deletes them when it ends.
func Run(t *testing.T, open func(t *testing.T) catalog.Store) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, catalog.Store)
	}{
		{"Databases", databases},
		{"CaseInsensitive", caseInsensitive},
		{"Validation", validation},
		{"Tables", tables},
		{"ListTablesPrefix", listTablesPrefix},
		{"Versions", versions},
		{"ConcurrentUpdates", concurrentUpdates},
		{"Partitions", partitions},
		{"DeleteDatabaseCascades", deleteDatabaseCascades},
		{"DeleteTableCascades", deleteTableCascades},
		{"Docs", docs},
		{"UpdateDoc", updateDoc},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// Name returns a database name unique to this run.
func Name(t *testing.T) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "test_db_" + hex.EncodeToString(b)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// createDB makes a database that the test deletes when it ends.
func createDB(t *testing.T, s catalog.Store) string {
	t.Helper()
	name := Name(t)
	if err := s.CreateDatabase(ctx(t), catalog.Database{Name: name, Description: "d", LocationURI: "s3://lake/" + name, Parameters: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.DeleteDatabase(context.Background(), name) })
	return name
}

// table returns a Parquet table like those tarn's crawler makes.
func table(db, name string) catalog.Table {
	return catalog.Table{
		Database:    db,
		Name:        name,
		Description: "events",
		Owner:       "tarn",
		TableType:   catalog.TableType,
		Parameters:  map[string]string{"classification": "parquet", "recordCount": "42", "compressionType": "snappy"},
		PartitionKeys: []catalog.Column{
			{Name: "year", Type: "string"},
			{Name: "month", Type: "string", Comment: "two digits"},
		},
		Storage: catalog.StorageDescriptor{
			Location:     "s3://lake/" + db + "/" + name + "/",
			InputFormat:  "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
			OutputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
			Compressed:   true,
			SerDe: catalog.SerDeInfo{
				SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
				Parameters:           map[string]string{"serialization.format": "1"},
			},
			Columns: []catalog.Column{
				{Name: "id", Type: "bigint"},
				{Name: "tags", Type: "array<struct<a:int>>", Comment: "nested"},
			},
			Parameters: map[string]string{"p": "q"},
		},
	}
}

func createTable(t *testing.T, s catalog.Store, db, name string) catalog.Table {
	t.Helper()
	tb, err := s.CreateTable(ctx(t), table(db, name))
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

package embedded

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/catalog/catalogtest"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSuite(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "catalog.db"))
	t.Cleanup(func() { s.Close() })
	catalogtest.Run(t, func(t *testing.T) catalog.Store { return s })
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	s := open(t, path)
	if err := s.CreateDatabase(ctx, catalog.Database{Name: "Sales"}); err != nil {
		t.Fatal(err)
	}
	tb := catalog.Table{Database: "sales", Name: "orders", PartitionKeys: []catalog.Column{{Name: "day", Type: "string"}}}
	if _, err := s.CreateTable(ctx, tb); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateTable(ctx, tb, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePartitions(ctx, "sales", "orders", []catalog.Partition{{Values: []string{"2024-01-01"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	defer s.Close()
	if _, err := s.GetDatabase(ctx, "sales"); err != nil {
		t.Fatalf("database after reopen: %v", err)
	}
	if got, err := s.GetTable(ctx, "sales", "orders"); err != nil || got.Version != 2 {
		t.Fatalf("table after reopen: %+v %v", got, err)
	}
	if vs, err := s.GetTableVersions(ctx, "sales", "orders"); err != nil || len(vs) != 2 {
		t.Fatalf("versions after reopen: %d %v", len(vs), err)
	}
	if _, err := s.GetPartition(ctx, "sales", "orders", []string{"2024-01-01"}); err != nil {
		t.Fatalf("partition after reopen: %v", err)
	}
}

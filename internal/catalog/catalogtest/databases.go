package catalogtest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
)

func databases(t *testing.T, s catalog.Store) {
	c := ctx(t)
	name := createDB(t, s)
	if err := s.CreateDatabase(c, catalog.Database{Name: name}); !errors.Is(err, catalog.ErrExists) {
		t.Fatalf("create twice: %v, want ErrExists", err)
	}
	d, err := s.GetDatabase(c, name)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != name || d.Description != "d" || d.LocationURI != "s3://lake/"+name || d.Parameters["k"] != "v" || d.Created.IsZero() {
		t.Fatalf("get: %+v", d)
	}
	if err := s.UpdateDatabase(c, catalog.Database{Name: strings.ToUpper(name), Description: "new", Parameters: map[string]string{"x": "y"}}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.GetDatabase(c, name); err != nil || u.Description != "new" || u.LocationURI != "" || u.Parameters["x"] != "y" || !u.Created.Equal(d.Created) {
		t.Fatalf("after update: %+v %v (created %v)", u, err, d.Created)
	}
	if err := s.UpdateDatabase(c, catalog.Database{Name: name + "_missing"}); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("update of a missing database: %v", err)
	}
	other := createDB(t, s)
	all, err := s.ListDatabases(c)
	if err != nil {
		t.Fatal(err)
	}
	names := dbNames(all)
	if !slices.Contains(names, name) || !slices.Contains(names, other) || !slices.IsSorted(names) {
		t.Fatalf("list %v: want sorted, holding %s and %s", names, name, other)
	}
	if err := s.DeleteDatabase(c, name); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDatabase(c, name); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteDatabase(c, name); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("delete twice: %v, want ErrNotFound", err)
	}
	all, _ = s.ListDatabases(c)
	if slices.Contains(dbNames(all), name) {
		t.Fatalf("list after delete holds %s", name)
	}
	// The name can be used again.
	if err := s.CreateDatabase(c, catalog.Database{Name: name}); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
}

func dbNames(ds []catalog.Database) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

func caseInsensitive(t *testing.T, s catalog.Store) {
	c := ctx(t)
	name := Name(t)
	upper := strings.ToUpper(name)
	if err := s.CreateDatabase(c, catalog.Database{Name: upper}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.DeleteDatabase(context.Background(), name) })
	if d, err := s.GetDatabase(c, name); err != nil || d.Name != name {
		t.Fatalf("get %s after creating %s: %+v %v, want it stored lower-cased", name, upper, d, err)
	}
	if err := s.CreateDatabase(c, catalog.Database{Name: name}); !errors.Is(err, catalog.ErrExists) {
		t.Fatalf("create %s after %s: %v, want ErrExists", name, upper, err)
	}
	tb := table(upper, "Events")
	tb.Storage.Columns[0].Name = "ID"
	got, err := s.CreateTable(c, tb)
	if err != nil {
		t.Fatal(err)
	}
	if got.Database != name || got.Name != "events" || got.Storage.Columns[0].Name != "id" {
		t.Fatalf("create returned %s.%s column %s, want names lower-cased", got.Database, got.Name, got.Storage.Columns[0].Name)
	}
	if tb.Storage.Columns[0].Name != "ID" {
		t.Fatal("create changed the caller's columns")
	}
	if _, err := s.GetTable(c, upper, "EVENTS"); err != nil {
		t.Fatalf("get table in upper case: %v", err)
	}
	if _, err := s.CreateTable(c, table(name, "events")); !errors.Is(err, catalog.ErrExists) {
		t.Fatalf("create events after Events: %v, want ErrExists", err)
	}
	if _, errs, err := createParts(c, s, upper, "EVENTS", []string{"2024", "01"}); err != nil || errs[0] != nil {
		t.Fatalf("create partition in upper case: %v %v", errs, err)
	}
	if _, err := s.GetPartition(c, upper, "Events", []string{"2024", "01"}); err != nil {
		t.Fatalf("get partition in upper case: %v", err)
	}
	if _, err := s.GetTableVersion(c, upper, "EVENTS", 1); err != nil {
		t.Fatalf("get table version in upper case: %v", err)
	}
	if err := s.DeleteTable(c, upper, "EVENTS"); err != nil {
		t.Fatalf("delete table in upper case: %v", err)
	}
	if err := s.DeleteDatabase(c, upper); err != nil {
		t.Fatalf("delete database in upper case: %v", err)
	}
}

func validation(t *testing.T, s catalog.Store) {
	c := ctx(t)
	db := createDB(t, s)
	long := strings.Repeat("a", catalog.MaxNameLen+1)
	for _, tc := range []struct {
		name  string
		field string
		do    func() error
	}{
		{"EmptyDatabase", "database name", func() error { return s.CreateDatabase(c, catalog.Database{}) }},
		{"LongDatabase", "database name", func() error { return s.CreateDatabase(c, catalog.Database{Name: long}) }},
		{"ControlDatabase", "database name", func() error { return s.CreateDatabase(c, catalog.Database{Name: "a\nb"}) }},
		{"EmptyTable", "table name", func() error { _, err := s.CreateTable(c, table(db, "")); return err }},
		{"LongTable", "table name", func() error { _, err := s.CreateTable(c, table(db, long)); return err }},
		{"ControlTable", "table name", func() error { _, err := s.CreateTable(c, table(db, "a\x00b")); return err }},
		{"TableDatabase", "database name", func() error { _, err := s.CreateTable(c, table("", "t")); return err }},
		{"Column", "column name", func() error {
			tb := table(db, "t")
			tb.Storage.Columns[1].Name = ""
			_, err := s.CreateTable(c, tb)
			return err
		}},
		{"PartitionKey", "partition key name", func() error {
			tb := table(db, "t")
			tb.PartitionKeys[0].Name = "a\tb"
			_, err := s.CreateTable(c, tb)
			return err
		}},
		{"UpdateTable", "table name", func() error { _, err := s.UpdateTable(c, table(db, ""), 0); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !errors.Is(err, catalog.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("got %v, want ErrInvalid naming %q", err, tc.field)
			}
		})
	}
	// Nothing invalid was stored.
	if ts, err := s.ListTables(c, db, ""); err != nil || len(ts) != 0 {
		t.Fatalf("tables after invalid creates: %v %v", ts, err)
	}
	// 255 characters is fine.
	ok := strings.Repeat("b", catalog.MaxNameLen)
	if _, err := s.CreateTable(c, table(db, ok)); err != nil {
		t.Fatalf("a %d-character name: %v", catalog.MaxNameLen, err)
	}
}

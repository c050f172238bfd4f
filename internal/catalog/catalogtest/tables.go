package catalogtest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
)

// sameTable reports whether got is want as stored, ignoring what the
// store sets (times and version).
func sameTable(got, want catalog.Table) bool {
	got.Created, got.Updated, got.Version = time.Time{}, time.Time{}, 0
	want.Created, want.Updated, want.Version = time.Time{}, time.Time{}, 0
	return reflect.DeepEqual(got, want)
}

func tables(t *testing.T, s catalog.Store) {
	c := ctx(t)
	db := createDB(t, s)
	if _, err := s.CreateTable(c, table(Name(t), "t")); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("create in a missing database: %v, want ErrNotFound", err)
	}
	created := createTable(t, s, db, "events")
	if created.Version != 1 || created.Created.IsZero() || !created.Updated.Equal(created.Created) {
		t.Fatalf("created: version %d, created %v, updated %v", created.Version, created.Created, created.Updated)
	}
	if _, err := s.CreateTable(c, table(db, "events")); !errors.Is(err, catalog.ErrExists) {
		t.Fatalf("create twice: %v, want ErrExists", err)
	}
	got, err := s.GetTable(c, db, "events")
	if err != nil {
		t.Fatal(err)
	}
	if !sameTable(got, table(db, "events")) || got.Version != 1 || !got.Created.Equal(created.Created) {
		t.Fatalf("get:\n%+v\nwant\n%+v", got, table(db, "events"))
	}
	if _, err := s.GetTable(c, db, "missing"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("get missing: %v, want ErrNotFound", err)
	}
	if _, err := s.GetTable(c, Name(t), "events"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("get in missing database: %v, want ErrNotFound", err)
	}
	if _, err := s.ListTables(c, Name(t), ""); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("list in missing database: %v, want ErrNotFound", err)
	}
	if err := s.DeleteTable(c, db, "events"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTable(c, db, "events"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteTable(c, db, "events"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("delete twice: %v, want ErrNotFound", err)
	}
	if ts, err := s.ListTables(c, db, ""); err != nil || len(ts) != 0 {
		t.Fatalf("list after delete: %v %v", ts, err)
	}
}

func listTablesPrefix(t *testing.T, s catalog.Store) {
	c := ctx(t)
	db := createDB(t, s)
	other := createDB(t, s)
	for _, n := range []string{"sales_2024", "clicks", "sales_2023", "sales"} {
		createTable(t, s, db, n)
	}
	createTable(t, s, other, "sales_other")
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"clicks", "sales", "sales_2023", "sales_2024"}},
		{"sales_", []string{"sales_2023", "sales_2024"}},
		{"SALES", []string{"sales", "sales_2023", "sales_2024"}},
		{"x", nil},
	} {
		ts, err := s.ListTables(c, db, tc.prefix)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tb := range ts {
			if tb.Database != db {
				t.Fatalf("list %s returned a table of %s", db, tb.Database)
			}
			names = append(names, tb.Name)
		}
		if !reflect.DeepEqual(names, tc.want) {
			t.Fatalf("list prefix %q: %v, want %v", tc.prefix, names, tc.want)
		}
	}
}

func versions(t *testing.T, s catalog.Store) {
	c := ctx(t)
	db := createDB(t, s)
	v1 := createTable(t, s, db, "events")
	next := table(db, "events")
	next.Storage.Columns = append(next.Storage.Columns, catalog.Column{Name: "added", Type: "string"})
	v2, err := s.UpdateTable(c, next, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || !v2.Created.Equal(v1.Created) || v2.Updated.Before(v1.Updated) || !sameTable(v2, next) {
		t.Fatalf("update returned %+v", v2)
	}
	if _, err := s.UpdateTable(c, next, 1); !errors.Is(err, catalog.ErrConflict) {
		t.Fatalf("update with a stale version: %v, want ErrConflict", err)
	}
	next.Description = "third"
	if v3, err := s.UpdateTable(c, next, 0); err != nil || v3.Version != 3 {
		t.Fatalf("update without a version check: %+v %v", v3, err)
	}
	if cur, err := s.GetTable(c, db, "events"); err != nil || cur.Version != 3 || cur.Description != "third" {
		t.Fatalf("current after updates: %+v %v", cur, err)
	}
	old, err := s.GetTableVersion(c, db, "events", 1)
	if err != nil || old.Version != 1 || !sameTable(old, table(db, "events")) {
		t.Fatalf("version 1: %+v %v", old, err)
	}
	if old, err := s.GetTableVersion(c, db, "events", 2); err != nil || len(old.Storage.Columns) != 3 || old.Description != "events" {
		t.Fatalf("version 2: %+v %v", old, err)
	}
	if _, err := s.GetTableVersion(c, db, "events", 4); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("version 4: %v, want ErrNotFound", err)
	}
	all, err := s.GetTableVersions(c, db, "events")
	if err != nil {
		t.Fatal(err)
	}
	if got := tableVersions(all); !reflect.DeepEqual(got, []int{3, 2, 1}) {
		t.Fatalf("versions %v, want newest first", got)
	}
	if _, err := s.UpdateTable(c, table(db, "missing"), 0); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("update a missing table: %v, want ErrNotFound", err)
	}
	if _, err := s.GetTableVersions(c, db, "missing"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("versions of a missing table: %v, want ErrNotFound", err)
	}
}

func tableVersions(ts []catalog.Table) []int {
	var out []int
	for _, t := range ts {
		out = append(out, t.Version)
	}
	return out
}

// concurrentUpdates has 8 writers each add a parameter, reading the table
// and retrying on ErrConflict as a Glue client would: every update lands.
func concurrentUpdates(t *testing.T, s catalog.Store) {
	c := ctx(t)
	db := createDB(t, s)
	createTable(t, s, db, "events")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for {
				cur, err := s.GetTable(c, db, "events")
				if err != nil {
					t.Error(err)
					return
				}
				cur.Parameters[fmt.Sprintf("writer%d", i)] = "done"
				_, err = s.UpdateTable(c, cur, cur.Version)
				if errors.Is(err, catalog.ErrConflict) {
					continue
				}
				if err != nil {
					t.Error(err)
				}
				return
			}
		})
	}
	wg.Wait()
	cur, err := s.GetTable(c, db, "events")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if cur.Parameters[fmt.Sprintf("writer%d", i)] != "done" {
			t.Fatalf("writer %d's update was lost: %v", i, cur.Parameters)
		}
	}
	all, err := s.GetTableVersions(c, db, "events")
	if err != nil {
		t.Fatal(err)
	}
	if got := tableVersions(all); cur.Version != 9 || !reflect.DeepEqual(got, []int{9, 8, 7, 6, 5, 4, 3, 2, 1}) {
		t.Fatalf("current version %d, versions %v, want 9 and 9..1", cur.Version, got)
	}
}

func deleteTableCascades(t *testing.T, s catalog.Store) {
	c := ctx(t)
	db := createDB(t, s)
	createTable(t, s, db, "events")
	if _, err := s.UpdateTable(c, table(db, "events"), 1); err != nil {
		t.Fatal(err)
	}
	if _, errs, err := createParts(c, s, db, "events", []string{"2024", "01"}); err != nil || errs[0] != nil {
		t.Fatalf("create partition: %v %v", errs, err)
	}
	if err := s.DeleteTable(c, db, "events"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTableVersion(c, db, "events", 1); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("version 1 after delete: %v, want ErrNotFound", err)
	}
	// A new table of the same name starts afresh.
	createTable(t, s, db, "events")
	if all, err := s.GetTableVersions(c, db, "events"); err != nil || !reflect.DeepEqual(tableVersions(all), []int{1}) {
		t.Fatalf("versions of the new table: %v %v", tableVersions(all), err)
	}
	if ps, err := s.GetPartitions(c, db, "events"); err != nil || len(ps) != 0 {
		t.Fatalf("partitions of the new table: %v %v", ps, err)
	}
}

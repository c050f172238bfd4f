package catalogtest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/tarnlake/tarn/internal/catalog"
)

// createParts creates one partition per values, returning them as given.
func createParts(c context.Context, s catalog.Store, db, table string, values ...[]string) ([]catalog.Partition, []error, error) {
	var ps []catalog.Partition
	for _, v := range values {
		ps = append(ps, catalog.Partition{
			Values:     v,
			Parameters: map[string]string{"recordCount": "7"},
			Storage:    catalog.StorageDescriptor{Location: "s3://lake/" + db + "/" + table + "/" + v[0] + "/"},
		})
	}
	errs, err := s.CreatePartitions(c, db, table, ps)
	return ps, errs, err
}

func partitions(t *testing.T, s catalog.Store) {
	c := ctx(t)
	db := createDB(t, s)
	createTable(t, s, db, "events")
	_, errs, err := createParts(c, s, db, "events",
		[]string{"2024", "10"},
		[]string{"2023", "12"},
		[]string{"2024", "02"},
		[]string{"2023", "12"}, // a duplicate in the same call
		[]string{"2024"},       // too few values
		[]string{"2024", "1"},
	)
	if err != nil {
		t.Fatal(err)
	}
	want := []error{nil, nil, nil, catalog.ErrExists, catalog.ErrInvalid, nil}
	if len(errs) != len(want) {
		t.Fatalf("%d errors for %d partitions", len(errs), len(want))
	}
	for i := range want {
		if (want[i] == nil) != (errs[i] == nil) || !errors.Is(errs[i], want[i]) {
			t.Fatalf("partition %d: %v, want %v", i, errs[i], want[i])
		}
	}
	// Again, against stored partitions.
	_, errs, err = createParts(c, s, db, "events", []string{"2024", "10"}, []string{"2025", "01"})
	if err != nil || !errors.Is(errs[0], catalog.ErrExists) || errs[1] != nil {
		t.Fatalf("create existing and new: %v %v", errs, err)
	}
	ps, err := s.GetPartitions(c, db, "events")
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, p := range ps {
		if p.Database != db || p.Table != "events" || p.Parameters["recordCount"] != "7" || p.Storage.Location == "" || p.Created.IsZero() {
			t.Fatalf("partition %+v", p)
		}
		got = append(got, p.Values)
	}
	wantValues := [][]string{{"2023", "12"}, {"2024", "02"}, {"2024", "1"}, {"2024", "10"}, {"2025", "01"}}
	if !reflect.DeepEqual(got, wantValues) {
		t.Fatalf("partitions %v, want %v", got, wantValues)
	}
	p, err := s.GetPartition(c, db, "events", []string{"2024", "02"})
	if err != nil || !reflect.DeepEqual(p.Values, []string{"2024", "02"}) || p.Storage.Location != "s3://lake/"+db+"/events/2024/" {
		t.Fatalf("get partition: %+v %v", p, err)
	}
	if _, err := s.GetPartition(c, db, "events", []string{"2024"}); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("get a prefix of values: %v, want ErrNotFound", err)
	}
	if err := s.DeletePartition(c, db, "events", []string{"2024", "02"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetPartition(c, db, "events", []string{"2024", "02"}); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeletePartition(c, db, "events", []string{"2024", "02"}); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("delete twice: %v, want ErrNotFound", err)
	}
	if ps, _ := s.GetPartitions(c, db, "events"); len(ps) != 4 {
		t.Fatalf("%d partitions after delete, want 4", len(ps))
	}
	if _, err := s.CreatePartitions(c, db, "missing", []catalog.Partition{{Values: []string{"a", "b"}}}); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("create in a missing table: %v, want ErrNotFound", err)
	}
	if _, err := s.GetPartitions(c, db, "missing"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("list in a missing table: %v, want ErrNotFound", err)
	}
}

func deleteDatabaseCascades(t *testing.T, s catalog.Store) {
	c := ctx(t)
	db := createDB(t, s)
	createTable(t, s, db, "events")
	createTable(t, s, db, "clicks")
	if _, err := s.UpdateTable(c, table(db, "events"), 1); err != nil {
		t.Fatal(err)
	}
	if _, errs, err := createParts(c, s, db, "events", []string{"2024", "01"}); err != nil || errs[0] != nil {
		t.Fatalf("create partition: %v %v", errs, err)
	}
	// A database whose name extends db's must not be touched.
	longer := db + "x"
	if err := s.CreateDatabase(c, catalog.Database{Name: longer}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.DeleteDatabase(context.Background(), longer) })
	createTable(t, s, longer, "events")

	if err := s.DeleteDatabase(c, db); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTable(c, db, "events"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("table after database delete: %v, want ErrNotFound", err)
	}
	if _, err := s.GetTableVersion(c, db, "events", 2); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("table version after database delete: %v, want ErrNotFound", err)
	}
	if _, err := s.GetPartition(c, db, "events", []string{"2024", "01"}); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("partition after database delete: %v, want ErrNotFound", err)
	}
	if _, err := s.GetTable(c, longer, "events"); err != nil {
		t.Fatalf("table of %s after deleting %s: %v", longer, db, err)
	}
	// Recreated, the database is empty and its tables start afresh.
	if err := s.CreateDatabase(c, catalog.Database{Name: db}); err != nil {
		t.Fatal(err)
	}
	if ts, err := s.ListTables(c, db, ""); err != nil || len(ts) != 0 {
		t.Fatalf("tables of the recreated database: %v %v", ts, err)
	}
	createTable(t, s, db, "events")
	if all, err := s.GetTableVersions(c, db, "events"); err != nil || !reflect.DeepEqual(tableVersions(all), []int{1}) {
		t.Fatalf("versions after recreating: %v %v", tableVersions(all), err)
	}
	if ps, err := s.GetPartitions(c, db, "events"); err != nil || len(ps) != 0 {
		t.Fatalf("partitions after recreating: %v %v", ps, err)
	}
}

package copyfrom

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hamba/avro/v2/ocf"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/lake/localfs"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/duckdb"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

// copyEnv is a lake folder and an embedded warehouse.
func copyEnv(t testing.TB) (*localfs.Store, warehouse.Store) {
	dir := t.TempDir()
	lk, err := localfs.Open(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lk.Close() })
	lk.CreateBucket(context.Background(), "lake")
	wh, err := duckdb.Open(filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return lk, wh
}

func runCopy(t testing.TB, lk lake.Objects, wh warehouse.Store, stmt string, caller access.Key) (Result, error) {
	t.Helper()
	parsed, ok, err := redshift.Parse(stmt)
	if !ok || err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return Run(context.Background(), Options{Store: wh, Lake: lk}, Job{Copy: parsed.(*redshift.Copy), Caller: caller})
}

// COPY … FORMAT AS AVRO 'auto' maps fields by name; a field missing is
// NULL.
func TestCopyAvro(t *testing.T) {
	lk, wh := copyEnv(t)
	ctx := context.Background()
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(`{"type":"record","name":"r","fields":[{"name":"region","type":"string"},{"name":"id","type":"long"}]}`, &buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []map[string]any{{"id": int64(1), "region": "north"}, {"id": int64(2), "region": "south"}} {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	enc.Close()
	if _, err := lk.Put(ctx, "lake", "in/a.avro", bytes.NewReader(buf.Bytes()), lake.PutOptions{Size: int64(buf.Len())}); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.Exec(ctx, "CREATE TABLE t (id bigint, region varchar(8), note varchar(8))"); err != nil {
		t.Fatal(err)
	}
	root := access.Key{Name: "root", Root: true}
	res, err := runCopy(t, lk, wh, `COPY t FROM 's3://lake/in/a.avro' IAM_ROLE default FORMAT AS AVRO 'auto'`, root)
	if err != nil || res.Rows != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	rows, err := wh.Query(ctx, "SELECT count(*), sum(id), count(note) FROM t WHERE region IN ('north', 'south')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.Next()
	v, _ := rows.Values()
	if v[0] != int64(2) || v[2] != int64(0) {
		t.Fatalf("loaded: %v", v)
	}
	// A key without read on the bucket loads nothing.
	if _, err := runCopy(t, lk, wh, `COPY t FROM 's3://lake/in/a.avro' IAM_ROLE default FORMAT AS AVRO 'auto'`, access.Key{Name: "nobody"}); err == nil {
		t.Fatal("a key without read on the bucket loaded it")
	}
}

// foreignStore says its table's note column has a type tarn does not keep,
// as the PostgreSQL store says of a table made outside tarn.
type foreignStore struct{ warehouse.Store }

func (s foreignStore) Tables(ctx context.Context, schema string) ([]warehouse.Table, error) {
	ts, err := s.Store.Tables(ctx, schema)
	for i := range ts {
		for j := range ts[i].Columns {
			if ts[i].Columns[j].Name == "note" {
				ts[i].Columns[j].Foreign = "jsonb"
			}
		}
	}
	return ts, err
}

// COPY into a column of a type tarn does not keep is refused before any
// file is read; listing the other columns loads them.
func TestCopyForeignColumn(t *testing.T) {
	lk, wh := copyEnv(t)
	ctx := context.Background()
	if _, err := wh.Exec(ctx, "CREATE TABLE t (id bigint, note varchar(8))"); err != nil {
		t.Fatal(err)
	}
	body := "1\n2\n"
	if _, err := lk.Put(ctx, "lake", "in/a.txt", strings.NewReader(body), lake.PutOptions{Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	root := access.Key{Name: "root", Root: true}
	_, err := runCopy(t, lk, foreignStore{wh}, `COPY t FROM 's3://lake/in/a.txt' IAM_ROLE default`, root)
	if err == nil || !strings.Contains(err.Error(), `column "note" of relation "t" has type jsonb`) {
		t.Fatalf("COPY into a jsonb column: %v", err)
	}
	if res, err := runCopy(t, lk, foreignStore{wh}, `COPY t (id) FROM 's3://lake/in/a.txt' IAM_ROLE default`, root); err != nil || res.Rows != 2 {
		t.Fatalf("COPY of the other column: %+v %v", res, err)
	}
}

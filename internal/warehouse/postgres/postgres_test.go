package postgres

import (
	"context"
	"iter"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/catalog/postgres/pgtest"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/warehousetest"
)

func TestConformance(t *testing.T) {
	warehousetest.Run(t, func(t *testing.T) warehouse.Store { return openStore(t) })
}

// openStore opens a store on a database of the test's own.
func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(Options{DSN: pgtest.Database(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// connect opens a connection to a database of the test's own.
func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// One statement a call, whatever its text hides: a second one is refused,
// not run (in a transaction too).
func TestExecRunsOneStatement(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	if _, err := s.Exec(ctx, "CREATE TABLE public.a (x int)"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exec(ctx, "INSERT INTO public.a VALUES (1); DROP TABLE public.a"); err == nil {
		t.Fatal("two statements ran")
	}
	err := s.Tx(ctx, func(tx warehouse.Execer) error {
		_, err := tx.Exec(ctx, "INSERT INTO public.a VALUES (2); DROP TABLE public.a")
		return err
	})
	if err == nil {
		t.Fatal("two statements ran in a transaction")
	}
	if n, err := s.Exec(ctx, "INSERT INTO public.a VALUES (3)"); err != nil || n != 1 {
		t.Fatalf("one statement: %d, %v", n, err)
	}
}

// A table made outside tarn with types tarn does not keep lists with
// those columns read as text; it refuses loads that would write them, and
// the schema's other tables stay loadable.
func TestForeignColumns(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	for _, stmt := range []string{
		`CREATE TABLE public.ext (id int, u uuid, doc jsonb, tags int[], flag "char", n numeric)`,
		`INSERT INTO public.ext VALUES (1, '6f1c2a3e-0000-4000-8000-000000000001', '{"a": [1, 2]}', '{3,4}', 'y', 1.25)`,
		`CREATE TABLE public.mine (id int)`,
	} {
		if _, err := s.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	ts, err := s.Tables(ctx, "public")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tb := range ts {
		for _, c := range tb.Columns {
			got = append(got, tb.Name+"."+c.Name+" "+c.SQL()+" "+c.Foreign)
		}
	}
	want := `ext.id integer ,ext.u varchar uuid,ext.doc varchar jsonb,ext.tags varchar ARRAY,ext.flag varchar "char",ext.n varchar numeric,mine.id integer `
	if strings.Join(got, ",") != want {
		t.Fatalf("columns:\n%s\nwant\n%s", strings.Join(got, ","), want)
	}

	var vals []string
	for rec, err := range s.Read(ctx, "public", "ext", []string{"u", "doc", "tags", "flag", "n", "id"}) {
		if err != nil {
			t.Fatal(err)
		}
		for c := range int(rec.NumCols()) {
			vals = append(vals, rec.Column(c).ValueStr(0))
		}
		rec.Release()
	}
	if got, want := strings.Join(vals, "|"), `6f1c2a3e-0000-4000-8000-000000000001|{"a": [1, 2]}|{3,4}|y|1.25|1`; got != want {
		t.Errorf("read %s, want %s", got, want)
	}

	one := func(v ...any) iter.Seq2[[]any, error] {
		return func(yield func([]any, error) bool) { yield(v, nil) }
	}
	_, err = warehouse.LoadRows(ctx, s, warehouse.Target{Schema: "public", Table: "ext", Columns: []string{"id", "doc"}}, one(int32(2), `{}`))
	if err == nil || !strings.Contains(err.Error(), `column "doc" of relation "ext" has type jsonb`) {
		t.Errorf("load into a jsonb column: %v", err)
	}
	if n, err := warehouse.LoadRows(ctx, s, warehouse.Target{Schema: "public", Table: "ext", Columns: []string{"id"}}, one(int32(3))); err != nil || n != 1 {
		t.Errorf("load of the other columns: %d, %v", n, err)
	}
	if n, err := warehouse.LoadRows(ctx, s, warehouse.Target{Schema: "public", Table: "mine", Columns: []string{"id"}}, one(int32(4))); err != nil || n != 1 {
		t.Errorf("load into another table: %d, %v", n, err)
	}
}

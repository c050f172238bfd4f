// Package warehousetest is the conformance suite of the warehouse seam:
// every backend passes it.
package warehousetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/format"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// Run runs the suite; open returns an empty store for one subtest.
func Run(t *testing.T, open func(t *testing.T) warehouse.Store) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, warehouse.Store)
	}{
		{"Tables", tables},
		{"LoadQuery", loadQuery},
		{"LoadAllOrNothing", allOrNothing},
		{"ExecCounts", execCounts},
		{"NoTable", noTable},
		{"Unqualified", unqualified},
		{"Sealed", sealed},
		{"Tx", txs},
		{"Decimals", decimals},
		{"RoundTrip", roundTrip},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func exec(t *testing.T, s warehouse.Store, stmt string) int64 {
	t.Helper()
	n, err := s.Exec(ctx(t), stmt)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return n
}

const sales = `CREATE TABLE public.sales (id bigint, region varchar(16), amount numeric(10,2), qty integer, sold_at timestamp, day date, paid boolean)`

// CHAR is left out: the embedded warehouse keeps it as VARCHAR, without
// blank padding.
func tables(t *testing.T, s warehouse.Store) {
	exec(t, s, sales)
	exec(t, s, "CREATE SCHEMA archive")
	exec(t, s, "CREATE TABLE archive.old (id bigint)")
	ts, err := s.Tables(ctx(t), "public")
	if err != nil || len(ts) != 1 || ts[0].Schema != "public" || ts[0].Name != "sales" {
		t.Fatalf("tables of public: %+v %v", ts, err)
	}
	var got []string
	for _, c := range ts[0].Columns {
		got = append(got, c.Name+" "+kindName(c))
	}
	want := "[id bigint region varchar amount numeric(10,2) qty integer sold_at timestamp day date paid boolean]"
	if fmt.Sprint(got) != want {
		t.Fatalf("columns %v, want %s", got, want)
	}
	all, err := s.Tables(ctx(t), "")
	if err != nil || len(all) != 2 || all[0].Schema != "archive" || all[1].Schema != "public" {
		t.Fatalf("every table: %+v %v", all, err)
	}
}

// kindName is a column's type without the lengths a backend may not keep.
func kindName(c warehouse.Column) string {
	if c.Type.Kind == format.KindString {
		if c.Char {
			return "char"
		}
		return "varchar"
	}
	return c.SQL()
}

func rowsOf(vals ...[]any) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		for _, v := range vals {
			if !yield(v, nil) {
				return
			}
		}
	}
}

func query(t *testing.T, s warehouse.Store, stmt string) (cols []warehouse.Column, out [][]any) {
	t.Helper()
	rows, err := s.Query(ctx(t), stmt)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return rows.Columns(), out
}

func loadQuery(t *testing.T, s warehouse.Store) {
	exec(t, s, sales)
	at := time.Date(2026, 12, 6, 10, 30, 15, 250000000, time.UTC)
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	n, err := warehouse.LoadRows(ctx(t), s, warehouse.Target{Schema: "public", Table: "sales", Columns: []string{"id", "region", "amount", "qty", "sold_at", "day", "paid"}}, rowsOf(
		[]any{int64(1), "north", "12.50", int32(3), at, day, true},
		[]any{int64(2), nil, "-0.07", int32(-1), nil, nil, false},
	))
	if err != nil || n != 2 {
		t.Fatalf("load: %d %v", n, err)
	}
	// A subset of columns: the others are NULL.
	if n, err := warehouse.LoadRows(ctx(t), s, warehouse.Target{Schema: "public", Table: "sales", Columns: []string{"id"}}, rowsOf([]any{int64(3)})); err != nil || n != 1 {
		t.Fatalf("load some columns: %d %v", n, err)
	}
	cols, got := query(t, s, "SELECT id, region, amount, qty, sold_at, day, paid FROM public.sales ORDER BY id")
	if len(cols) != 7 || cols[2].Type.Kind != format.KindDecimal || cols[4].Type.Kind != format.KindTimestamp || cols[0].Name != "id" {
		t.Fatalf("columns %+v", cols)
	}
	want := fmt.Sprint([][]any{
		{int64(1), "north", "12.50", int32(3), at, day, true},
		{int64(2), nil, "-0.07", int32(-1), nil, nil, false},
		{int64(3), nil, nil, nil, nil, nil, nil},
	})
	if fmt.Sprint(got) != want {
		t.Fatalf("rows\n%v\nwant\n%v", got, want)
	}
	for i, v := range got[0] {
		if fmt.Sprintf("%T", v) != fmt.Sprintf("%T", [][]any{{int64(1), "", "", int32(3), at, day, true}}[0][i]) {
			t.Fatalf("column %d is %T", i, v)
		}
	}
}

func allOrNothing(t *testing.T, s warehouse.Store) {
	exec(t, s, "CREATE TABLE public.t (id bigint)")
	bad := func(yield func([]any, error) bool) {
		for i := range 1000 {
			if !yield([]any{int64(i)}, nil) {
				return
			}
		}
		yield(nil, errors.New("the file ends in the middle of a row"))
	}
	if _, err := warehouse.LoadRows(ctx(t), s, warehouse.Target{Schema: "public", Table: "t", Columns: []string{"id"}, Once: "f@1"}, bad); err == nil {
		t.Fatal("a load whose rows failed succeeded")
	}
	if _, got := query(t, s, "SELECT count(*) FROM public.t"); fmt.Sprint(got) != "[[0]]" {
		t.Fatalf("after a failed load: %v rows", got)
	}
	// A failed load is not in the ledger: it loads when tried again, once.
	target := warehouse.Target{Schema: "public", Table: "t", Columns: []string{"id"}, Once: "f@1"}
	if n, err := warehouse.LoadRows(ctx(t), s, target, rowsOf([]any{int64(1)}, []any{int64(2)})); err != nil || n != 2 {
		t.Fatalf("load again: %d %v", n, err)
	}
	if n, err := warehouse.LoadRows(ctx(t), s, target, rowsOf([]any{int64(1)}, []any{int64(2)})); !errors.Is(err, warehouse.ErrLoaded) || n != 0 {
		t.Fatalf("load a third time: %d %v, want ErrLoaded", n, err)
	}
	if _, got := query(t, s, "SELECT count(*) FROM public.t"); fmt.Sprint(got) != "[[2]]" {
		t.Fatalf("after loading once: %v rows", got)
	}
	if ts, err := s.Tables(ctx(t), ""); err != nil || len(ts) != 1 {
		t.Fatalf("the ledger is listed: %+v %v", ts, err)
	}
}

func execCounts(t *testing.T, s warehouse.Store) {
	exec(t, s, "CREATE TABLE public.t (id bigint, v varchar(8))")
	if n := exec(t, s, "INSERT INTO public.t VALUES (1, 'a'), (2, 'b'), (3, 'c')"); n != 3 {
		t.Fatalf("insert: %d", n)
	}
	if n := exec(t, s, "UPDATE public.t SET v = 'z' WHERE id >= 2"); n != 2 {
		t.Fatalf("update: %d", n)
	}
	if n := exec(t, s, "DELETE FROM public.t WHERE id = 1"); n != 1 {
		t.Fatalf("delete: %d", n)
	}
	if _, got := query(t, s, "SELECT id, v FROM public.t ORDER BY id"); fmt.Sprint(got) != "[[2 z] [3 z]]" {
		t.Fatalf("rows: %v", got)
	}
}

func noTable(t *testing.T, s warehouse.Store) {
	if _, err := warehouse.LoadRows(ctx(t), s, warehouse.Target{Schema: "public", Table: "missing", Columns: []string{"id"}}, rowsOf([]any{int64(1)})); !errors.Is(err, warehouse.ErrNoTable) {
		t.Errorf("load into a missing table: %v", err)
	}
	if _, err := s.Query(ctx(t), "SELECT * FROM public.missing"); !errors.Is(err, warehouse.ErrNoTable) {
		t.Errorf("query a missing table: %v", err)
	}
	if ts, err := s.Tables(ctx(t), "nosuchschema"); err != nil || len(ts) != 0 {
		t.Errorf("tables of a schema that is not there: %v %v", ts, err)
	}
}

// unqualified names are public's, as in Redshift.
func unqualified(t *testing.T, s warehouse.Store) {
	exec(t, s, "CREATE TABLE plain (id bigint)")
	exec(t, s, "INSERT INTO plain VALUES (7)")
	if _, got := query(t, s, "SELECT id FROM public.plain"); fmt.Sprint(got) != "[[7]]" {
		t.Fatalf("public.plain: %v", got)
	}
}

// sealed: a statement cannot read the server's files through the
// warehouse.
func sealed(t *testing.T, s warehouse.Store) {
	for _, stmt := range []string{"SELECT * FROM read_text('/etc/passwd')", "SELECT pg_read_file('/etc/passwd')", "SELECT * FROM read_csv('/etc/passwd')"} {
		if rows, err := s.Query(ctx(t), stmt); err == nil {
			ok := rows.Next()
			rows.Close()
			if ok {
				t.Errorf("%s: read", stmt)
			}
		}
	}
}

// txs: a transaction's statements commit together, or not at all.
func txs(t *testing.T, s warehouse.Store) {
	exec(t, s, "CREATE TABLE public.t (id bigint)")
	exec(t, s, "INSERT INTO public.t VALUES (1), (2), (3)")
	abort := errors.New("not this time")
	err := s.Tx(ctx(t), func(tx warehouse.Execer) error {
		if n, err := tx.Exec(ctx(t), "DELETE FROM public.t WHERE id < $1", 3); err != nil || n != 2 {
			t.Fatalf("delete in a transaction: %d %v", n, err)
		}
		return abort
	})
	if !errors.Is(err, abort) {
		t.Fatalf("Tx: %v, want fn's error", err)
	}
	if _, got := query(t, s, "SELECT count(*) FROM public.t"); fmt.Sprint(got) != "[[3]]" {
		t.Fatalf("after a rolled back transaction: %v", got)
	}
	if err := s.Tx(ctx(t), func(tx warehouse.Execer) error {
		if _, err := tx.Exec(ctx(t), "DELETE FROM public.t WHERE id < $1", 3); err != nil {
			return err
		}
		_, err := tx.Exec(ctx(t), "INSERT INTO public.t VALUES (10)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, got := query(t, s, "SELECT sum(id) FROM public.t"); fmt.Sprint(got) != "[[13]]" {
		t.Fatalf("after a committed transaction: %v", got)
	}
}

// decimals: Load takes Decimal values as well as text.
func decimals(t *testing.T, s warehouse.Store) {
	exec(t, s, "CREATE TABLE public.d (v numeric(10,2))")
	n, err := warehouse.LoadRows(ctx(t), s, warehouse.Target{Schema: "public", Table: "d", Columns: []string{"v"}}, rowsOf(
		[]any{warehouse.Decimal{Unscaled: big.NewInt(1250), Scale: 2}},
		[]any{warehouse.Decimal{Unscaled: big.NewInt(-5), Scale: 0}},
		[]any{"0.07"},
	))
	if err != nil || n != 3 {
		t.Fatalf("load: %d %v", n, err)
	}
	if _, got := query(t, s, "SELECT v FROM public.d ORDER BY v"); fmt.Sprint(got) != "[[-5.00] [0.07] [12.50]]" {
		t.Fatalf("decimals: %v", got)
	}
	// A value past the column's precision is refused, not wrapped.
	exec(t, s, "CREATE TABLE public.narrow (v numeric(4,2))")
	if _, err := warehouse.LoadRows(ctx(t), s, warehouse.Target{Schema: "public", Table: "narrow", Columns: []string{"v"}},
		rowsOf([]any{warehouse.Decimal{Small: 123456, Scale: 2}})); err == nil {
		_, got := query(t, s, "SELECT v FROM public.narrow")
		t.Fatalf("1234.56 loaded into numeric(4,2): %v", got)
	}
}

// roundTrip: every kind of value a load gives comes back as it went in,
// including text that needs quoting, empty text beside NULL, floats past
// the finite ones and decimals past 64 bits.
func roundTrip(t *testing.T, s warehouse.Store) {
	exec(t, s, "CREATE TABLE public.rt (n integer, s varchar, f double precision, r real, d numeric(12,2), big numeric(38,10), ts timestamp, tz timestamptz, day date, ok boolean, b bytea)")
	at := time.Date(2026, 12, 7, 10, 11, 12, 123456000, time.UTC)
	huge, _ := new(big.Int).SetString("-1234567890123456789012345678", 10)
	texts := []any{`a,b`, `say "hi"`, "two\nlines\r\n", "", nil, `\.`, `back\slash`, "ünï ✓", "tab\there", `"`}
	var rows [][]any
	for i, txt := range texts {
		rows = append(rows, []any{int32(i), txt, []float64{1.5e-300, math.Inf(1), math.Inf(-1), -0.1}[i%4], float32(3.25),
			warehouse.Decimal{Small: int64(-5 - i), Scale: 2}, warehouse.Decimal{Unscaled: huge, Scale: 10},
			at.Add(time.Duration(i) * time.Hour), at, at, i%2 == 0, []byte{0, 1, 0xfe, byte(i)}})
	}
	rows = append(rows, []any{int32(99), nil, math.NaN(), nil, nil, nil, nil, nil, nil, nil, nil})
	n, err := warehouse.LoadRows(ctx(t), s, warehouse.Target{Schema: "public", Table: "rt", Columns: []string{"n", "s", "f", "r", "d", "big", "ts", "tz", "day", "ok", "b"}}, rowsOf(rows...))
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("load: %d %v", n, err)
	}
	_, got := query(t, s, "SELECT n, s, f, r, d, big, ts, tz, day, ok, b FROM public.rt ORDER BY n")
	if len(got) != len(rows) {
		t.Fatalf("%d rows back, want %d", len(got), len(rows))
	}
	for i, want := range rows[:len(texts)] {
		g := got[i]
		if g[1] != want[1] {
			t.Errorf("row %d text: %q, want %q", i, g[1], want[1])
		}
		if fmt.Sprint(g[2]) != fmt.Sprint(want[2]) || fmt.Sprint(g[3]) != "3.25" {
			t.Errorf("row %d floats: %v %v, want %v 3.25", i, g[2], g[3], want[2])
		}
		if g[4] != fmt.Sprintf("-0.%02d", 5+i) || g[5] != "-123456789012345678.9012345678" {
			t.Errorf("row %d decimals: %v %v", i, g[4], g[5])
		}
		ts, _ := g[6].(time.Time)
		tz, _ := g[7].(time.Time)
		day, _ := g[8].(time.Time)
		if !ts.Equal(at.Add(time.Duration(i)*time.Hour)) || !tz.Equal(at) || day.Format(time.DateOnly) != "2026-12-07" {
			t.Errorf("row %d times: %v %v %v", i, g[6], g[7], g[8])
		}
		if g[9] != (i%2 == 0) || fmt.Sprint(g[10]) != fmt.Sprint([]byte{0, 1, 0xfe, byte(i)}) {
			t.Errorf("row %d bool, bytes: %v %v", i, g[9], g[10])
		}
	}
	last := got[len(got)-1]
	if f, ok := last[2].(float64); !ok || !math.IsNaN(f) || last[1] != nil || last[4] != nil || last[6] != nil || last[10] != nil {
		t.Errorf("NaN and NULLs: %v", last)
	}
	// Read gives the same values as batches.
	var read [][]any
	for rec, err := range s.Read(ctx(t), "public", "rt", []string{"n", "s", "f", "r", "d", "big", "ts", "tz", "day", "ok", "b"}) {
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		for i := range int(rec.NumRows()) {
			row := make([]any, rec.NumCols())
			for j, a := range rec.Columns() {
				row[j] = warehouse.Value(a, i)
			}
			read = append(read, row)
		}
		rec.Release()
	}
	slices.SortFunc(read, func(a, b []any) int { return int(a[0].(int32) - b[0].(int32)) })
	if len(read) != len(got) {
		t.Fatalf("read %d rows, queried %d", len(read), len(got))
	}
	for i := range got {
		for j := range got[i] {
			if a, b := same(read[i][j]), same(got[i][j]); a != b {
				t.Errorf("row %d column %d: read %s, queried %s", i, j, a, b)
			}
		}
	}
	// Stopping early ends the read.
	for range s.Read(ctx(t), "public", "rt", []string{"n"}) {
		break
	}
}

// same spells a value so that Read's and Query's compare.
func same(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case warehouse.Decimal:
		return x.String()
	}
	return fmt.Sprint(v)
}

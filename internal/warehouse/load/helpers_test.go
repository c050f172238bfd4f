package load

import (
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/format"
)

// Column shorthands for the tables.
func intCol(n string) Column   { return Column{Name: n, Type: format.Type{Kind: format.KindInt}} }
func bigCol(n string) Column   { return Column{Name: n, Type: format.Type{Kind: format.KindBigint}} }
func smallCol(n string) Column { return Column{Name: n, Type: format.Type{Kind: format.KindSmallint}} }
func tinyCol(n string) Column  { return Column{Name: n, Type: format.Type{Kind: format.KindTinyint}} }
func boolCol(n string) Column  { return Column{Name: n, Type: format.Type{Kind: format.KindBoolean}} }
func realCol(n string) Column  { return Column{Name: n, Type: format.Type{Kind: format.KindFloat}} }
func dblCol(n string) Column   { return Column{Name: n, Type: format.Type{Kind: format.KindDouble}} }
func dateCol(n string) Column  { return Column{Name: n, Type: format.Type{Kind: format.KindDate}} }
func tsCol(n string) Column    { return Column{Name: n, Type: format.Type{Kind: format.KindTimestamp}} }
func tstzCol(n string) Column {
	return Column{Name: n, Type: format.Type{Kind: format.KindTimestamp}, TZ: true}
}
func binCol(n string) Column { return Column{Name: n, Type: format.Type{Kind: format.KindBinary}} }
func strCol(n string) Column { return Column{Name: n, Type: format.Type{Kind: format.KindString}} }
func vcCol(n string, l int) Column {
	return Column{Name: n, Type: format.Type{Kind: format.KindString}, MaxLen: l}
}
func charCol(n string, l int) Column {
	return Column{Name: n, Type: format.Type{Kind: format.KindString}, MaxLen: l, Char: true}
}
func decCol(n string, p, s int) Column {
	return Column{Name: n, Type: format.Type{Kind: format.KindDecimal, Precision: p, Scale: s}}
}

func sp(s string) *string { return &s }

// dec builds the Decimal a test expects from its spelling.
func dec(s string, scale int) Decimal {
	u, ok := new(big.Int).SetString(strings.Replace(s, ".", "", 1), 10)
	if !ok {
		panic(s)
	}
	return Decimal{Unscaled: u, Scale: scale}
}

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func at(y, m, d, h, mi, s, us int) time.Time {
	return time.Date(y, time.Month(m), d, h, mi, s, us*1000, time.UTC)
}

// read runs Read and copies the rows out, failing on err.
func read(t *testing.T, in string, cols []Column, o Options) ([][]any, []LoadError) {
	t.Helper()
	var rows [][]any
	n, bad, err := Read(strings.NewReader(in), "s3://b/f.txt", cols, o, func(r []any) error {
		rows = append(rows, append([]any(nil), r...))
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if n != int64(len(rows)) {
		t.Fatalf("Read counted %d rows, emitted %d", n, len(rows))
	}
	return rows, bad
}

// equalRows compares rows, Decimals by value.
func equalRows(a, b [][]any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			x, y := a[i][j], b[i][j]
			if dx, ok := x.(Decimal); ok {
				dy, ok := y.(Decimal)
				if !ok || dx.Scale != dy.Scale || dx.Int().Cmp(dy.Int()) != 0 {
					return false
				}
				continue
			}
			if tx, ok := x.(time.Time); ok {
				ty, ok := y.(time.Time)
				if !ok || !tx.Equal(ty) || ty.Location() != time.UTC {
					return false
				}
				continue
			}
			if !reflect.DeepEqual(x, y) {
				return false
			}
		}
	}
	return true
}

// row is a shorthand for one expected row.
func row(v ...any) []any { return v }

// errCodes lists the codes of the errors, for tables that check only them.
func errCodes(bad []LoadError) []int {
	var c []int
	for _, e := range bad {
		c = append(c, e.ErrCode)
	}
	return c
}

// fileCase is one file read with one option set.
type fileCase struct {
	name  string
	in    string
	cols  []Column
	opts  Options
	want  [][]any
	bad   []int   // the codes of the rejected rows, in order
	lines []int64 // and their line numbers, when the case checks them
}

func runCases(t *testing.T, cases []fileCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, bad := read(t, tc.in, tc.cols, tc.opts)
			if !equalRows(rows, tc.want) {
				t.Errorf("rows\n got %#v\nwant %#v", rows, tc.want)
			}
			if !reflect.DeepEqual(errCodes(bad), tc.bad) {
				t.Errorf("error codes %v, want %v (%+v)", errCodes(bad), tc.bad, bad)
			}
			if tc.lines != nil {
				var got []int64
				for _, e := range bad {
					got = append(got, e.LineNumber)
				}
				if !reflect.DeepEqual(got, tc.lines) {
					t.Errorf("error lines %v, want %v", got, tc.lines)
				}
			}
		})
	}
}

func formatArray() format.Type {
	e := format.Type{Kind: format.KindInt}
	return format.Type{Kind: format.KindArray, Elem: &e}
}

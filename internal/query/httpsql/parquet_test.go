package httpsql

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/tarnlake/tarn/internal/engine"
	"github.com/tarnlake/tarn/internal/query"
)

// readParquet reads a whole Parquet file: its schema's leaf columns and
// its row groups' rows.
func readParquet(b []byte) (*parquet.File, [][]parquet.Row, error) {
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, err
	}
	var groups [][]parquet.Row
	for _, rg := range f.RowGroups() {
		rows := make([]parquet.Row, rg.NumRows())
		r := rg.Rows()
		n, err := r.ReadRows(rows)
		r.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		if n != len(rows) {
			return nil, nil, errors.New("row group is short of rows")
		}
		groups = append(groups, rows)
	}
	return f, groups, nil
}

// decodeParquet is a Parquet answer as the format-blind tests see it.
func decodeParquet(b []byte) (decoded, error) {
	f, groups, err := readParquet(b)
	if err != nil {
		return decoded{}, err
	}
	var d decoded
	fields := f.Schema().Fields()
	for _, c := range fields {
		d.names = append(d.names, c.Name())
	}
	for _, rows := range groups {
		d.batches = append(d.batches, len(rows))
		for _, r := range rows {
			row := make([]string, len(fields))
			for j, v := range r {
				row[j] = parquetText(fields[j].Type(), v)
			}
			d.rows = append(d.rows, row)
		}
	}
	return d, nil
}

// parquetText shows a value by its column's logical type.
func parquetText(typ parquet.Type, v parquet.Value) string {
	if v.IsNull() {
		return null
	}
	var lt any
	if l := typ.LogicalType(); l != nil {
		lt = l.Value
	}
	switch lt := lt.(type) {
	case *format.DateType:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly)
	case *format.TimeType:
		return time.UnixMicro(v.Int64()).UTC().Format("15:04:05.999999")
	case *format.TimestampType:
		t := time.UnixMicro(v.Int64())
		if _, ok := lt.Unit.Value.(*format.NanoSeconds); ok {
			t = time.Unix(0, v.Int64())
		}
		return t.UTC().Format(time.RFC3339Nano)
	case *format.DecimalType:
		n := new(big.Int)
		switch v.Kind() {
		case parquet.Int32:
			n.SetInt64(int64(v.Int32()))
		case parquet.Int64:
			n.SetInt64(v.Int64())
		default:
			b := v.ByteArray()
			n.SetUint64(binary.BigEndian.Uint64(b[8:]))
			n.Add(n, new(big.Int).Lsh(big.NewInt(int64(binary.BigEndian.Uint64(b[:8]))), 64))
		}
		return query.Decimal{Value: n.String(), Scale: int(lt.Scale)}.String()
	case *format.IntType:
		switch {
		case lt.IsSigned && lt.BitWidth == 64:
			return strconv.FormatInt(v.Int64(), 10)
		case lt.IsSigned:
			return strconv.FormatInt(int64(v.Int32()), 10)
		case lt.BitWidth == 64:
			return strconv.FormatUint(uint64(v.Int64()), 10)
		default:
			return strconv.FormatUint(uint64(uint32(v.Int32())), 10)
		}
	}
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	case parquet.Float:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64)
	}
	return v.String()
}

// parquetTypeName is a leaf's logical type, or its physical one.
func parquetTypeName(typ parquet.Type) string {
	if lt := typ.LogicalType(); lt != nil && lt.Value != nil {
		return lt.String()
	}
	return typ.Kind().String()
}

func TestParquetTypes(t *testing.T) {
	srv := serve(t, openEngine(t))
	a := post(t, srv, "parquet", typesSQL())
	if a.status != 200 || a.readErr != nil {
		t.Fatalf("answer %d (%v): %s", a.status, a.readErr, a.body)
	}
	if a.contentType != "application/vnd.apache.parquet" {
		t.Errorf("Content-Type %q", a.contentType)
	}
	f, groups, err := readParquet(a.body)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || len(groups[0]) != 2 || len(f.Schema().Fields()) != len(typeCases) {
		t.Fatalf("%d row groups, want 1 of 2 rows × %d columns", len(groups), len(typeCases))
	}
	for i, c := range typeCases {
		t.Run(c.name, func(t *testing.T) {
			field := f.Schema().Fields()[i]
			if field.Name() != c.name || !field.Optional() || parquetTypeName(field.Type()) != c.parquetType {
				t.Errorf("column %s %s optional=%t, want %s %s optional", field.Name(), parquetTypeName(field.Type()), field.Optional(), c.name, c.parquetType)
			}
			if got := parquetText(field.Type(), groups[0][0][i]); got != c.parquetValue {
				t.Errorf("value %q, want %q", got, c.parquetValue)
			}
			if got := parquetText(field.Type(), groups[0][1][i]); got != null {
				t.Errorf("NULL came back as %q", got)
			}
		})
	}
}

// DuckDB, another reader, reads the Parquet answer back to the values
// and types of the statement, but for those sent as text.
func TestParquetReadByDuckDB(t *testing.T) {
	eng := openEngine(t)
	a := post(t, serve(t, eng), "parquet", typesSQL())
	if a.status != 200 || a.readErr != nil {
		t.Fatalf("answer %d (%v): %s", a.status, a.readErr, a.body)
	}
	path := filepath.Join(t.TempDir(), "answer.parquet")
	if err := os.WriteFile(path, a.body, 0o644); err != nil {
		t.Fatal(err)
	}
	wantCols, want := queryText(t, eng, typesSQL())
	// Plain DuckDB reads the file: sessions may read only the lake.
	ref, err := engine.OpenReference()
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	gotCols, got := queryText(t, refEngine{ref}, fmt.Sprintf("SELECT * FROM read_parquet('%s')", path))
	for i, c := range wantCols {
		if node, _ := parquetColumn(c.Type); parquetTypeName(node.Type()) == "STRING" {
			c.Type = query.Type{Kind: query.KindVarchar}
		}
		if !reflect.DeepEqual(gotCols[i], c) {
			t.Errorf("column %v, want %v", gotCols[i], c)
		}
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
}

// queryText runs a statement on the engine and answers its columns and
// its rows as CSV has them.
func queryText(t *testing.T, eng query.Engine, sql string) ([]query.Column, [][]string) {
	t.Helper()
	ctx := context.Background()
	s, err := eng.Session(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.Query(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Rows.Close()
	var rows [][]string
	for res.Rows.Next() {
		row := make([]string, len(res.Rows.Values()))
		for i, v := range res.Rows.Values() {
			row[i] = textValue(v)
		}
		rows = append(rows, row)
	}
	if err := res.Rows.Err(); err != nil {
		t.Fatal(err)
	}
	return res.Rows.Columns(), rows
}

// refEngine runs statements in plain DuckDB (engine.Reference).
type refEngine struct{ ref *engine.Reference }

func (r refEngine) Session(context.Context, string) (query.Session, error) { return r, nil }
func (r refEngine) Query(ctx context.Context, sql string, _ ...any) (query.Result, error) {
	rows, err := r.ref.Query(ctx, sql)
	return query.Result{Rows: rows, Tag: "SELECT"}, err
}
func (r refEngine) Describe(context.Context, string) (int, []query.Column, error) {
	return 0, nil, errors.New("not described")
}
func (r refEngine) Close() error { return nil }

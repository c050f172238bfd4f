package load

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// pqFile writes rows (a map each) with the schema of g, whose fields
// parquet-go orders by name. A nil row ends a row group.
func pqFile(t testing.TB, g parquet.Group, rows ...map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, parquet.NewSchema("t", g))
	for _, r := range rows {
		if r == nil {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readPQ runs ReadParquet and copies the rows out.
func readPQ(data []byte, cols []Column) ([][]any, []LoadError, error) {
	var rows [][]any
	n, bad, err := ReadParquet(bytes.NewReader(data), int64(len(data)), "s3://b/f.parquet", cols, func(r []any) error {
		rows = append(rows, append([]any(nil), r...))
		return nil
	})
	if n != int64(len(rows)) {
		panic("row count")
	}
	return rows, bad, err
}

// twos is v's big-endian two's complement in n bytes.
func twos(v int64, n int) []byte {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

type pqNested struct {
	A []int32           `parquet:"a,list"`
	B map[string]*int64 `parquet:"b,optional"`
	C *pqInner          `parquet:"c,optional"`
	D []*pqKV           `parquet:"d,list"`
}

type pqInner struct {
	X int32     `parquet:"x"`
	Y *string   `parquet:"y,optional"`
	Z []*string `parquet:"z,list"`
}

type pqKV struct {
	K string `parquet:"k"`
}

func ptr[T any](v T) *T { return &v }

// pqStructs writes rows of a struct type, in its fields' order.
func pqStructs[T any](t testing.TB, rows ...T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func int96(t time.Time) deprecated.Int96 {
	day := t.Unix()/86400 + 2440588
	ns := uint64(t.Sub(time.Unix(t.Unix()/86400*86400, 0)))
	return deprecated.Int96{uint32(ns), uint32(ns >> 32), uint32(day)}
}

func TestParquet(t *testing.T) {
	i32, i64 := parquet.Int(32), parquet.Int(64)
	opt := parquet.Optional
	str := parquet.String()
	type tc struct {
		name string
		file []byte
		cols []Column
		want [][]any
		err  error // ErrLoadFailed or ErrBadFile, when the COPY fails
		msg  string
		bad  []int // the failing value's code
	}
	cases := []tc{
		{name: "types in order",
			file: pqFile(t, parquet.Group{"a": i32, "b": str, "c": i64, "d": parquet.Leaf(parquet.DoubleType),
				"e": parquet.Leaf(parquet.BooleanType), "f": parquet.Leaf(parquet.FloatType), "g": parquet.Int(16)},
				map[string]any{"a": int32(1), "b": "héllo", "c": int64(1) << 40, "d": 1.5, "e": true, "f": float32(2.25), "g": int16(-7)},
				map[string]any{"a": int32(-2), "b": "", "c": int64(-1), "d": math.Inf(-1), "e": false, "f": float32(0), "g": int16(300)}),
			cols: []Column{intCol("id"), vcCol("name", 10), bigCol("big"), dblCol("d"), boolCol("ok"), realCol("r"), smallCol("s")},
			want: [][]any{
				row(int32(1), "héllo", int64(1)<<40, 1.5, true, float32(2.25), int16(-7)),
				row(int32(-2), "", int64(-1), math.Inf(-1), false, float32(0), int16(300))}},
		{name: "nulls",
			file: pqFile(t, parquet.Group{"a": opt(i32), "b": opt(str), "c": opt(parquet.Date()), "d": opt(parquet.Decimal(2, 9, parquet.Int32Type))},
				map[string]any{"a": nil, "b": nil, "c": nil, "d": nil},
				map[string]any{"a": int32(5), "b": "x", "c": int32(1), "d": int32(150)}),
			cols: []Column{intCol("a"), strCol("b"), dateCol("c"), decCol("d", 9, 2)},
			want: [][]any{row(nil, nil, nil, nil), row(int32(5), "x", day(1970, 1, 2), dec("1.50", 2))}},
		{name: "decimals of every backing",
			file: pqFile(t, parquet.Group{
				"a": parquet.Decimal(2, 9, parquet.Int32Type),
				"b": parquet.Decimal(3, 18, parquet.Int64Type),
				"c": parquet.Decimal(4, 20, parquet.FixedLenByteArrayType(9)),
				"d": parquet.Decimal(2, 38, parquet.ByteArrayType),
				"e": parquet.Decimal(0, 18, parquet.Int64Type),
				"f": parquet.Decimal(2, 9, parquet.Int32Type)},
				map[string]any{"a": int32(-12345), "b": int64(1234567), "c": twos(-98765432, 9), "d": twos(123456789012, 6), "e": int64(42), "f": int32(-250)}),
			cols: []Column{decCol("a", 10, 4), decCol("b", 10, 2), decCol("c", 12, 2), decCol("d", 38, 2), intCol("e"), dblCol("f")},
			// scaled up, cut down (1234.567 → 1234.56, -9876.5432 → -9876.54), as COPY truncates
			want: [][]any{row(dec("-123.4500", 4), dec("1234.56", 2), dec("-9876.54", 2), dec("1234567890.12", 2), int32(42), -2.5)}},
		{name: "big fixed decimal",
			file: pqFile(t, parquet.Group{"a": parquet.Decimal(2, 38, parquet.FixedLenByteArrayType(16))},
				map[string]any{"a": new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), bigPow10(37)).FillBytes(make([]byte, 16))},
				map[string]any{"a": bigPow10(38).FillBytes(make([]byte, 16))}),
			cols: []Column{decCol("a", 38, 2)}, want: [][]any{row(dec("-1"+strings.Repeat("0", 35)+".00", 2))},
			err: ErrLoadFailed, bad: []int{CodeOutOfRange}},
		{name: "decimal overflow fails the COPY",
			file: pqFile(t, parquet.Group{"a": parquet.Decimal(0, 18, parquet.Int64Type)},
				map[string]any{"a": int64(99)}, map[string]any{"a": int64(1e12)}),
			cols: []Column{decCol("a", 10, 2)}, want: [][]any{row(dec("99.00", 2))}, err: ErrLoadFailed, bad: []int{CodeOutOfRange}},
		{name: "timestamps with and without UTC adjustment",
			file: pqFile(t, parquet.Group{
				"a": parquet.TimestampAdjusted(parquet.Millisecond, true),
				"b": parquet.TimestampAdjusted(parquet.Microsecond, false),
				"c": parquet.TimestampAdjusted(parquet.Nanosecond, true),
				"d": parquet.TimestampAdjusted(parquet.Microsecond, true),
				"e": parquet.Date(),
				"f": parquet.Leaf(parquet.Int96Type)},
				map[string]any{
					"a": time.Date(2020, 1, 2, 3, 4, 5, 678e6, time.UTC),
					"b": time.Date(1969, 12, 31, 23, 59, 59, 999999e3, time.UTC),
					"c": time.Date(2021, 6, 7, 8, 9, 10, 123456789, time.UTC),
					"d": time.Date(2022, 3, 4, 5, 6, 7, 8e3, time.UTC),
					"e": int32(-1),
					"f": int96(time.Date(2010, 10, 10, 10, 10, 10, 10000, time.UTC))}),
			cols: []Column{tsCol("a"), tsCol("b"), tstzCol("c"), dateCol("d"), tsCol("e"), tsCol("f")},
			want: [][]any{row(at(2020, 1, 2, 3, 4, 5, 678000), at(1969, 12, 31, 23, 59, 59, 999999), at(2021, 6, 7, 8, 9, 10, 123456),
				day(2022, 3, 4), day(1969, 12, 31), at(2010, 10, 10, 10, 10, 10, 10))}},
		{name: "nested into varchar as JSON",
			file: pqStructs(t,
				pqNested{A: []int32{1, 2, 3}, B: map[string]*int64{"k": ptr(int64(1)), "n": nil},
					C: &pqInner{X: 7, Y: ptr("q\"t"), Z: []*string{ptr("a"), nil}}, D: []*pqKV{{K: "v"}, nil}},
				pqNested{A: []int32{}}),
			cols: []Column{strCol("a"), strCol("b"), strCol("c"), strCol("d")},
			want: [][]any{
				row("[1,2,3]", `{"k":1,"n":null}`, `{"x":7,"y":"q\"t","z":["a",null]}`, `[{"k":"v"},null]`),
				row("[]", nil, nil, "[]")}},
		{name: "nested into an integer fails before any row",
			file: pqFile(t, parquet.Group{"a": parquet.List(i32)}, map[string]any{"a": []int32{1}}),
			cols: []Column{intCol("a")}, err: ErrLoadFailed, msg: "incompatible Parquet schema for column 'a'. Column type: int4, Parquet schema: required group a (LIST)"},
		{name: "too few columns in the file",
			file: pqFile(t, parquet.Group{"a": i32}, map[string]any{"a": int32(1)}),
			cols: []Column{intCol("a"), intCol("b")}, err: ErrLoadFailed, msg: "Table columns: 2, Data columns: 1"},
		{name: "too many columns in the file",
			file: pqFile(t, parquet.Group{"a": i32, "b": i32, "c": i32}, map[string]any{"a": int32(1), "b": int32(2), "c": int32(3)}),
			cols: []Column{intCol("a"), intCol("b")}, err: ErrLoadFailed, msg: "Table columns: 2, Data columns: 3"},
		{name: "by order, not by name",
			file: pqFile(t, parquet.Group{"x": str, "y": i32}, map[string]any{"x": "a", "y": int32(1)}),
			cols: []Column{strCol("y"), intCol("x")}, want: [][]any{row("a", int32(1))}},
		{name: "string too long fails the COPY",
			file: pqFile(t, parquet.Group{"a": str}, map[string]any{"a": "ok"}, map[string]any{"a": "toolong"}, map[string]any{"a": "no"}),
			cols: []Column{vcCol("a", 3)}, want: [][]any{row("ok")}, err: ErrLoadFailed, bad: []int{CodeOutOfRange}},
		{name: "integer out of range",
			file: pqFile(t, parquet.Group{"a": i64}, map[string]any{"a": int64(1) << 31}),
			cols: []Column{intCol("a")}, err: ErrLoadFailed, bad: []int{CodeIntegerOverflow}},
		{name: "unsigned past bigint",
			file: pqFile(t, parquet.Group{"a": parquet.Uint(64), "b": parquet.Uint(32)}, map[string]any{"a": uint64(1) << 63, "b": uint32(1) << 31}),
			cols: []Column{bigCol("a"), bigCol("b")}, err: ErrLoadFailed, bad: []int{CodeIntegerOverflow}},
		{name: "unsigned in range",
			file: pqFile(t, parquet.Group{"a": parquet.Uint(64), "b": parquet.Uint(32)}, map[string]any{"a": uint64(7), "b": uint32(1) << 31}),
			cols: []Column{bigCol("a"), bigCol("b")}, want: [][]any{row(int64(7), int64(1)<<31)}},
		{name: "invalid UTF-8",
			file: pqFile(t, parquet.Group{"a": str}, map[string]any{"a": "a\xff"}),
			cols: []Column{strCol("a")}, err: ErrLoadFailed, bad: []int{CodeBadUTF8}},
		{name: "strings by the text rules",
			file: pqFile(t, parquet.Group{"a": str, "b": str, "c": str, "d": str},
				map[string]any{"a": "42", "b": "2020-01-02", "c": "t", "d": "12.345"}),
			cols: []Column{intCol("a"), dateCol("b"), boolCol("c"), decCol("d", 5, 2)},
			want: [][]any{row(int32(42), day(2020, 1, 2), true, dec("12.34", 2))}},
		{name: "string not a number fails",
			file: pqFile(t, parquet.Group{"a": str}, map[string]any{"a": "x1"}),
			cols: []Column{intCol("a")}, err: ErrLoadFailed, bad: []int{CodeInvalidDigit}},
		{name: "scalars into varchar",
			file: pqFile(t, parquet.Group{"a": i64, "b": parquet.Decimal(2, 9, parquet.Int32Type), "c": parquet.Leaf(parquet.BooleanType),
				"d": parquet.TimestampAdjusted(parquet.Microsecond, true), "e": parquet.UUID(), "f": parquet.Enum(), "g": parquet.JSON()},
				map[string]any{"a": int64(-5), "b": int32(5), "c": true, "d": time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC),
					"e": [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}, "f": "RED", "g": `{"a":1}`}),
			cols: []Column{strCol("a"), strCol("b"), strCol("c"), strCol("d"), strCol("e"), strCol("f"), strCol("g")},
			want: [][]any{row("-5", "0.05", "true", "2020-01-02 03:04:05.000006", "12345678-9abc-def0-0102-030405060708", "RED", `{"a":1}`)}},
		{name: "bytes into varbyte, char blanks",
			file: pqFile(t, parquet.Group{"a": parquet.Leaf(parquet.ByteArrayType), "b": str, "c": str},
				map[string]any{"a": []byte{0, 1, 255}, "b": "ab", "c": "xy  "}),
			cols: []Column{binCol("a"), binCol("b"), charCol("c", 2)},
			want: [][]any{row([]byte{0, 1, 255}, []byte("ab"), "xy")}},
		{name: "boolean into an integer is refused",
			file: pqFile(t, parquet.Group{"a": parquet.Leaf(parquet.BooleanType)}, map[string]any{"a": true}),
			cols: []Column{intCol("a")}, err: ErrLoadFailed, msg: "Parquet schema: required boolean a"},
		{name: "float into real overflows",
			file: pqFile(t, parquet.Group{"a": parquet.Leaf(parquet.DoubleType)}, map[string]any{"a": 1e300}),
			cols: []Column{realCol("a")}, err: ErrLoadFailed, bad: []int{CodeOutOfRange}},
		{name: "row groups",
			file: pqFile(t, parquet.Group{"a": i32}, map[string]any{"a": int32(1)}, nil, map[string]any{"a": int32(2)}, map[string]any{"a": int32(3)}, nil),
			cols: []Column{intCol("a")}, want: [][]any{row(int32(1)), row(int32(2)), row(int32(3))}},
		{name: "no rows",
			file: pqFile(t, parquet.Group{"a": i32}),
			cols: []Column{intCol("a")}},
		{name: "not parquet", file: []byte("a,b\n1,2\n"), cols: []Column{intCol("a")}, err: ErrBadFile},
		{name: "empty", file: nil, cols: []Column{intCol("a")}, err: ErrBadFile},
		{name: "footer too long", file: []byte("PAR1\x00\x00\x00\x00\xff\xff\x00\x00PAR1"), cols: []Column{intCol("a")}, err: ErrBadFile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, bad, err := readPQ(tc.file, tc.cols)
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
				t.Errorf("err %v, want it to say %q", err, tc.msg)
			}
			if !equalRows(rows, tc.want) {
				t.Errorf("rows\n got %#v\nwant %#v", rows, tc.want)
			}
			if !reflect.DeepEqual(errCodes(bad), tc.bad) {
				t.Errorf("error codes %v, want %v (%+v)", errCodes(bad), tc.bad, bad)
			}
		})
	}
}

func TestParquetLoadError(t *testing.T) {
	file := pqFile(t, parquet.Group{"a": parquet.Int(32), "b": parquet.String()},
		map[string]any{"a": int32(1), "b": "ok"}, map[string]any{"a": int32(2), "b": "toolong"})
	_, bad, err := readPQ(file, []Column{intCol("id"), vcCol("name", 3)})
	if !errors.Is(err, ErrLoadFailed) {
		t.Fatalf("err %v", err)
	}
	want := []LoadError{{Filename: "s3://b/f.parquet", LineNumber: 2, ColName: "name", Type: "varchar", ColLength: "3",
		RawLine: "2|toolong", RawFieldValue: "toolong", ErrCode: CodeOutOfRange, ErrReason: "String length exceeds DDL length"}}
	if !reflect.DeepEqual(bad, want) {
		t.Errorf("got  %+v\nwant %+v", bad, want)
	}
}

func TestParquetBadColumns(t *testing.T) {
	file := pqFile(t, parquet.Group{"a": parquet.Int(32)}, map[string]any{"a": int32(1)})
	if _, _, err := readPQ(file, nil); !errors.Is(err, ErrOptions) {
		t.Errorf("no columns: %v", err)
	}
	if _, _, err := readPQ(file, []Column{{Name: "a", Type: formatArray()}}); !errors.Is(err, ErrOptions) {
		t.Errorf("array column: %v", err)
	}
}

func TestParquetEmitError(t *testing.T) {
	file := pqFile(t, parquet.Group{"a": parquet.Int(32)}, map[string]any{"a": int32(1)}, map[string]any{"a": int32(2)})
	stop := errors.New("stop")
	n, _, err := ReadParquet(bytes.NewReader(file), int64(len(file)), "f", []Column{intCol("a")}, func([]any) error { return stop })
	if err != stop || n != 1 {
		t.Errorf("n %d, err %v", n, err)
	}
}

// Every truncation of a good file is refused without a panic.
func TestParquetTruncated(t *testing.T) {
	file := pqFile(t, parquet.Group{"a": parquet.Int(32), "b": parquet.Optional(parquet.String()), "c": parquet.List(parquet.Int(64))},
		map[string]any{"a": int32(1), "b": "x", "c": []int64{1, 2}}, map[string]any{"a": int32(2), "b": nil, "c": nil})
	cols := []Column{intCol("a"), strCol("b"), strCol("c")}
	for n := range len(file) {
		if _, _, err := readPQ(file[:n], cols); err == nil {
			t.Errorf("%d bytes: no error", n)
		}
	}
	for i := range file {
		b := bytes.Clone(file)
		b[i] ^= 0xff
		_, _, _ = readPQ(b, cols)
	}
}

// A page header that claims 2 GB must not have parquet-go allocate them,
// and a row group whose columns hold fewer rows than it says is refused.
func TestParquetHostileSizes(t *testing.T) {
	f := pqFile(t, parquet.Group{"a": parquet.Int(32)}, map[string]any{"a": int32(1)})
	// The first page header follows "PAR1": type, uncompressed size, then
	// the compressed size, which becomes 2^31-1.
	if !bytes.Equal(f[4:10], []byte{0x15, 0x06, 0x15, 0x08, 0x15, 0x08}) {
		t.Skipf("unexpected page header % x", f[4:10])
	}
	g := append(append(bytes.Clone(f[:8]), 0x15, 0xfe, 0xff, 0xff, 0xff, 0x0f), f[10:]...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := readPQ(g, []Column{intCol("a")})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrBadFile) {
		t.Errorf("err %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Errorf("allocated %d MB", n>>20)
	}
}

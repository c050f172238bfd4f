package load

import (
	"bytes"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/hamba/avro/v2/ocf"
	"github.com/parquet-go/parquet-go"

	"github.com/tarnlake/tarn/internal/format"
)

// columnarKinds are the columns the fuzz targets pick from.
var columnarKinds = []Column{
	intCol("c"), vcCol("c", 8), decCol("c", 6, 2), dateCol("c"), tstzCol("c"), boolCol("c"),
	dblCol("c"), charCol("c", 3), binCol("c"), tinyCol("c"), bigCol("c"), realCol("c"),
	strCol("c"), tsCol("c"), smallCol("c"), decCol("c", 38, 10),
}

// fuzzColumns picks n columns by four bits each of kinds.
func fuzzColumns(n int, kinds uint64, names []string) []Column {
	cols := make([]Column, n)
	for i := range cols {
		cols[i] = columnarKinds[kinds>>(4*i)&15]
		cols[i].Name = names[i%len(names)]
	}
	return cols
}

// colFits says v is of a type a column of kind k holds.
func colFits(k format.Kind, v any) bool {
	switch v.(type) {
	case string:
		return k == format.KindString
	case int16:
		return k == format.KindTinyint || k == format.KindSmallint
	case int32:
		return k == format.KindInt
	case int64:
		return k == format.KindBigint
	case bool:
		return k == format.KindBoolean
	case float32:
		return k == format.KindFloat
	case float64:
		return k == format.KindDouble
	case Decimal:
		return k == format.KindDecimal
	case time.Time:
		return k == format.KindDate || k == format.KindTimestamp
	case []byte:
		return k == format.KindBinary
	}
	return false
}

// checkColumnar checks what holds for any input: no error but the file's
// or the load's, rows of the columns' types, errors within
// STL_LOAD_ERRORS' widths.
func checkColumnar(t *testing.T, cols []Column, read func(emit func([]any) error) (int64, []LoadError, error), errs ...error) {
	var rows int64
	n, bad, err := read(func(r []any) error {
		rows++
		if len(r) != len(cols) {
			t.Fatalf("row of %d values", len(r))
		}
		for i, v := range r {
			if v == nil {
				continue
			}
			if !colFits(cols[i].Type.Kind, v) {
				t.Fatalf("column %d (%s) got %T", i, cols[i].Type, v)
			}
			if s, ok := v.(string); ok && cols[i].MaxLen > 0 && len(s) > cols[i].MaxLen {
				t.Fatalf("column %d: %q is longer than %d", i, s, cols[i].MaxLen)
			}
			if d, ok := v.(Decimal); ok && d.Scale != cols[i].Type.Scale {
				t.Fatalf("column %d: decimal of scale %d", i, d.Scale)
			}
		}
		return nil
	})
	if err != nil {
		known := false
		for _, e := range errs {
			known = known || errors.Is(err, e)
		}
		if !known {
			t.Fatalf("unexpected error %v", err)
		}
	}
	if n != rows {
		t.Fatalf("counted %d, emitted %d", n, rows)
	}
	for _, e := range bad {
		if len(e.RawLine) > maxRaw || len(e.RawFieldValue) > maxRaw || len(e.ErrReason) > maxReason || e.ErrCode < 1200 || e.LineNumber < 1 {
			t.Fatalf("bad error row %+v", e)
		}
	}
}

// fuzzParquetSeeds are good files of several shapes, and the columns that
// load them.
func fuzzParquetSeeds(t testing.TB) (files [][]byte, ncols []uint8, kinds []uint64) {
	add := func(f []byte, n uint8, k uint64) {
		files, ncols, kinds = append(files, f), append(ncols, n), append(kinds, k)
	}
	add(pqFile(t, parquet.Group{"a": parquet.Int(32), "b": parquet.Optional(parquet.String()), "c": parquet.Decimal(2, 9, parquet.Int32Type),
		"d": parquet.Date(), "e": parquet.TimestampAdjusted(parquet.Microsecond, true)},
		map[string]any{"a": int32(1), "b": "abc", "c": int32(1250), "d": int32(18000), "e": time.Unix(1e9, 5000)},
		map[string]any{"a": int32(-7), "b": nil, "c": int32(-1), "d": int32(-1), "e": time.Unix(-1e9, 0)}), 5, 0x43210)
	add(pqStructs(t, pqNested{A: []int32{1, 2}, B: map[string]*int64{"k": ptr(int64(1))}, C: &pqInner{X: 1, Z: []*string{nil}}, D: []*pqKV{{K: "v"}}}), 4, 0xcccc)
	add(pqFile(t, parquet.Group{"a": parquet.Decimal(3, 20, parquet.FixedLenByteArrayType(9)), "b": parquet.Leaf(parquet.Int96Type),
		"c": parquet.Leaf(parquet.DoubleType), "d": parquet.Leaf(parquet.BooleanType), "e": parquet.Leaf(parquet.ByteArrayType), "f": parquet.Uint(64)},
		map[string]any{"a": twos(-123456, 9), "b": int96(time.Unix(1e9, 0)), "c": 2.5, "d": true, "e": []byte{0, 1}, "f": uint64(1) << 63}), 6, 0xa856df)
	add(pqFile(t, parquet.Group{"a": parquet.String(), "b": parquet.TimestampAdjusted(parquet.Nanosecond, false)},
		map[string]any{"a": "toolongvalue", "b": time.Unix(0, 123456789)}, nil, map[string]any{"a": "x", "b": time.Unix(1, 0)}), 2, 0xd1)
	return
}

func FuzzParquet(f *testing.F) {
	files, ncols, kinds := fuzzParquetSeeds(f)
	for i := range files {
		f.Add(files[i], ncols[i], kinds[i])
	}
	f.Fuzz(func(t *testing.T, data []byte, ncols uint8, kinds uint64) {
		cols := fuzzColumns(int(ncols%12)+1, kinds, []string{"a", "b", "c"})
		checkColumnar(t, cols, func(emit func([]any) error) (int64, []LoadError, error) {
			n, bad, err := ReadParquet(bytes.NewReader(data), int64(len(data)), "fuzz", cols, emit)
			if err == nil && len(bad) > 0 {
				t.Fatalf("LoadErrors without the COPY failing: %+v", bad)
			}
			if len(bad) > 1 {
				t.Fatalf("%d LoadErrors: the first fails the COPY", len(bad))
			}
			return n, bad, err
		}, ErrBadFile, ErrLoadFailed)
	})
}

// fuzzAvroOptions turns bits into an AVRO option set.
func fuzzAvroOptions(bits uint16) Options {
	o := Options{EmptyAsNull: bits&1 != 0, BlanksAsNull: bits&2 != 0, TruncateColumns: bits&4 != 0, TrimBlanks: bits&8 != 0,
		AcceptAnyDate: bits&16 != 0, RoundDec: bits&32 != 0}
	if bits&64 != 0 {
		o.AcceptInvChars = sp("")
	}
	if bits&128 != 0 {
		o.JSON = "auto ignorecase"
	}
	if bits&256 != 0 {
		o.DateFormat, o.TimeFormat = "auto", "auto"
	}
	return o
}

func fuzzAvroSeeds(t testing.TB) [][]byte {
	rec := allRecord(1)
	rec2 := allRecord(-2)
	rec2["u"], rec2["tsu"], rec2["name"] = "str", nil, "a\xffb"
	return [][]byte{
		avroFile(t, avroAll, ocf.Null, rec, rec2),
		avroFile(t, avroAll, ocf.Deflate, rec, rec2, rec),
		avroFile(t, avroAll, ocf.Snappy, rec2),
		avroFile(t, avroDec, ocf.Null, map[string]any{"a": big.NewRat(-1235, 1000)}),
		avroFrame(`{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}`, "null",
			appendVarint(appendVarint(nil, 2), 2), []byte{2, 4}),
	}
}

func FuzzAvro(f *testing.F) {
	for i, file := range fuzzAvroSeeds(f) {
		f.Add(file, uint64(0x5a1f3b0c2e7d96)+uint64(i), uint16(i*37))
	}
	names := []string{"id", "name", "price", "d", "ts", "tsu", "ok", "f", "g", "big", "tags", "props", "sub", "color", "raw", "fx", "u", "a", "ID"}
	f.Fuzz(func(t *testing.T, data []byte, kinds uint64, bits uint16) {
		cols := fuzzColumns(len(names), kinds^uint64(bits)<<48, names)
		for i := range cols {
			cols[i].Name = names[i]
		}
		checkColumnar(t, cols, func(emit func([]any) error) (int64, []LoadError, error) {
			return ReadAvro(bytes.NewReader(data), "fuzz", cols, fuzzAvroOptions(bits), emit)
		}, ErrBadFile)
	})
}

package load

import (
	"bytes"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2/ocf"
)

// avroFile writes records with hamba/avro's container encoder.
func avroFile(t testing.TB, schema string, codec ocf.CodecName, recs ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(schema, &buf, ocf.WithCodec(codec), ocf.WithBlockLength(2))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatalf("encode %v: %v", r, err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAvro(data []byte, cols []Column, o Options) ([][]any, []LoadError, error) {
	var rows [][]any
	n, bad, err := ReadAvro(bytes.NewReader(data), "s3://b/f.avro", cols, o, func(r []any) error {
		rows = append(rows, append([]any(nil), r...))
		return nil
	})
	if n != int64(len(rows)) {
		panic("row count")
	}
	return rows, bad, err
}

const avroAll = `{"type": "record", "name": "all", "fields": [
	{"name": "id", "type": "int"},
	{"name": "name", "type": "string"},
	{"name": "extra", "type": "string"},
	{"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 3}},
	{"name": "d", "type": {"type": "int", "logicalType": "date"}},
	{"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
	{"name": "tsu", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]},
	{"name": "ok", "type": "boolean"},
	{"name": "f", "type": "float"},
	{"name": "g", "type": "double"},
	{"name": "big", "type": "long"},
	{"name": "tags", "type": {"type": "array", "items": "string"}},
	{"name": "props", "type": {"type": "map", "values": ["null", "long"]}},
	{"name": "sub", "type": {"type": "record", "name": "sub", "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": ["null", "string"]}]}},
	{"name": "color", "type": {"type": "enum", "name": "color", "symbols": ["RED", "GREEN"]}},
	{"name": "raw", "type": "bytes"},
	{"name": "fx", "type": {"type": "fixed", "name": "fx", "size": 2}},
	{"name": "u", "type": ["null", "string", "int"]}
]}`

const avroDec = `{"type":"record","name":"r","fields":[{"name":"a","type":{"type":"fixed","name":"d","size":8,"logicalType":"decimal","precision":12,"scale":3}}]}`

func allRecord(id int) map[string]any {
	return map[string]any{
		"id": id, "name": "n", "extra": "e", "price": big.NewRat(12345, 1000),
		"d":  time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC),
		"ts": time.Date(2020, 1, 2, 3, 4, 5, 678e6, time.UTC), "tsu": time.Date(2021, 1, 1, 0, 0, 0, 1000, time.UTC),
		"ok": true, "f": float32(1.5), "g": 2.25, "big": int64(1) << 40,
		"tags": []any{"a", "b"}, "props": map[string]any{"k": int64(3)},
		"sub": map[string]any{"x": 1, "y": "s"}, "color": "GREEN", "raw": []byte{'A', 0xe9}, "fx": [2]byte{0, 255}, "u": nil,
	}
}

func TestAvro(t *testing.T) {
	simple := `{"type": "record", "name": "r", "fields": [{"name": "ID", "type": "int"}, {"name": "name", "type": ["null", "string"]}]}`
	type tc struct {
		name string
		file []byte
		cols []Column
		opts Options
		want [][]any
		bad  []int
		err  error
	}
	cases := []tc{
		{name: "auto by name, any order, missing columns NULL",
			file: avroFile(t, avroAll, ocf.Null, allRecord(1)),
			cols: []Column{strCol("name"), intCol("id"), decCol("price", 10, 2), dateCol("d"), tsCol("ts"), tstzCol("tsu"), boolCol("ok"),
				realCol("f"), dblCol("g"), bigCol("big"), strCol("tags"), strCol("props"), strCol("sub"), strCol("color"), strCol("raw"),
				binCol("fx"), strCol("u"), intCol("nosuch")},
			want: [][]any{row("n", int32(1), dec("12.34", 2), day(2020, 1, 2), at(2020, 1, 2, 3, 4, 5, 678000), at(2021, 1, 1, 0, 0, 0, 1),
				true, float32(1.5), 2.25, int64(1)<<40, `["a","b"]`, `{"k":3}`, `{"x":1,"y":"s"}`, "GREEN", "Aé", []byte{0, 255}, nil, nil)}},
		{name: "auto is case-sensitive",
			file: avroFile(t, simple, ocf.Null, map[string]any{"ID": 1, "name": "a"}),
			cols: []Column{intCol("id"), strCol("name")}, want: [][]any{row(nil, "a")}},
		{name: "auto ignorecase",
			file: avroFile(t, simple, ocf.Null, map[string]any{"ID": 1, "name": "a"}),
			cols: []Column{intCol("id"), strCol("NAME")}, opts: Options{JSON: "auto ignorecase"}, want: [][]any{row(int32(1), "a")}},
		{name: "union null",
			file: avroFile(t, simple, ocf.Null, map[string]any{"ID": 1, "name": nil}),
			cols: []Column{intCol("ID"), strCol("name")}, want: [][]any{row(int32(1), nil)}},
		{name: "bad rows are skipped with a LoadError each",
			file: avroFile(t, simple, ocf.Null,
				map[string]any{"ID": 1, "name": "ok"}, map[string]any{"ID": 2, "name": "toolong"},
				map[string]any{"ID": 3, "name": "a\xffb"}, map[string]any{"ID": 4, "name": "x"}),
			cols: []Column{intCol("ID"), vcCol("name", 3)},
			want: [][]any{row(int32(1), "ok"), row(int32(4), "x")}, bad: []int{CodeOutOfRange, CodeBadUTF8}},
		{name: "long out of range for int",
			file: avroFile(t, `{"type":"record","name":"r","fields":[{"name":"a","type":"long"}]}`, ocf.Null,
				map[string]any{"a": int64(1) << 40}, map[string]any{"a": int64(-5)}),
			cols: []Column{intCol("a")}, want: [][]any{row(int32(-5))}, bad: []int{CodeIntegerOverflow}},
		{name: "strings by the text rules",
			file: avroFile(t, `{"type":"record","name":"r","fields":[{"name":"a","type":"string"},{"name":"b","type":"string"}]}`, ocf.Null,
				map[string]any{"a": "12", "b": "03/04/2021"}, map[string]any{"a": "x", "b": "03/04/2021"}),
			cols: []Column{intCol("a"), dateCol("b")}, opts: Options{DateFormat: "MM/DD/YYYY"},
			want: [][]any{row(int32(12), day(2021, 3, 4))}, bad: []int{CodeInvalidDigit}},
		{name: "truncatecolumns, emptyasnull, acceptinvchars",
			file: avroFile(t, simple, ocf.Null, map[string]any{"ID": 1, "name": "toolong"}, map[string]any{"ID": 2, "name": ""},
				map[string]any{"ID": 3, "name": "a\xff"}),
			cols: []Column{intCol("ID"), vcCol("name", 3)}, opts: Options{TruncateColumns: true, EmptyAsNull: true, AcceptInvChars: sp("")},
			want: [][]any{row(int32(1), "too"), row(int32(2), nil), row(int32(3), "a?")}},
		{name: "decimals cut",
			file: avroFile(t, avroDec, ocf.Null, map[string]any{"a": big.NewRat(1235, 1000)}, map[string]any{"a": big.NewRat(-1235, 1000)}),
			cols: []Column{decCol("a", 10, 2)}, want: [][]any{row(dec("1.23", 2)), row(dec("-1.23", 2))}},
		{name: "decimals rounded with roundec",
			file: avroFile(t, avroDec, ocf.Null, map[string]any{"a": big.NewRat(1235, 1000)}, map[string]any{"a": big.NewRat(-1235, 1000)}),
			cols: []Column{decCol("a", 10, 2)}, opts: Options{RoundDec: true}, want: [][]any{row(dec("1.24", 2)), row(dec("-1.24", 2))}},
		{name: "decimal overflow",
			file: avroFile(t, `{"type":"record","name":"r","fields":[{"name":"a","type":{"type":"bytes","logicalType":"decimal","precision":20,"scale":0}}]}`,
				ocf.Null, map[string]any{"a": big.NewRat(1e12, 1)}),
			cols: []Column{decCol("a", 10, 2)}, bad: []int{CodeOutOfRange}},
		{name: "times and local timestamps",
			file: avroFile(t, `{"type":"record","name":"r","fields":[
				{"name":"a","type":{"type":"int","logicalType":"time-millis"}},
				{"name":"b","type":{"type":"long","logicalType":"local-timestamp-micros"}},
				{"name":"c","type":{"type":"string","logicalType":"uuid"}}]}`, ocf.Null,
				map[string]any{"a": 3*time.Hour + 4*time.Minute + 5*time.Second + 6*time.Millisecond, "b": int64(1_600_000_000_123_456), "c": "0c1d1a5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"}),
			cols: []Column{strCol("a"), tsCol("b"), strCol("c")},
			want: [][]any{row("03:04:05.006", at(2020, 9, 13, 12, 26, 40, 123456), "0c1d1a5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e")}},
		{name: "nested into an integer is a bad row",
			file: avroFile(t, `{"type":"record","name":"r","fields":[{"name":"a","type":{"type":"array","items":"int"}}]}`, ocf.Null,
				map[string]any{"a": []any{1}}),
			cols: []Column{intCol("a")}, bad: []int{CodeInvalidDigit}},
		{name: "deflate", file: avroFile(t, simple, ocf.Deflate, map[string]any{"ID": 1, "name": "a"}, map[string]any{"ID": 2, "name": "b"}, map[string]any{"ID": 3, "name": "c"}),
			cols: []Column{intCol("ID"), strCol("name")}, want: [][]any{row(int32(1), "a"), row(int32(2), "b"), row(int32(3), "c")}},
		{name: "snappy", file: avroFile(t, simple, ocf.Snappy, map[string]any{"ID": 1, "name": "a"}, map[string]any{"ID": 2, "name": "b"}, map[string]any{"ID": 3, "name": "c"}),
			cols: []Column{intCol("ID"), strCol("name")}, want: [][]any{row(int32(1), "a"), row(int32(2), "b"), row(int32(3), "c")}},
		{name: "zstandard is not COPY's", file: avroFile(t, simple, ocf.ZStandard, map[string]any{"ID": 1, "name": "a"}),
			cols: []Column{intCol("ID")}, err: ErrBadFile},
		{name: "schema must be a record", file: avroFile(t, `"int"`, ocf.Null, 1), cols: []Column{intCol("a")}, err: ErrBadFile},
		{name: "recursive schema", file: avroFile(t, `{"type":"record","name":"n","fields":[{"name":"next","type":["null","n"]}]}`, ocf.Null,
			map[string]any{"next": nil}), cols: []Column{strCol("next")}, err: ErrBadFile},
		{name: "not avro", file: []byte("a,b\n"), cols: []Column{intCol("a")}, err: ErrBadFile},
		{name: "no records", file: avroFile(t, simple, ocf.Null), cols: []Column{intCol("ID")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, bad, err := readAvro(tc.file, tc.cols, tc.opts)
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
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

func TestAvroLoadError(t *testing.T) {
	file := avroFile(t, `{"type":"record","name":"r","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"tags","type":{"type":"array","items":"long"}}]}`,
		ocf.Null, map[string]any{"id": 1, "name": "ok", "tags": []any{}}, map[string]any{"id": 2, "name": "toolong", "tags": []any{int64(7)}})
	_, bad, err := readAvro(file, []Column{intCol("id"), vcCol("name", 3)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []LoadError{{Filename: "s3://b/f.avro", LineNumber: 2, ColName: "name", Type: "varchar", ColLength: "3",
		RawLine: `{"id":2,"name":"toolong","tags":[7]}`, RawFieldValue: "toolong", ErrCode: CodeOutOfRange, ErrReason: "String length exceeds DDL length"}}
	if !reflect.DeepEqual(bad, want) {
		t.Errorf("got  %+v\nwant %+v", bad, want)
	}
}

func TestAvroOptions(t *testing.T) {
	file := avroFile(t, `{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}`, ocf.Null, map[string]any{"a": 1})
	cols := []Column{intCol("a")}
	for _, o := range []Options{
		{Format: "CSV"}, {Delimiter: ","}, {IgnoreHeader: 1}, {NullAs: sp("")}, {FillRecord: true},
		{JSON: "bogus"}, {JSONPaths: []string{"$.a"}}, {AcceptInvChars: sp("ab")},
	} {
		if _, _, err := readAvro(file, cols, o); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: err %v", o, err)
		}
	}
	if rows, _, err := readAvro(file, cols, Options{Format: "avro", JSON: " AUTO "}); err != nil || len(rows) != 1 {
		t.Errorf("FORMAT avro 'AUTO': %v %v", rows, err)
	}
}

// avroFrame builds a container file by hand: header, then the blocks given
// as (count, data) pairs.
func avroFrame(schema, codec string, blocks ...[]byte) []byte {
	var b []byte
	long := func(v int64) { b = appendVarint(b, v) }
	b = append(b, 'O', 'b', 'j', 1)
	long(2)
	for _, kv := range [][2]string{{"avro.schema", schema}, {"avro.codec", codec}} {
		long(int64(len(kv[0])))
		b = append(b, kv[0]...)
		long(int64(len(kv[1])))
		b = append(b, kv[1]...)
	}
	long(0)
	sync := []byte("0123456789abcdef")
	b = append(b, sync...)
	for i := 0; i+1 < len(blocks); i += 2 {
		b = append(b, blocks[i]...)
		b = append(b, blocks[i+1]...)
		b = append(b, sync...)
	}
	return b
}

func appendVarint(b []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

func TestAvroFraming(t *testing.T) {
	schema := `{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}`
	cols := []Column{intCol("a")}
	hdr := func(count, size int64) []byte { return appendVarint(appendVarint(nil, count), size) }
	good := avroFrame(schema, "null", hdr(2, 2), []byte{2, 4})
	if rows, _, err := readAvro(good, cols, Options{}); err != nil || !equalRows(rows, [][]any{row(int32(1)), row(int32(2))}) {
		t.Fatalf("hand-made file: %v %v", rows, err)
	}
	for name, file := range map[string][]byte{
		"block past 4 MB":         avroFrame(schema, "null", hdr(1, 5<<20), nil),
		"negative count":          avroFrame(schema, "null", hdr(-1, 1), []byte{2}),
		"bad sync":                append(avroFrame(schema, "null", hdr(1, 1), []byte{2})[:len(good)-16], "XXXXXXXXXXXXXXXX"...),
		"more records than bytes": avroFrame(schema, "null", hdr(1<<40, 1), []byte{2}),
		"endless empty records":   avroFrame(`{"type":"record","name":"r","fields":[]}`, "null", hdr(1<<40, 0), nil),
		"endless null values":     avroFrame(`{"type":"record","name":"r","fields":[{"name":"a","type":"null"}]}`, "null", hdr(1<<40, 0), nil),
		"endless array":           avroFrame(`{"type":"record","name":"r","fields":[{"name":"a","type":{"type":"array","items":"null"}}]}`, "null", hdr(1, 10), appendVarint(nil, 1<<60)),
		"truncated block":         avroFrame(schema, "null", hdr(2, 2), []byte{2}),
		"unknown codec":           avroFrame(schema, "bzip2", hdr(1, 1), []byte{2}),
		"header past 1 MB":        avroFrame(schema+strings.Repeat(" ", 1<<20), "null"),
		"bad snappy":              avroFrame(schema, "snappy", hdr(1, 5), []byte{1, 2, 3, 4, 5}),
		"bad deflate":             avroFrame(schema, "deflate", hdr(1, 1), []byte{0xff}),
	} {
		if _, _, err := readAvro(file, cols, Options{}); !errors.Is(err, ErrBadFile) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	// A truncated or damaged file is refused without a panic; cut at a
	// block's end, it is a shorter file.
	file := avroFile(t, avroAll, ocf.Deflate, allRecord(1), allRecord(2), allRecord(3))
	allCols := []Column{intCol("id"), strCol("tags"), strCol("sub"), decCol("price", 10, 2)}
	for n := range len(file) {
		if rows, _, err := readAvro(file[:n], allCols, Options{}); err == nil && len(rows) != 0 && len(rows) != 2 {
			t.Errorf("%d bytes: %d rows, no error", n, len(rows))
		}
	}
	for i := range file {
		b := bytes.Clone(file)
		b[i] ^= 0x55
		_, _, _ = readAvro(b, allCols, Options{})
	}
}

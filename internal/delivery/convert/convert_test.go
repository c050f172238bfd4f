package convert

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

var (
	openx = SerDe{OpenX: true, CaseInsensitive: true}
	hive  = SerDe{}
)

// convert writes records and returns the file and each record's error.
func convert(t testing.TB, opts Options, records ...string) ([]byte, []error) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opts)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	errs := make([]error, len(records))
	for i, r := range records {
		errs[i] = w.Write([]byte(r))
		var re *RecordError
		if errs[i] != nil && !errors.As(errs[i], &re) {
			t.Fatalf("record %d: not a *RecordError: %v", i, errs[i])
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes(), errs
}

// readBack reads every row of a file as plain Go values: map[string]any,
// []any, string, int64, float64, bool, nil.
func readBack(t testing.TB, data []byte) (*parquet.File, []any) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open parquet: %v", err)
	}
	r := parquet.NewGenericReader[any](f, f.Schema())
	defer r.Close()
	rows := make([]any, f.NumRows())
	if len(rows) > 0 {
		n, err := r.Read(rows)
		if n != len(rows) {
			t.Fatalf("read %d of %d rows: %v", n, len(rows), err)
		}
	}
	for i := range rows {
		rows[i] = plain(reflect.ValueOf(rows[i]))
	}
	return f, rows
}

func plain(v reflect.Value) any {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Map:
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			m[fmtKey(plain(k))] = plain(v.MapIndex(k))
		}
		return m
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return string(v.Bytes())
		}
		s := make([]any, v.Len())
		for i := range s {
			s[i] = plain(v.Index(i))
		}
		return s
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			return tm.UTC().Format(time.RFC3339Nano)
		}
	}
	return v.Interface()
}

func fmtKey(k any) string {
	if s, ok := k.(string); ok {
		return s
	}
	return fmt.Sprint(k)
}

func code(err error) string {
	var re *RecordError
	if errors.As(err, &re) {
		return re.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestRoundTrip(t *testing.T) {
	cols := []Column{
		{Name: "id", Type: "bigint"}, {Name: "user", Type: "string"}, {Name: "ok", Type: "boolean"},
		{Name: "tags", Type: "array<string>"}, {Name: "counts", Type: "map<string,int>"},
		{Name: "s", Type: "struct<z:int,a:struct<x:string>>"}, {Name: "grid", Type: "array<array<int>>"},
		{Name: "objs", Type: "array<struct<k:string,v:double>>"},
	}
	data, errs := convert(t, Options{Columns: cols, SerDe: openx},
		`{"id":1,"user":"ann","ok":true,"tags":["a",null,"b"],"counts":{"x":1,"y":null},
		  "s":{"z":7,"a":{"x":"deep"}},"grid":[[1,2],[],null,[3]],"objs":[{"k":"a","v":1.5},null,{"k":"b"}]}`,
		`{"id":2,"tags":[],"counts":{},"s":{},"grid":[],"objs":[]}`,
		`{"id":3,"tags":null,"s":{"a":null},"extra":{"ignored":[1,2]}}`,
	)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	f, rows := readBack(t, data)
	want := []any{
		map[string]any{"id": int64(1), "user": "ann", "ok": true, "tags": []any{"a", nil, "b"},
			"counts": map[string]any{"x": int64(1), "y": nil},
			"s":      map[string]any{"z": int64(7), "a": map[string]any{"x": "deep"}},
			"grid":   []any{[]any{int64(1), int64(2)}, []any{}, nil, []any{int64(3)}},
			"objs":   []any{map[string]any{"k": "a", "v": 1.5}, nil, map[string]any{"k": "b", "v": nil}}},
		map[string]any{"id": int64(2), "user": nil, "ok": nil, "tags": []any{}, "counts": map[string]any{},
			"s": map[string]any{"z": nil, "a": nil}, "grid": []any{}, "objs": []any{}},
		map[string]any{"id": int64(3), "user": nil, "ok": nil, "tags": nil, "counts": nil,
			"s": map[string]any{"z": nil, "a": nil}, "grid": nil, "objs": nil},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %#v\nwant %#v", rows, want)
	}
	// The table's column order is kept, nested fields included.
	var names []string
	for _, c := range f.Schema().Columns() {
		names = append(names, strings.Join(c, "."))
	}
	wantNames := "id user ok tags.list.element counts.key_value.key counts.key_value.value s.z s.a.x " +
		"grid.list.element.list.element objs.list.element.k objs.list.element.v"
	if got := strings.Join(names, " "); got != wantNames {
		t.Errorf("columns:\n got %s\nwant %s", got, wantNames)
	}
}

// TestTypes converts one value into a one-column table.
func TestTypes(t *testing.T) {
	ts := func(s string) any { return mustTime(t, s) }
	for _, tc := range []struct {
		name  string
		serde SerDe
		typ   string
		json  string
		want  any // a value, or an error code
	}{
		{"string", openx, "string", `"héllo\n\u00e9\ud83d\ude00"`, "héllo\né😀"},
		{"string from number", openx, "string", `12.50`, "12.50"},
		{"string from bool", openx, "string", `true`, "true"},
		{"string from object openx", openx, "string", `{"a": [1, "x y"]}`, `{"a":[1,"x y"]}`},
		{"string from object hive", hive, "string", `{"a":1}`, CodeMalformedData},
		{"string from number hive", hive, "string", `7`, "7"},
		{"null", openx, "string", `null`, nil},
		{"boolean", hive, "boolean", `false`, false},
		{"boolean from string", openx, "boolean", `"TRUE"`, true},
		{"boolean from other string", openx, "boolean", `"yes"`, CodeMalformedData},
		{"boolean from number", openx, "boolean", `1`, CodeMalformedData},
		{"tinyint", openx, "tinyint", `-128`, int64(-128)},
		{"tinyint overflow", openx, "tinyint", `128`, CodeMalformedData},
		{"smallint", openx, "smallint", `32767`, int64(32767)},
		{"int", hive, "int", `-2147483648`, int64(-2147483648)},
		{"int overflow", hive, "int", `2147483648`, CodeMalformedData},
		{"int fraction", openx, "int", `1.5`, CodeMalformedData},
		{"int exponent", openx, "int", `1e3`, CodeMalformedData},
		{"int from string openx", openx, "int", `"42"`, int64(42)},
		{"int from string hive", hive, "int", `"42"`, CodeMalformedData},
		{"int from junk", openx, "int", `"4x"`, CodeMalformedData},
		{"bigint", hive, "bigint", `9223372036854775807`, int64(math.MaxInt64)},
		{"bigint min", hive, "bigint", `-9223372036854775808`, int64(math.MinInt64)},
		{"bigint overflow", hive, "bigint", `9223372036854775808`, CodeMalformedData},
		{"bigint from array", openx, "bigint", `[1]`, CodeMalformedData},
		{"double", hive, "double", `-1.25e-3`, -1.25e-3},
		{"double from int", hive, "double", `3`, 3.0},
		{"double from string openx", openx, "double", `"2.5"`, 2.5},
		{"double NaN string", openx, "double", `"-Infinity"`, math.Inf(-1)},
		{"double from string hive", hive, "double", `"2.5"`, CodeMalformedData},
		{"double oops", openx, "double", `"oops"`, CodeMalformedData},
		{"double overflow", openx, "double", `1e400`, CodeMalformedData},
		{"double hex string", openx, "double", `"Inf"`, CodeMalformedData},
		{"float", openx, "float", `0.5`, 0.5},
		{"float overflow", openx, "float", `1e39`, CodeMalformedData},
		{"date", hive, "date", `"2024-02-29"`, "2024-02-29T00:00:00Z"},
		{"date short", hive, "date", `"2024-2-9"`, "2024-02-09T00:00:00Z"},
		{"date invalid", hive, "date", `"2023-02-29"`, CodeMalformedData},
		{"date with time openx", openx, "date", `"2024-01-02 10:00:00"`, "2024-01-02T00:00:00Z"},
		{"date with time hive", hive, "date", `"2024-01-02 10:00:00"`, CodeMalformedData},
		{"date days openx", openx, "date", `19000`, "2022-01-08T00:00:00Z"},
		{"date days hive", hive, "date", `19000`, CodeMalformedData},
		{"timestamp iso", openx, "timestamp", `"2017-02-07T15:13:01.39256Z"`, ts("2017-02-07T15:13:01.39256Z")},
		{"timestamp space", openx, "timestamp", `"2017-2-7 15:13:01.14"`, ts("2017-02-07T15:13:01.14Z")},
		{"timestamp offset", openx, "timestamp", `"2017-02-07T15:13:01+02:00"`, ts("2017-02-07T13:13:01Z")},
		{"timestamp epoch s", openx, "timestamp", `1518033528`, ts("2018-02-07T19:58:48Z")},
		{"timestamp epoch ms", openx, "timestamp", `1518033528123`, ts("2018-02-07T19:58:48.123Z")},
		{"timestamp epoch float", openx, "timestamp", `1518033528.123`, ts("2018-02-07T19:58:48.123Z")},
		{"timestamp epoch string", openx, "timestamp", `"1518033528"`, ts("2018-02-07T19:58:48Z")},
		{"timestamp junk", openx, "timestamp", `"yesterday"`, CodeMalformedData},
		{"timestamp bad hour", openx, "timestamp", `"2017-02-07T24:00:00Z"`, CodeMalformedData},
		{"timestamp hive default", hive, "timestamp", `"2017-02-07 15:13:01.123456789"`, ts("2017-02-07T15:13:01.123456Z")},
		{"timestamp hive iso", hive, "timestamp", `"2017-02-07T15:13:01Z"`, CodeMalformedData},
		{"timestamp hive number", hive, "timestamp", `1518033528123`, CodeMalformedData},
		{"timestamp hive millis", SerDe{TimestampFormats: []string{"millis"}}, "timestamp", `1518033528123`, ts("2018-02-07T19:58:48.123Z")},
		{"timestamp hive joda", SerDe{TimestampFormats: []string{"dd/MM/yyyy HH:mm:ss.SSS Z"}}, "timestamp",
			`"07/02/2017 15:13:01.250 -0100"`, ts("2017-02-07T16:13:01.25Z")},
		{"timestamp hive joda fallback", SerDe{TimestampFormats: []string{"yyyyMMdd"}}, "timestamp",
			`"2017-02-07 01:02:03"`, ts("2017-02-07T01:02:03Z")},
		{"decimal", hive, "decimal(10,2)", `12345678.91`, "12345678.91"},
		{"decimal rounds half up", hive, "decimal(5,2)", `-1.005`, "-1.01"},
		{"decimal exponent", hive, "decimal(5,2)", `1.5e2`, "150.00"},
		{"decimal too big", hive, "decimal(5,2)", `1000`, CodeMalformedData},
		{"decimal small", openx, "decimal(4,2)", `"0.001"`, "0.00"},
		{"decimal 38", openx, "decimal(38,10)", `-1234567890123456789012345678.0123456789`, "-1234567890123456789012345678.0123456789"},
		{"decimal string hive", hive, "decimal(4,2)", `"1.5"`, CodeMalformedData},
		{"binary hive", hive, "binary", `"aGk="`, "hi"},
		{"binary bad base64", hive, "binary", `"!!"`, CodeMalformedData},
		{"array singleton openx", openx, "array<int>", `5`, []any{int64(5)}},
		{"array empty string openx", openx, "array<int>", `""`, nil},
		{"array scalar hive", hive, "array<int>", `5`, CodeMalformedData},
		{"array bad element", hive, "array<int>", `[1,"x"]`, CodeMalformedData},
		{"map int keys", openx, "map<int,string>", `{"1":"a","-2":"b"}`, "1:a -2:b"},
		{"map bad key", openx, "map<int,string>", `{"x":"a"}`, CodeMalformedData},
		{"map from array", openx, "map<string,string>", `[]`, CodeMalformedData},
		{"struct from string", openx, "struct<a:int>", `"x"`, CodeMalformedData},
		{"struct dup key", openx, "struct<a:array<int>>", `{"a":[1,2],"a":[3]}`, map[string]any{"a": []any{int64(3)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Columns: []Column{{Name: "v", Type: tc.typ}}, SerDe: tc.serde}
			data, errs := convert(t, opts, `{"v":`+tc.json+`}`)
			if c, ok := tc.want.(string); ok && strings.HasPrefix(c, "DataFormatConversion.") {
				if code(errs[0]) != c {
					t.Fatalf("error %v, want %s", errs[0], c)
				}
				if _, rows := readBack(t, data); len(rows) != 0 {
					t.Fatalf("rows written for a failed record: %v", rows)
				}
				return
			}
			if errs[0] != nil {
				t.Fatalf("error %v", errs[0])
			}
			f, rows := readBack(t, data)
			got := rows[0].(map[string]any)["v"]
			switch tc.typ {
			case "timestamp", "date":
				got = rawTime(t, f, tc.typ)
			case "binary":
			case "map<int,string>":
				got = rawIntMap(t, f)
			default:
				if strings.HasPrefix(tc.typ, "decimal") {
					got = rawDecimal(t, f)
				}
			}
			if !reflect.DeepEqual(got, tc.want) && !(isNaN(got) && isNaN(tc.want)) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func isNaN(v any) bool { f, ok := v.(float64); return ok && math.IsNaN(f) }

func mustTime(t *testing.T, s string) string {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC().Format(time.RFC3339Nano)
}

// firstValue reads the only leaf value of a one-row, one-column file.
func firstValue(t *testing.T, f *parquet.File) parquet.Value {
	t.Helper()
	rows := make([]parquet.Row, 1)
	r := parquet.NewReader(f)
	defer r.Close()
	if n, _ := r.ReadRows(rows); n != 1 {
		t.Fatalf("read %d rows", n)
	}
	return rows[0][0]
}

func rawTime(t *testing.T, f *parquet.File, typ string) any {
	v := firstValue(t, f)
	if v.IsNull() {
		return nil
	}
	if typ == "date" {
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.RFC3339Nano)
	}
	return time.UnixMicro(v.Int64()).UTC().Format(time.RFC3339Nano)
}

// rawDecimal spells the stored unscaled integer with the column's scale.
func rawDecimal(t *testing.T, f *parquet.File) any {
	v := firstValue(t, f)
	col := f.Schema().Fields()[0]
	scale := int(col.Type().LogicalType().Value.(*format.DecimalType).Scale)
	var digits string
	switch v.Kind() {
	case parquet.Int32:
		digits = itoa(int64(v.Int32()))
	case parquet.Int64:
		digits = itoa(v.Int64())
	default:
		digits = twosComplement(v.ByteArray())
	}
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	for len(digits) <= scale {
		digits = "0" + digits
	}
	out := digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	if neg {
		out = "-" + out
	}
	return out
}

// rawIntMap spells the entries of a map<int,string> row: parquet-go's
// generic reader turns map keys into strings.
func rawIntMap(t *testing.T, f *parquet.File) string {
	rows := make([]parquet.Row, 1)
	r := parquet.NewReader(f)
	defer r.Close()
	if n, _ := r.ReadRows(rows); n != 1 {
		t.Fatalf("read %d rows", n)
	}
	var keys, vals []string
	for _, v := range rows[0] {
		if v.Column() == 0 {
			keys = append(keys, fmt.Sprint(v.Int32()))
		} else {
			vals = append(vals, string(v.ByteArray()))
		}
	}
	var out []string
	for i := range keys {
		out = append(out, keys[i]+":"+vals[i])
	}
	return strings.Join(out, " ")
}

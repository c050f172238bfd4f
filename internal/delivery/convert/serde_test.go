package convert

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestKeyMatching(t *testing.T) {
	cols := []Column{{Name: "user_id", Type: "string"}, {Name: "ts", Type: "string"}, {Name: "s", Type: "struct<inner_key:int>"}}
	for _, tc := range []struct {
		name   string
		serde  SerDe
		record string
		want   map[string]any
	}{
		{"case-insensitive", openx, `{"USER_ID":"a","Ts":"b"}`,
			map[string]any{"user_id": "a", "ts": "b", "s": nil}},
		{"case-sensitive", SerDe{OpenX: true}, `{"USER_ID":"a","ts":"b"}`,
			map[string]any{"user_id": nil, "ts": "b", "s": nil}},
		{"hive ignores case", hive, `{"User_Id":"a"}`,
			map[string]any{"user_id": "a", "ts": nil, "s": nil}},
		{"dots off", openx, `{"user.id":"a"}`,
			map[string]any{"user_id": nil, "ts": nil, "s": nil}},
		{"dots on", SerDe{OpenX: true, CaseInsensitive: true, ConvertDotsInJSONKeysToUnderscores: true},
			`{"User.Id":"a","s":{"inner.key":3}}`,
			map[string]any{"user_id": "a", "ts": nil, "s": map[string]any{"inner_key": int64(3)}}},
		{"dots ignored by hive", SerDe{ConvertDotsInJSONKeysToUnderscores: true}, `{"user.id":"a"}`,
			map[string]any{"user_id": nil, "ts": nil, "s": nil}},
		{"mapping", SerDe{OpenX: true, CaseInsensitive: true, ColumnToJSONKeyMappings: map[string]string{"ts": "timestamp"}},
			`{"timestamp":"t","ts":"not me"}`,
			map[string]any{"user_id": nil, "ts": "t", "s": nil}},
		{"mapping folds case", SerDe{OpenX: true, CaseInsensitive: true, ColumnToJSONKeyMappings: map[string]string{"TS": "When"}},
			`{"WHEN":"t"}`,
			map[string]any{"user_id": nil, "ts": "t", "s": nil}},
		{"nested case", openx, `{"S":{"INNER_KEY":4}}`,
			map[string]any{"user_id": nil, "ts": nil, "s": map[string]any{"inner_key": int64(4)}}},
		{"duplicate key keeps last", openx, `{"ts":"1","user_id":"u","TS":"2"}`,
			map[string]any{"user_id": "u", "ts": "2", "s": nil}},
		{"escaped key", openx, `{"user\u005fid":"e"}`,
			map[string]any{"user_id": "e", "ts": nil, "s": nil}},
		{"unicode key folds", openx, `{"ÜSER_ID":"x","user_id":"y"}`,
			map[string]any{"user_id": "y", "ts": nil, "s": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, errs := convert(t, Options{Columns: cols, SerDe: tc.serde}, tc.record)
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			_, rows := readBack(t, data)
			if !reflect.DeepEqual(rows[0], tc.want) {
				t.Errorf("got %#v, want %#v", rows[0], tc.want)
			}
		})
	}
}

func TestRecordErrors(t *testing.T) {
	cols := []Column{{Name: "a", Type: "int"}, {Name: "b", Type: "array<string>"}}
	for _, tc := range []struct {
		name, record, code string
	}{
		{"empty", ``, CodeParseError},
		{"blank", " \n\t", CodeParseError},
		{"not json", `this is not json at all`, CodeParseError},
		{"array of objects", `[{"a":1},{"a":2}]`, CodeParseError},
		{"scalar", `42`, CodeParseError},
		{"truncated", `{"a":1,"b":["x"`, CodeParseError},
		{"truncated string", `{"a":1,"b":["x`, CodeParseError},
		{"trailing garbage", `{"a":1} x`, CodeParseError},
		{"trailing comma", `{"a":1,}`, CodeParseError},
		{"single quotes", `{'a':1}`, CodeParseError},
		{"bad escape", `{"b":["\q"]}`, CodeParseError},
		{"control character", "{\"b\":[\"a\x01\"]}", CodeParseError},
		{"invalid utf-8", "{\"b\":[\"\xff\"]}", CodeParseError},
		{"leading zero", `{"a":01}`, CodeParseError},
		{"too deep", `{"x":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`, CodeParseError},
		{"mismatch", `{"a":"oops"}`, CodeMalformedData},
		{"mismatch then syntax error", `{"a":"oops","b":[}`, CodeParseError},
		{"second object bad", `{"a":1}{"a":"x"}`, CodeMalformedData},
		{"second object truncated", `{"a":1}{"a":`, CodeParseError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, errs := convert(t, Options{Columns: cols, SerDe: openx}, `{"a":1,"b":["keep"]}`, tc.record, `{"a":3}`)
			if code(errs[1]) != tc.code {
				t.Fatalf("error %v, want %s", errs[1], tc.code)
			}
			var re *RecordError
			if !errors.As(errs[1], &re) || re.Message == "" {
				t.Fatalf("no message: %#v", errs[1])
			}
			// Nothing of the failed record is written; the batch goes on.
			_, rows := readBack(t, data)
			want := []any{
				map[string]any{"a": int64(1), "b": []any{"keep"}},
				map[string]any{"a": int64(3), "b": nil},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Errorf("rows %#v", rows)
			}
		})
	}
}

func TestMultipleObjects(t *testing.T) {
	cols := []Column{{Name: "a", Type: "int"}}
	data, errs := convert(t, Options{Columns: cols, SerDe: hive}, `{"a":1}{"a":2}`, "{\"a\":3}\n{\"a\":4}\n")
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	_, rows := readBack(t, data)
	if len(rows) != 4 || rows[3].(map[string]any)["a"] != int64(4) {
		t.Errorf("rows %#v", rows)
	}
}

func TestInvalidSchema(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cols  []Column
		serde SerDe
	}{
		{"no columns", nil, openx},
		{"unknown type", []Column{{Name: "a", Type: "uniontype<int,string>"}}, openx},
		{"binary with openx", []Column{{Name: "a", Type: "binary"}}, openx},
		{"empty struct", []Column{{Name: "a", Type: "struct<>"}}, hive},
		{"complex map key", []Column{{Name: "a", Type: "map<array<int>,int>"}}, hive},
		{"duplicate column", []Column{{Name: "a", Type: "int"}, {Name: "A", Type: "int"}}, hive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewWriter(nil, Options{Columns: tc.cols, SerDe: tc.serde})
			if code(err) != CodeInvalidSchema {
				t.Fatalf("error %v, want %s", err, CodeInvalidSchema)
			}
		})
	}
	for _, opts := range []Options{
		{Columns: []Column{{Name: "a", Type: "int"}}, Compression: "LZO"},
		{Columns: []Column{{Name: "a", Type: "int"}}, WriterVersion: "V3"},
		{Columns: []Column{{Name: "a", Type: "int"}}, SerDe: SerDe{TimestampFormats: []string{"yyyy G"}}},
		{Columns: []Column{{Name: "a", Type: "int"}}, SerDe: SerDe{TimestampFormats: []string{"'unterminated"}}},
	} {
		if _, err := NewWriter(nil, opts); err == nil || code(err) == CodeInvalidSchema {
			t.Errorf("options %+v: error %v, want a plain error", opts, err)
		}
	}
}

func TestWriterOptions(t *testing.T) {
	recs, _ := benchRecords(3000)
	for _, opts := range []Options{
		{Compression: "snappy"}, {Compression: Gzip}, {Compression: Uncompressed}, {Compression: Zstd},
		{EnableDictionaryCompression: true, WriterVersion: "V2"},
		{BlockSizeBytes: 64 << 10, PageSizeBytes: 8 << 10}, // several row groups and pages
	} {
		opts.Columns, opts.SerDe = benchColumns, openx
		strs := make([]string, len(recs))
		for i, r := range recs {
			strs[i] = string(r)
		}
		data, errs := convert(t, opts, strs...)
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		f, rows := readBack(t, data)
		if len(rows) != len(recs) {
			t.Fatalf("%+v: %d rows", opts, len(rows))
		}
		if opts.BlockSizeBytes > 0 && len(f.RowGroups()) < 2 {
			t.Errorf("%d row groups, want several", len(f.RowGroups()))
		}
		if got := rows[2999].(map[string]any)["id"]; got != int64(1_002_999) {
			t.Errorf("%+v: last id %v", opts, got)
		}
	}
}

func TestWriteAfterClose(t *testing.T) {
	w, err := NewWriter(&strings.Builder{}, Options{Columns: benchColumns, SerDe: openx})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]byte(`{}`)); err == nil {
		t.Fatal("write after close succeeded")
	}
	if w.Close() != nil {
		t.Fatal("second close failed")
	}
}

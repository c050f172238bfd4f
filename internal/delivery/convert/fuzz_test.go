package convert

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzColumns covers every kind, nested.
var fuzzColumns = []Column{
	{Name: "id", Type: "bigint"}, {Name: "s", Type: "string"}, {Name: "b", Type: "boolean"},
	{Name: "i", Type: "int"}, {Name: "t", Type: "tinyint"}, {Name: "f", Type: "float"}, {Name: "d", Type: "double"},
	{Name: "dec", Type: "decimal(20,3)"}, {Name: "dsmall", Type: "decimal(5,2)"}, {Name: "day", Type: "date"},
	{Name: "at", Type: "timestamp"}, {Name: "tags", Type: "array<string>"}, {Name: "m", Type: "map<string,array<int>>"},
	{Name: "st", Type: "struct<x:int,y:array<struct<z:string>>>"},
}

// FuzzWrite: any bytes as a record either convert or fail with a
// *RecordError, and the file always reads back with Rows() rows.
func FuzzWrite(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `{"id":1}`, `{"id":1}{"id":2}`, `[{"id":1}]`, `nope`, `{"id":"x"}`,
		`{"s":{"a":[1,{"b":null}]},"b":"TRUE","i":"12","t":300,"f":1e39,"d":"NaN"}`,
		`{"dec":-12345678901234567.8915,"dsmall":"1e2","day":"2024-02-29","at":"2017-02-07T15:13:01.39256Z"}`,
		`{"at":1518033528.123,"day":19000,"tags":"solo","m":{"k":[1,null,3],"e":[]},"st":{"y":[{"z":"q"},null]}}`,
		`{"st":{"x":1,"x":2,"y":[{"z":"a","z":"b"}]},"ST":{"X":3}}`,
		"{\"s\":\"\\ud83d\\ude00\\u0000\\\"\"}", "{\"s\":\"\xff\"}", `{"m":{"a":[1],"a":[2]}}`,
		`{"tags":[` + string(bytes.Repeat([]byte(`"x",`), 50)) + `"y"]}`, `{"id":1,`, `{"a":[[[[[[]]]]]]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, record []byte) {
		for _, serde := range []SerDe{openx, {TimestampFormats: []string{"millis", "yyyy-MM-dd'T'HH:mm:ssZ"}}} {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, Options{Columns: fuzzColumns, SerDe: serde})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range [][]byte{[]byte(`{"id":1,"tags":["a"]}`), record, []byte(`{"id":2,"st":{"x":1}}`), record} {
				if err := w.Write(r); err != nil {
					var re *RecordError
					if !errors.As(err, &re) || (re.Code != CodeParseError && re.Code != CodeMalformedData) {
						t.Fatalf("record %q: %v", r, err)
					}
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if _, rows := readBack(t, buf.Bytes()); len(rows) != w.Rows() {
				t.Fatalf("read %d rows, Rows() = %d", len(rows), w.Rows())
			}
		}
	})
}

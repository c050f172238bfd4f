package load

import (
	"strings"
	"testing"
)

func TestJSON(t *testing.T) {
	cols := []Column{intCol("id"), strCol("name")}
	auto := Options{Format: "JSON", JSON: "auto"}
	paths := func(p ...string) Options { return Options{Format: "JSON", JSONPaths: p} }
	runCases(t, []fileCase{
		{name: "one per line", in: `{"id":1,"name":"a"}` + "\n" + `{"id":2,"name":"b"}` + "\n", cols: cols, opts: auto,
			want: [][]any{row(int32(1), "a"), row(int32(2), "b")}},
		{name: "several on a line and across lines", in: "{\"id\":1,\n \"name\":\"a\"} {\"id\":2}\n\n  {\"name\":\n\"c\",\"id\":3}", cols: cols, opts: auto,
			want: [][]any{row(int32(1), "a"), row(int32(2), nil), row(int32(3), "c")}},
		{name: "order and extra keys", in: `{"x":[1,2],"name":"a","id":"7"}`, cols: cols, opts: auto, want: [][]any{row(int32(7), "a")}},
		{name: "auto is case-sensitive", in: `{"ID":1,"Name":"a"}`, cols: cols, opts: auto, want: [][]any{row(nil, nil)}},
		{name: "auto ignorecase", in: `{"ID":1,"Name":"a"}`, cols: cols, opts: Options{Format: "JSON", JSON: "auto ignorecase"}, want: [][]any{row(int32(1), "a")}},
		{name: "null and missing", in: `{"id":null}`, cols: cols, opts: auto, want: [][]any{row(nil, nil)}},
		{name: "nested into varchar is JSON text", in: `{"id":1,"name":{"a": [1, 2]}}`, cols: cols, opts: auto, want: [][]any{row(int32(1), `{"a": [1, 2]}`)}},
		{name: "number and boolean into varchar", in: `{"id":1,"name":1.50}{"id":2,"name":true}`, cols: cols, opts: auto,
			want: [][]any{row(int32(1), "1.50"), row(int32(2), "true")}},
		{name: "escapes", in: `{"id":1,"name":"a\nb\t\\\"\u00e9"}`, cols: cols, opts: auto, want: [][]any{row(int32(1), "a\nb\t\\\"é")}},
		{name: "empty string", in: `{"id":"","name":""}`, cols: cols, opts: auto, want: [][]any{row(nil, "")}},
		{name: "empty string emptyasnull", in: `{"id":1,"name":""}`, cols: cols, opts: Options{Format: "JSON", JSON: "auto", EmptyAsNull: true},
			want: [][]any{row(int32(1), nil)}},
		{name: "boolean column", in: `{"b":true}{"b":"f"}{"b":0}`, cols: []Column{boolCol("b")}, opts: auto,
			want: [][]any{row(true), row(false), row(false)}},
		{name: "jsonpaths", in: `{"a":{"b":[10,{"c":"x"}]},"d":"y"}`, cols: cols, opts: paths("$.a.b[0]", "$['a']['b'][1].c"),
			want: [][]any{row(int32(10), "x")}},
		{name: "jsonpaths missing", in: `{"a":1}`, cols: cols, opts: paths("$.z", "$.a.b[3]"), want: [][]any{row(nil, nil)}},
		{name: "jsonpaths object into varchar", in: `{"a":1,"b":{"c":2}}`, cols: cols, opts: paths("$.a", "$.b"), want: [][]any{row(int32(1), `{"c":2}`)}},
		{name: "jsonpaths on arrays", in: `[1006410, "Redshift"] [100540, "S3"]`, cols: cols, opts: paths("$[0]", "$[1]"),
			want: [][]any{row(int32(1006410), "Redshift"), row(int32(100540), "S3")}},
		{name: "auto refuses arrays", in: `[1,"a"]`, cols: cols, opts: auto, bad: []int{1216}},
		{name: "scalar document", in: "{\"id\":1}\n42\n\"str ing\" {\"id\":2}", cols: cols, opts: auto,
			want: [][]any{row(int32(1), nil), row(int32(2), nil)}, bad: []int{1216, 1216}, lines: []int64{2, 3}},
		{name: "garbage between documents", in: "{\"id\":1} xx {\"id\":2}", cols: cols, opts: auto,
			want: [][]any{row(int32(1), nil), row(int32(2), nil)}, bad: []int{1216}},
		{name: "malformed document", in: "{\"id\":1,}\n{\"id\":2}\n", cols: cols, opts: auto, want: [][]any{row(int32(2), nil)}, bad: []int{1216}, lines: []int64{1}},
		{name: "unterminated document", in: "{\"id\":1}\n{\"id\":\n2\n", cols: cols, opts: auto, want: [][]any{row(int32(1), nil)}, bad: []int{1216}, lines: []int64{3}},
		{name: "braces in strings", in: `{"id":1,"name":"}{]["}`, cols: cols, opts: auto, want: [][]any{row(int32(1), "}{][")}},
		{name: "error line is the last line", in: "{\"id\":1}\n{\n\"id\":\"x\"\n}\n", cols: cols, opts: auto,
			want: [][]any{row(int32(1), nil)}, bad: []int{1207}, lines: []int64{4}},
		{name: "ignoreheader counts lines", in: "header line\n{\"id\":1}", cols: cols, opts: Options{Format: "JSON", JSON: "auto", IgnoreHeader: 1},
			want: [][]any{row(int32(1), nil)}},
		{name: "invalid utf8 reaches the column", in: "{\"name\":\"a\xa4\"}", cols: cols, opts: auto, bad: []int{1220}},
		{name: "invalid utf8 replaced", in: "{\"name\":\"a\xa4\"}", cols: cols, opts: Options{Format: "JSON", JSON: "auto", AcceptInvChars: sp("")},
			want: [][]any{row(nil, "a?")}},
		{name: "dates", in: `{"d":"2020-01-02","t":1700000000}`, cols: []Column{dateCol("d"), tsCol("t")},
			opts: Options{Format: "JSON", JSON: "auto", TimeFormat: "epochsecs"}, want: [][]any{row(day(2020, 1, 2), at(2023, 11, 14, 22, 13, 20, 0))}},
	})
}

func TestJSONErrorFields(t *testing.T) {
	cols := []Column{intCol("id"), vcCol("name", 3)}
	in := "{\"id\": 1,\n \"name\": \"toolong\"}"
	_, bad := read(t, in, cols, Options{Format: "JSON", JSON: "auto"})
	want := LoadError{Filename: "s3://b/f.txt", LineNumber: 2, ColName: "name", Type: "varchar", ColLength: "3",
		RawLine: in, RawFieldValue: `"toolong"`, ErrCode: 1204, ErrReason: "String length exceeds DDL length"}
	if len(bad) != 1 || bad[0] != want {
		t.Errorf("got %+v\nwant %+v", bad, want)
	}
}

func TestJSONTooBig(t *testing.T) {
	in := `{"name":"` + strings.Repeat("a", maxJSONDoc) + `"}` + "\n" + `{"id":5}`
	rows, bad := read(t, in, []Column{intCol("id"), strCol("name")}, Options{Format: "JSON", JSON: "auto"})
	if len(rows) != 1 || len(bad) != 1 || bad[0].ErrCode != 1216 || len(bad[0].RawLine) != maxRaw {
		t.Errorf("rows %v, errors %d %+v", rows, len(bad), errCodes(bad))
	}
}

func TestJSONPathParse(t *testing.T) {
	for _, good := range []string{"$", "$.a", "$['a b']", `$["a"][0].c`, "$.a[12]"} {
		if _, err := parseJSONPath(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	for _, bad := range []string{"", "a", "$.", "$.*", "$[*]", "$..a", "$['a'", "$[x]", "$[-1]", "$a", `$[?(@.a)]`} {
		if _, err := parseJSONPath(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

package load

import (
	"strings"
	"testing"
)

// TestLoadErrorFields checks every column of the STL_LOAD_ERRORS rows
// Read makes, one case per error code.
func TestLoadErrorFields(t *testing.T) {
	cols := []Column{intCol("id"), vcCol("name", 4), decCol("price", 5, 2), dateCol("day"), tsCol("at"), boolCol("ok"), dblCol("score")}
	good := "1|ab|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5"
	const f = "s3://b/f.txt"
	le := func(line int64, col, typ, length string, pos int, raw, field string, code int, reason string) LoadError {
		return LoadError{Filename: f, LineNumber: line, ColName: col, Type: typ, ColLength: length, Position: pos,
			RawLine: raw, RawFieldValue: field, ErrCode: code, ErrReason: reason}
	}
	for _, tc := range []struct {
		name string
		line string
		opts Options
		want LoadError
	}{
		{"1202 extra column", good + "|x", Options{},
			le(2, "score", "float8", "", 46, good+"|x", "x", 1202, "Extra column(s) found")},
		{"1214 delimiter not found", "1|ab|1.5", Options{},
			le(2, "day", "date", "", 8, "1|ab|1.5", "1.5", 1214, "Delimiter not found")},
		{"1214 bad CSV quote", `1,ab"c,1.5,2020-01-02,2020-01-02 03:04:05,t,1.5`, Options{Format: "CSV"},
			le(2, "name", "varchar", "4", 2, `1,ab"c,1.5,2020-01-02,2020-01-02 03:04:05,t,1.5`, `ab"c`, 1214, "Invalid quote formatting for CSV")},
		{"1204 string too long", "1|abcde|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", Options{},
			le(2, "name", "varchar", "4", 0, "1|abcde|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", "abcde", 1204, "String length exceeds DDL length")},
		{"1204 decimal overflow", "1|ab|1000|2020-01-02|2020-01-02 03:04:05|t|1.5", Options{},
			le(2, "price", "numeric", "5,2", 0, "1|ab|1000|2020-01-02|2020-01-02 03:04:05|t|1.5", "1000", 1204, "Numeric data overflow (result precision)")},
		{"1205 date", "1|ab|1.5|2020-1-2|2020-01-02 03:04:05|t|1.5", Options{},
			le(2, "day", "date", "", 0, "1|ab|1.5|2020-1-2|2020-01-02 03:04:05|t|1.5", "2020-1-2", 1205, "Invalid Date Format - length must be 10 or more")},
		{"1206 timestamp", "1|ab|1.5|2020-01-02|yesterday|t|1.5", Options{},
			le(2, "at", "timestamp", "", 0, "1|ab|1.5|2020-01-02|yesterday|t|1.5", "yesterday", 1206, "Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]")},
		{"1207 invalid digit", "1x|ab|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", Options{},
			le(2, "id", "int4", "", 1, "1x|ab|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", "1x", 1207, "Invalid digit, Value 'x', Pos 1, Type: Integer")},
		{"1208 float", "1|ab|1.5|2020-01-02|2020-01-02 03:04:05|t|1e", Options{},
			le(2, "score", "float8", "", 0, "1|ab|1.5|2020-01-02|2020-01-02 03:04:05|t|1e", "1e", 1208, "Invalid Double format, Value '1e'")},
		{"1209 decimal", "1|ab|1..5|2020-01-02|2020-01-02 03:04:05|t|1.5", Options{},
			le(2, "price", "numeric", "5,2", 2, "1|ab|1..5|2020-01-02|2020-01-02 03:04:05|t|1.5", "1..5", 1209, "Invalid decimal format, Value '1..5'")},
		{"1210 boolean", "1|ab|1.5|2020-01-02|2020-01-02 03:04:05|maybe|1.5", Options{},
			le(2, "ok", "bool", "", 0, "1|ab|1.5|2020-01-02|2020-01-02 03:04:05|maybe|1.5", "maybe", 1210, "Invalid boolean value, Value 'maybe'")},
		{"1218 NUL in a longer field", "1|a\x00|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", Options{NullAs: sp(`\0`)},
			le(2, "name", "varchar", "4", 1, "1|a\x00|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", "a\x00", 1218, "Invalid null byte - field longer than 1 byte")},
		{"1220 bad UTF-8", "1|a\xff|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", Options{},
			le(2, "name", "varchar", "4", 1, "1|a.|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", "a.", 1220,
				"String contains invalid or unsupported UTF-8 codepoints. Bad UTF-8 hex sequence: ff (error 3)")},
		{"1222 integer overflow", "99999999999|ab|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", Options{},
			le(2, "id", "int4", "", 0, "99999999999|ab|1.5|2020-01-02|2020-01-02 03:04:05|t|1.5", "99999999999", 1222, "Overflow (Integer valid range -2147483648 to 2147483647)")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := good
			if tc.opts.Format == "CSV" {
				first = strings.ReplaceAll(good, "|", ",")
			}
			rows, bad := read(t, first+"\n"+tc.line+"\n", cols, tc.opts)
			if len(rows) != 1 || len(bad) != 1 {
				t.Fatalf("rows %d, errors %+v", len(rows), bad)
			}
			if bad[0] != tc.want {
				t.Errorf("got  %+v\nwant %+v", bad[0], tc.want)
			}
		})
	}
}

func TestRawLineLimits(t *testing.T) {
	long := strings.Repeat("é", 1200) // a period each
	_, bad := read(t, "x|"+long+"\n", []Column{intCol("id"), strCol("s")}, Options{})
	if len(bad) != 1 {
		t.Fatalf("errors %+v", bad)
	}
	e := bad[0]
	if len(e.RawLine) != maxRaw || e.RawLine[:2] != "x|" || strings.Trim(e.RawLine[2:], ".") != "" {
		t.Errorf("raw line %d bytes: %.40q", len(e.RawLine), e.RawLine)
	}
	_, bad = read(t, "1|"+strings.Repeat("z", 2000)+"\n", []Column{intCol("id"), vcCol("s", 5)}, Options{})
	if len(bad) != 1 || len(bad[0].RawFieldValue) != maxRaw {
		t.Errorf("raw field value not cut: %+v", len(bad[0].RawFieldValue))
	}
	name := strings.Repeat("n", 300)
	_, bad = read(t, "x\n", []Column{intCol(name)}, Options{})
	if len(bad) != 1 || len(bad[0].ColName) != maxColName {
		t.Errorf("column name not cut")
	}
}

func TestMaxKept(t *testing.T) {
	var b strings.Builder
	for range MaxKept + 5 {
		b.WriteString("x\n")
	}
	b.WriteString("1\n")
	rows, bad := read(t, b.String(), []Column{intCol("id")}, Options{})
	if len(rows) != 1 || len(bad) != MaxKept {
		t.Errorf("rows %d, errors %d", len(rows), len(bad))
	}
}

func TestOptionsRefused(t *testing.T) {
	cols := []Column{intCol("a")}
	for name, o := range map[string]Options{
		"format":                  {Format: "XML"},
		"long delimiter":          {Delimiter: "||"},
		"newline delimiter":       {Delimiter: "\n"},
		"csv escape":              {Format: "CSV", Escape: true},
		"csv removequotes":        {Format: "CSV", RemoveQuotes: true},
		"csv quote is delim":      {Format: "CSV", Quote: ","},
		"quote for text":          {Quote: "'"},
		"json delimiter":          {Format: "JSON", JSON: "auto", Delimiter: ","},
		"json null as":            {Format: "JSON", JSON: "auto", NullAs: sp("x")},
		"json fillrecord":         {Format: "JSON", JSON: "auto", FillRecord: true},
		"json without mapping":    {Format: "JSON"},
		"json both":               {Format: "JSON", JSON: "auto", JSONPaths: []string{"$.a"}},
		"jsonpaths count":         {Format: "JSON", JSONPaths: []string{"$.a", "$.b"}},
		"jsonpaths wildcard":      {Format: "JSON", JSONPaths: []string{"$.a[*]"}},
		"json for text":           {JSON: "auto"},
		"negative header":         {IgnoreHeader: -1},
		"acceptinvchars":          {AcceptInvChars: sp("ab")},
		"acceptinvchars nonascii": {AcceptInvChars: sp("é")},
		"dateformat":              {DateFormat: "nothing"},
		"escape delimiter":        {Escape: true, Delimiter: `\`},
	} {
		if _, _, err := Read(strings.NewReader("1\n"), "f", cols, o, func([]any) error { return nil }); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	bad := map[string][]Column{
		"no columns": nil,
		"array":      {{Name: "a", Type: formatArray()}},
		"decimal":    {decCol("d", 39, 0)},
		"scale":      {decCol("d", 5, 6)},
	}
	for name, c := range bad {
		if _, _, err := Read(strings.NewReader("1\n"), "f", c, Options{}, func([]any) error { return nil }); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEmitError(t *testing.T) {
	stop := errTest("stop")
	n, _, err := Read(strings.NewReader("1\n2\n"), "f", []Column{intCol("a")}, Options{}, func([]any) error { return stop })
	if err != stop || n != 1 {
		t.Errorf("n %d err %v", n, err)
	}
	_, _, err = Read(failingReader{}, "f", []Column{intCol("a")}, Options{}, func([]any) error { return nil })
	if err != stop {
		t.Errorf("read error %v", err)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

type failingReader struct{}

func (failingReader) Read(p []byte) (int, error) {
	copy(p, "1\n2")
	return 3, errTest("stop")
}

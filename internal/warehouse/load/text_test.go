package load

import "testing"

func TestText(t *testing.T) {
	two := []Column{intCol("a"), strCol("b")}
	three := []Column{intCol("a"), strCol("b"), strCol("c")}
	runCases(t, []fileCase{
		{name: "pipes", in: "1|x\n2|y\n", cols: two, want: [][]any{row(int32(1), "x"), row(int32(2), "y")}},
		{name: "no final newline", in: "1|x\n2|y", cols: two, want: [][]any{row(int32(1), "x"), row(int32(2), "y")}},
		{name: "other delimiter", in: "1\tx y\n", cols: two, opts: Options{Delimiter: "\t"}, want: [][]any{row(int32(1), "x y")}},
		{name: "backslash is data without ESCAPE", in: `1|a\|b` + "\n", cols: three, want: [][]any{row(int32(1), `a\`, "b")}},
		{name: "escaped delimiter", in: `1|a\|b` + "\n", cols: two, opts: Options{Escape: true}, want: [][]any{row(int32(1), "a|b")}},
		{name: "escaped backslash and quote", in: `1|a\\b\"` + "\n", cols: two, opts: Options{Escape: true}, want: [][]any{row(int32(1), `a\b"`)}},
		{name: "escaped newline joins lines", in: "1|a\\\nb\n2|c\n3|x\\\n", cols: two, opts: Options{Escape: true},
			want: [][]any{row(int32(1), "a\nb"), row(int32(2), "c"), row(int32(3), "x\n")}},
		{name: "escaped newline counts lines", in: "1|a\\\nb\nz|c\n", cols: two, opts: Options{Escape: true},
			want: [][]any{row(int32(1), "a\nb")}, bad: []int{1207}, lines: []int64{3}},
		{name: "backslash ending the file", in: `1|a\`, cols: two, opts: Options{Escape: true}, want: [][]any{row(int32(1), `a\`)}},
		{name: "newline ends a record without ESCAPE", in: "1|a\\\nb\n", cols: two, want: [][]any{row(int32(1), `a\`)}, bad: []int{1214}},
		{name: "default null", in: "\\N|\\N\n1|\n", cols: two, want: [][]any{row(nil, nil), row(int32(1), "")}},
		{name: "escaped null spelling", in: "1|\\\\N\n", cols: two, opts: Options{Escape: true}, want: [][]any{row(int32(1), nil)}},
		{name: "null as", in: "NULL|NULL\n1|\\N\n", cols: two, opts: Options{NullAs: sp("NULL")}, want: [][]any{row(nil, nil), row(int32(1), `\N`)}},
		{name: "null as empty", in: "1|\n", cols: two, opts: Options{NullAs: sp("")}, want: [][]any{row(int32(1), nil)}},
		{name: "empty int is null", in: "|x\n", cols: two, want: [][]any{row(nil, "x")}},
		{name: "blank int is null", in: "  |x\n", cols: two, want: [][]any{row(nil, "x")}},
		{name: "emptyasnull", in: "1|\n", cols: two, opts: Options{EmptyAsNull: true}, want: [][]any{row(int32(1), nil)}},
		{name: "blanksasnull", in: "1|   \n2|\t\n", cols: two, opts: Options{BlanksAsNull: true}, want: [][]any{row(int32(1), nil), row(int32(2), nil)}},
		{name: "blanks kept", in: "1|   \n", cols: two, want: [][]any{row(int32(1), "   ")}},
		{name: "extra column", in: "1|x|y\n", cols: two, bad: []int{1202}},
		{name: "trailing delimiter is an extra column", in: "1|x|\n", cols: two, bad: []int{1202}},
		{name: "missing column", in: "1\n", cols: two, bad: []int{1214}},
		{name: "fillrecord", in: "1\n2|x\n", cols: three, opts: Options{FillRecord: true},
			want: [][]any{row(int32(1), "", ""), row(int32(2), "x", "")}},
		{name: "fillrecord with emptyasnull", in: "1\n", cols: three, opts: Options{FillRecord: true, EmptyAsNull: true},
			want: [][]any{row(int32(1), nil, nil)}},
		{name: "fillrecord int is null", in: "x\n", cols: []Column{strCol("s"), intCol("i")}, opts: Options{FillRecord: true},
			want: [][]any{row("x", nil)}},
		{name: "fillrecord still refuses extra", in: "1|x|y|z\n", cols: three, opts: Options{FillRecord: true}, bad: []int{1202}},
		{name: "ignoreheader", in: "a|b\nc|d\n1|x\n", cols: two, opts: Options{IgnoreHeader: 2}, want: [][]any{row(int32(1), "x")}},
		{name: "ignoreheader past the end", in: "a|b\n", cols: two, opts: Options{IgnoreHeader: 3}},
		{name: "ignoreheader keeps line numbers", in: "h\n1|x\ny|z\n", cols: two, opts: Options{IgnoreHeader: 1},
			want: [][]any{row(int32(1), "x")}, bad: []int{1207}, lines: []int64{3}},
		{name: "blank line is a record", in: "1|x\n\n2|y\n", cols: two,
			want: [][]any{row(int32(1), "x"), row(int32(2), "y")}, bad: []int{1214}, lines: []int64{2}},
		{name: "ignoreblanklines", in: "1|x\n\n\n2|y\n", cols: two, opts: Options{IgnoreBlankLines: true},
			want: [][]any{row(int32(1), "x"), row(int32(2), "y")}},
		{name: "ignoreblanklines keeps a line of blanks", in: " \n", cols: two, opts: Options{IgnoreBlankLines: true}, bad: []int{1214}},
		{name: "blank line loads into one column", in: "\n", cols: []Column{strCol("s")}, want: [][]any{row("")}},
		{name: "carriage return is data", in: "1|x\r\n", cols: two, want: [][]any{row(int32(1), "x\r")}},
		{name: "removequotes", in: `"1"|"a|b"` + "\n" + `1|'x'` + "\n", cols: two, opts: Options{RemoveQuotes: true},
			want: [][]any{row(int32(1), "a|b"), row(int32(1), "x")}},
		{name: "removequotes keeps inner quotes", in: `1|' 'Black' '` + "\n" + `2|Blue'` + "\n", cols: two, opts: Options{RemoveQuotes: true},
			want: [][]any{row(int32(1), ` 'Black' `), row(int32(2), `Blue'`)}},
		{name: "removequotes unmatched", in: "1|'Blue\n2|\"Blue\n", cols: two, opts: Options{RemoveQuotes: true}, bad: []int{1214, 1214}},
		{name: "removequotes quote then text", in: "1|\"a\"b\n", cols: two, opts: Options{RemoveQuotes: true}, bad: []int{1214}},
		{name: "removequotes with escape", in: `1|"a\"|b"` + "\n", cols: two, opts: Options{RemoveQuotes: true, Escape: true},
			want: [][]any{row(int32(1), `a"|b`)}},
		{name: "nul ends the record", in: "1|ab\x00cd\n2|x\x00|y\n", cols: two,
			want: [][]any{row(int32(1), "ab"), row(int32(2), "x")}},
		{name: "null as nul", in: "1|\x00\n2|a\x00\n", cols: two, opts: Options{NullAs: sp(`\0`)},
			want: [][]any{row(int32(1), nil)}, bad: []int{1218}},
		{name: "long line", in: "1|" + string(make([]byte, 0)) + longString(600000) + "\n", cols: two,
			want: [][]any{row(int32(1), longString(600000))}},
	})
}

func longString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}

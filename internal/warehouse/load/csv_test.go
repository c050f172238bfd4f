package load

import "testing"

func TestCSV(t *testing.T) {
	two := []Column{intCol("a"), strCol("b")}
	csv := Options{Format: "CSV"}
	with := func(f func(*Options)) Options { o := csv; f(&o); return o }
	runCases(t, []fileCase{
		{name: "plain", in: "1,x\n2,y\n", cols: two, opts: csv, want: [][]any{row(int32(1), "x"), row(int32(2), "y")}},
		{name: "quoted delimiter", in: `1,"a,b"` + "\n", cols: two, opts: csv, want: [][]any{row(int32(1), "a,b")}},
		{name: "doubled quote", in: `1,"A ""quoted"" word"` + "\n", cols: two, opts: csv, want: [][]any{row(int32(1), `A "quoted" word`)}},
		{name: "quoted number", in: `"1",x` + "\n", cols: two, opts: csv, want: [][]any{row(int32(1), "x")}},
		{name: "quoted newline", in: "1,\"a\nb\"\n2,c\n", cols: two, opts: csv, want: [][]any{row(int32(1), "a\nb"), row(int32(2), "c")}},
		{name: "quoted newline advances line numbers", in: "1,\"a\n\nb\"\nx,c\n", cols: two, opts: csv,
			want: [][]any{row(int32(1), "a\n\nb")}, bad: []int{1207}, lines: []int64{4}},
		{name: "blanks around quotes", in: `1,  "a b"  ` + "\n", cols: two, opts: csv, want: [][]any{row(int32(1), "a b")}},
		{name: "blanks without quotes are data", in: "1, a \n", cols: two, opts: csv, want: [][]any{row(int32(1), " a ")}},
		{name: "quote inside a plain field", in: "1,aaaa\"zzzz\n", cols: two, opts: csv, bad: []int{1214}},
		{name: "text after closing quote", in: "1,\"a\"b\n", cols: two, opts: csv, bad: []int{1214}},
		{name: "unterminated quote", in: "1,\"abc\n2,x\n", cols: two, opts: csv, bad: []int{1214}, lines: []int64{1}},
		{name: "crlf", in: "1,x\r\n2,\"y\"\r\n", cols: two, opts: csv, want: [][]any{row(int32(1), "x"), row(int32(2), "y")}},
		{name: "quoted cr kept", in: "1,\"x\r\"\n", cols: two, opts: csv, want: [][]any{row(int32(1), "x\r")}},
		{name: "empty char is empty, empty int null", in: ",\n", cols: two, opts: csv, want: [][]any{row(nil, "")}},
		{name: "quoted empty", in: `"",""` + "\n", cols: two, opts: csv, want: [][]any{row(nil, "")}},
		{name: "emptyasnull", in: "1,\n2,\"\"\n", cols: two, opts: with(func(o *Options) { o.EmptyAsNull = true }),
			want: [][]any{row(int32(1), nil), row(int32(2), nil)}},
		{name: "backslash N is data in CSV", in: "1,\\N\n", cols: two, opts: csv, want: [][]any{row(int32(1), `\N`)}},
		{name: "null as", in: "1,NULL\n2,\"NULL\"\n", cols: two, opts: with(func(o *Options) { o.NullAs = sp("NULL") }),
			want: [][]any{row(int32(1), nil), row(int32(2), "NULL")}},
		{name: "custom quote and delimiter", in: "1;'a;''b'\n", cols: two, opts: with(func(o *Options) { o.Delimiter, o.Quote = ";", "'" }),
			want: [][]any{row(int32(1), "a;'b")}},
		{name: "tab delimiter is not a blank", in: "1\t\"x\"\n", cols: two, opts: with(func(o *Options) { o.Delimiter = "\t" }),
			want: [][]any{row(int32(1), "x")}},
		{name: "extra and missing", in: "1,a,b\n1\n", cols: two, opts: csv, bad: []int{1202, 1214}},
		{name: "trailing delimiter", in: "1,a,\n", cols: two, opts: csv, bad: []int{1202}},
		{name: "fillrecord", in: "1\n", cols: two, opts: with(func(o *Options) { o.FillRecord = true }), want: [][]any{row(int32(1), "")}},
		{name: "ignoreheader", in: "a,b\n1,x\n", cols: two, opts: with(func(o *Options) { o.IgnoreHeader = 1 }), want: [][]any{row(int32(1), "x")}},
		{name: "ignoreblanklines with crlf", in: "1,x\r\n\r\n\n2,y\n", cols: two, opts: with(func(o *Options) { o.IgnoreBlankLines = true }),
			want: [][]any{row(int32(1), "x"), row(int32(2), "y")}},
		{name: "nul ends the record", in: "1,ab\x00,cd\n", cols: two, opts: csv, want: [][]any{row(int32(1), "ab")}},
	})
}

package format

import (
	"errors"
	"strings"
	"testing"
)

func TestClassifyCSVSpec(t *testing.T) {
	semi := CSVSpec{Delimiter: ';', Header: HeaderPresent}
	cases := []struct {
		name    string
		spec    CSVSpec
		data    []byte
		schema  string
		header  bool
		records int64
		comp    Compression
	}{
		{"semicolon header present", semi,
			[]byte("id;name;amount;paid\n1;Ann;12.5;true\n2;Bob;3;false\n"),
			"struct<id:bigint,name:string,amount:double,paid:boolean>", true, 2, CompressionNone},
		{"header absent with columns", CSVSpec{Delimiter: ';', Header: HeaderAbsent, Columns: []string{"id", "name", "amount"}},
			[]byte("1;Ann;12.5\n2;Bob;3\n"), "struct<id:bigint,name:string,amount:double>", false, 2, CompressionNone},
		{"columns override the header", CSVSpec{Delimiter: ';', Header: HeaderPresent, Columns: []string{"user_id", "user_name"}},
			[]byte("id;name\n1;Ann\n"), "struct<user_id:bigint,user_name:string>", true, 1, CompressionNone},
		{"header absent", CSVSpec{Delimiter: ';', Header: HeaderAbsent},
			[]byte("x;y\nfoo;bar\n"), "struct<col0:string,col1:string>", false, 2, CompressionNone},
		{"header unknown detects one", CSVSpec{Delimiter: ';'},
			[]byte("id;name\n1;a\n2;b\n"), "struct<id:bigint,name:string>", true, 2, CompressionNone},
		{"header unknown all strings", CSVSpec{Delimiter: ';', Header: HeaderUnknown},
			[]byte("x;y\nfoo;bar\n"), "struct<col0:string,col1:string>", false, 2, CompressionNone},
		{"single column allowed", CSVSpec{Delimiter: ',', Header: HeaderPresent, AllowSingleColumn: true},
			[]byte("email\nann@example.com\nbob@example.com\n"), "struct<email:string>", true, 2, CompressionNone},
		{"custom quote", CSVSpec{Delimiter: '|', Quote: '\'', Header: HeaderPresent},
			[]byte("id|note\n1|'a|b'\r\n2|'it''s \"fine\"'\r\n3|\n"), "struct<id:bigint,note:string>", true, 3, CompressionNone},
		{"quoted line break", semi,
			[]byte("id;note\n1;\"two\nlines\"\n2;x\n"), "struct<id:bigint,note:string>", true, 2, CompressionNone},
		{"values trimmed", CSVSpec{Delimiter: ';', Header: HeaderAbsent},
			[]byte(" 1; 2\n 3;4\n"), "struct<col0:bigint,col1:bigint>", false, 2, CompressionNone},
		{"trimming disabled", CSVSpec{Delimiter: ';', Header: HeaderAbsent, DisableTrimming: true},
			[]byte("1; 2\n3;4\n"), "struct<col0:bigint,col1:string>", false, 2, CompressionNone},
		{"trailing delimiter", semi, []byte("a;b;\n1;2;\n"), "struct<a:bigint,b:bigint>", true, 1, CompressionNone},
		{"empty header cell and blank lines", semi, []byte("a;\n\n1;x\n\n"), "struct<a:bigint,col1:string>", true, 1, CompressionNone},
		{"tab gzip", CSVSpec{Delimiter: '\t', Header: HeaderPresent},
			compressWith(t, CompressionGzip, []byte("ts\tlevel\n2024-03-15\tINFO\n")),
			"struct<ts:string,level:string>", true, 1, CompressionGzip},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := ClassifyCSVSpec(strings.NewReader(string(c.data)), int64(len(c.data)), c.spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Schema.String(); got != c.schema {
				t.Errorf("schema\n got %s\nwant %s", got, c.schema)
			}
			if res.Classification != "csv" || res.Delimiter != c.spec.Delimiter || res.HasHeader != c.header ||
				res.RecordsSampled != c.records || res.Compression != c.comp || res.Confidence != 1 {
				t.Errorf("result %+v", res)
			}
			if res.BytesRead != int64(len(c.data)) {
				t.Errorf("BytesRead %d, file has %d", res.BytesRead, len(c.data))
			}
		})
	}
}

func TestClassifyCSVSpecNoMatch(t *testing.T) {
	semi := CSVSpec{Delimiter: ';', Header: HeaderPresent}
	cases := []struct {
		name, data string
		spec       CSVSpec
		opts       Options
		want       string
	}{
		{"single column refused", "email\nann@example.com\n", CSVSpec{Delimiter: ',', Header: HeaderPresent}, Options{}, "one column"},
		{"ragged", "a;b;c\n1;2;3\n4;5\n", semi, Options{}, "line 3 has 2 fields, the first row has 3"},
		{"ragged after a quoted line break", "a;b\n1;\"x\ny\"\n\n2\n", semi, Options{}, "line 5 has 1 fields"},
		{"wrong delimiter", "a,b\n1,2\n", semi, Options{}, "one column"},
		{"columns miscounted", "1;2;3\n", CSVSpec{Delimiter: ';', Columns: []string{"a", "b"}}, Options{}, "3 columns, the classifier names 2"},
		{"duplicate header", "a;A\n1;2\n", semi, Options{}, `both named "A"`},
		{"text after quote", "a;b\n\"x\"y;1\n", semi, Options{}, "line 2: 'y' after a closing quote"},
		{"unclosed quote", "a;b\n1;\"open\n", semi, Options{}, "line 2: a quoted field is never closed"},
		{"binary", "a;b\x00\n", semi, Options{}, "binary"},
		{"not utf-8", "a;b\n\xff;1\n", semi, Options{}, "UTF-8"},
		{"empty", "", semi, Options{}, "empty"},
		{"blank", "\n\r\n", semi, Options{}, "no rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ClassifyCSVSpec(strings.NewReader(c.data), int64(len(c.data)), c.spec, c.opts)
			if !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrNoMatch saying %q", err, c.want)
			}
		})
	}
}

func TestClassifyCSVSpecLimits(t *testing.T) {
	spec := CSVSpec{Delimiter: ';', Header: HeaderPresent}
	data := "a;b\n1;x\n2;y\n3;z\n4;\"cut quoted\nfield\"\n"
	res, err := ClassifyCSVSpec(strings.NewReader(data), int64(len(data)), spec, Options{MaxRecords: 2})
	if err != nil || res.RecordsSampled != 2 {
		t.Fatalf("MaxRecords: %+v, %v", res, err)
	}
	// The cap cuts the quoted field open: that record is not judged.
	res, err = ClassifyCSVSpec(strings.NewReader(data), int64(len(data)), spec, Options{MaxBytes: int64(len(data) - 3)})
	if err != nil || res.RecordsSampled != 3 {
		t.Fatalf("MaxBytes: %+v, %v", res, err)
	}
}

func TestCSVSpecValidate(t *testing.T) {
	cases := []struct {
		spec CSVSpec
		want string
	}{
		{CSVSpec{}, "a delimiter is required"},
		{CSVSpec{Delimiter: '\n'}, "cannot separate"},
		{CSVSpec{Delimiter: ',', Quote: '\r'}, "cannot quote"},
		{CSVSpec{Delimiter: '"'}, "quote and delimiter are both"},
		{CSVSpec{Delimiter: ',', Header: "MAYBE"}, `header "MAYBE"`},
		{CSVSpec{Delimiter: ',', Columns: []string{"a", "A"}}, `column "A" is named twice`},
		{CSVSpec{Delimiter: ',', Columns: []string{"a", " "}}, `bad column name " "`},
	}
	for _, c := range cases {
		err := c.spec.Validate()
		if !errors.Is(err, ErrInvalidClassifier) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.spec, err, c.want)
		}
		if _, err := ClassifyCSVSpec(strings.NewReader("a,b\n"), 4, c.spec, Options{}); !errors.Is(err, ErrInvalidClassifier) {
			t.Errorf("%+v: classify gave %v", c.spec, err)
		}
	}
	if err := (CSVSpec{Delimiter: '\x01', Header: "present"}).Validate(); err != nil {
		t.Errorf("Ctrl-A delimiter: %v", err)
	}
}

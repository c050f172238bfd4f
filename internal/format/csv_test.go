package format

import (
	"errors"
	"strings"
	"testing"
)

func TestInferCSV(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		delim          rune
		header         bool
		records        int
	}{
		{"comma header", "id,name,score,ok\n1,ann,2.5,true\n2,bob,3,false\n",
			"struct<id:bigint,name:string,score:double,ok:boolean>", ',', true, 2},
		{"tab", "a\tb\n1\tx\n2\ty\n", "struct<a:bigint,b:string>", '\t', true, 2},
		{"pipe", "a|b|c\n1|2|3\n4|5|6\n", "struct<a:bigint,b:bigint,c:bigint>", '|', true, 2},
		{"semicolon beats comma", "a;b\n1,5;x\n2,5;y\n", "struct<col0:string,col1:string>", ';', false, 3},
		{"no header all strings", "x,y\nfoo,bar\nbaz,qux\n", "struct<col0:string,col1:string>", ',', false, 3},
		{"no header numbers", "1,2\n3,4\n", "struct<col0:bigint,col1:bigint>", ',', false, 2},
		{"quoted", "name,note\n\"Doe, J\",\"said \"\"hi\"\"\"\n\"x\",\"multi\nline\"\nq,1\n", "struct<col0:string,col1:string>", ',', false, 4},
		{"trailing delimiter", "a,b,\n1,2,\n3,4,\n", "struct<a:bigint,b:bigint>", ',', true, 2},
		{"nulls and crlf", "a,b\r\n,x\r\n7,\r\n", "struct<a:bigint,b:string>", ',', true, 2},
		{"duplicate header names", "a,a\n1,2\n", "struct<col0:string,col1:string>", ',', false, 2},
		{"long header cell", strings.Repeat("h", 150) + ",b\n1,2\n", "struct<col0:string,col1:string>", ',', false, 2},
		{"mixed types", "a,b\n1,x\ntrue,2.5\n", "struct<col0:string,col1:string>", ',', false, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, err := InferCSV(strings.NewReader(c.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Schema.String(); got != c.want || info.Delimiter != c.delim || info.HasHeader != c.header || info.Records != c.records {
				t.Fatalf("got %s delim=%q header=%v records=%d", got, info.Delimiter, info.HasHeader, info.Records)
			}
		})
	}
}

func TestInferCSVLimits(t *testing.T) {
	line := "1,some text,2.5\n"
	in := "a,b,c\n" + strings.Repeat(line, 10000)
	info, err := InferCSV(strings.NewReader(in), Options{MaxRecords: 10})
	if err != nil || info.Records != 10 || !info.HasHeader {
		t.Fatalf("max records: %+v, %v", info, err)
	}
	// The cap cuts the last line in half; it is dropped, not called ragged.
	info, err = InferCSV(strings.NewReader(in), Options{MaxBytes: int64(6 + 3*len(line) + 4)})
	if err != nil || info.Records != 3 {
		t.Fatalf("max bytes: %+v, %v", info, err)
	}
}

func TestInferCSVErrors(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "no data"},
		{"one column", "a\nb\nc\n", "fewer than 2 columns"},
		{"one row", "a,b\n", "fewer than 2 rows"},
		{"ragged", "a,b,c\n1,2,3\n4,5,6\n7,8\n", "line 4 has 2 fields"},
		{"binary", "a,b\n1,\x00\n", "NUL byte at offset 6"},
		{"bad utf8", "a,b\n\xff,1\n", "UTF-8"},
		{"bare quote", "a,b\n1,x\"y\n", "bare \""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := InferCSV(strings.NewReader(c.in), Options{})
			if !errors.Is(err, ErrNotCSV) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrNotCSV mentioning %q", err, c.want)
			}
		})
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\tb\n1\t2\n", "\"a\",\"b\"\n\"x\ny\",1\n", "a|b|\n1|2|\n", "1;2\n3"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := InferCSV(strings.NewReader(string(b)), Options{MaxRecords: 20, MaxBytes: 2048})
		if err != nil {
			return
		}
		if len(info.Schema) < minCSVColumns || info.Records < 1 || info.Bytes > int64(len(b)) {
			t.Fatalf("implausible result %+v for %d bytes", info, len(b))
		}
	})
}

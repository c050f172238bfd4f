package format

import (
	"errors"
	"strings"
	"testing"
)

func TestInferJSON(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		array          bool
		records        int
		conflicts      bool
	}{
		{"ndjson", `{"id":1,"name":"a","ok":true}` + "\n" + `{"id":2,"name":"b","ok":false}` + "\n",
			"struct<id:bigint,name:string,ok:boolean>", false, 2, false},
		{"array", `[{"a":1},{"a":2.5,"b":"x"}]`, "struct<a:double,b:string>", true, 2, false},
		{"nested", `{"s":{"x":1,"y":[1,2]},"l":[{"k":1},{"k":null,"j":"v"}],"e":[],"o":{}}`,
			"struct<s:struct<x:bigint,y:array<bigint>>,l:array<struct<k:bigint,j:string>>,e:array<string>,o:struct<>>", false, 1, false},
		{"nulls", "{\"a\":null,\"b\":1}\n{\"a\":\"x\",\"c\":null}\n", "struct<a:string,b:bigint>", false, 2, false},
		{"big number", `{"n":123456789012345678901234}`, "struct<n:double>", false, 1, false},
		{"timestamp stays string", `{"t":"2026-11-24T23:00:00Z"}`, "struct<t:string>", false, 1, false},
		{"conflict", "{\"a\":{\"x\":1}}\n{\"a\":5}\n", "struct<a:string>", false, 2, true},
		{"bom and blanks", "\ufeff\n  {\"a\":true}", "struct<a:boolean>", false, 1, false},
		{"concatenated", `{"a":1}{"a":2}`, "struct<a:bigint>", false, 2, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, err := InferJSON(strings.NewReader(c.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Schema.String(); got != c.want || info.Array != c.array || info.Records != c.records || info.Conflicts != c.conflicts {
				t.Fatalf("got %s array=%v records=%d conflicts=%v", got, info.Array, info.Records, info.Conflicts)
			}
			if info.Bytes <= 0 || info.Bytes > int64(len(c.in)) {
				t.Fatalf("bytes %d of %d", info.Bytes, len(c.in))
			}
		})
	}
}

func TestInferJSONLimits(t *testing.T) {
	line := `{"id":1,"name":"some name"}` + "\n"
	in := strings.Repeat(line, 10000)
	info, err := InferJSON(strings.NewReader(in), Options{MaxRecords: 10})
	if err != nil || info.Records != 10 || info.Bytes != int64(10*len(line)-1) {
		t.Fatalf("max records: %+v, %v", info, err)
	}
	// The byte cap cuts a record in half: the whole ones still count.
	info, err = InferJSON(strings.NewReader(in), Options{MaxBytes: int64(3*len(line) + 5)})
	if err != nil || info.Records != 3 {
		t.Fatalf("max bytes: %+v, %v", info, err)
	}
}

func TestInferJSONErrors(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "no data"},
		{"blank", " \n ", "no data"},
		{"scalar", "42", "starts with"},
		{"not object", "{\"a\":1}\n[1]\n", "record 2"},
		{"syntax", "{\"a\":1}\n{\"a\":}\n", "record 2"},
		{"truncated", `{"a":1`, "record 1"},
		{"array of numbers", `[1,2]`, "want an object"},
		{"empty array", `[]`, "no records"},
		{"unclosed array", `[{"a":1}`, "closing"},
		{"deep", strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200), "nested"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := InferJSON(strings.NewReader(c.in), Options{})
			if !errors.Is(err, ErrNotJSON) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrNotJSON mentioning %q", err, c.want)
			}
		})
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "[{\"a\":[1,2.5]},{\"b\":null}]", "{\"a\":{\"b\":{}}}\n{\"a\":3}", "[", "{", `{"a":"\u00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := InferJSON(strings.NewReader(string(b)), Options{MaxRecords: 50, MaxBytes: 4096})
		if err != nil {
			return
		}
		if info.Records == 0 || info.Bytes > int64(len(b)) {
			t.Fatalf("records %d bytes %d of %d", info.Records, info.Bytes, len(b))
		}
		for _, c := range info.Schema {
			if c.Type.Kind == KindInvalid {
				t.Fatalf("column %q has no type", c.Name)
			}
		}
	})
}

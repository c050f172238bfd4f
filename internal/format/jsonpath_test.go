package format

import (
	"errors"
	"strings"
	"testing"
)

const cloudTrailLike = `{"Records":[
 {"eventTime":"2024-03-15T10:01:02Z","eventName":"GetObject","userIdentity":{"type":"IAMUser","userName":"ann"},"requestParameters":{"bucketName":"lake","key":"a.csv"}},
 {"eventTime":"2024-03-15T10:01:03Z","eventName":"PutObject","userIdentity":{"type":"AssumedRole"},"requestParameters":null,"readOnly":false}
]}`

const cloudTrailSchema = "struct<eventTime:string,eventName:string,userIdentity:struct<type:string,userName:string>," +
	"requestParameters:struct<bucketName:string,key:string>,readOnly:boolean>"

func TestJSONPathClassify(t *testing.T) {
	cases := []struct {
		name, path string
		data       []byte
		schema     string
		records    int64
		comp       Compression
		opts       Options
	}{
		{"records array", "$.Records[*]", []byte(cloudTrailLike), cloudTrailSchema, 2, CompressionNone, Options{}},
		{"records array gzip", "$.Records[*]", compressWith(t, CompressionGzip, []byte(cloudTrailLike)), cloudTrailSchema, 2, CompressionGzip, Options{}},
		{"top-level array", "$[*]", []byte(`[{"a":1},{"a":2.5,"b":"x"},null]`), "struct<a:double,b:string>", 2, CompressionNone, Options{}},
		{"ndjson with a path", "$.detail", []byte(`{"source":"app","detail":{"user":"ann","n":1}}` + "\n" +
			`{"source":"app","detail":{"user":"bob","n":2,"ok":true}}` + "\n" + `{"source":"app","detail-type":"x"}` + "\n"),
			"struct<user:string,n:bigint,ok:boolean>", 2, CompressionNone, Options{}},
		{"ndjson root", "$", []byte("{\"a\":1}\n{\"b\":[1,2]}\n"), "struct<a:bigint,b:array<bigint>>", 2, CompressionNone, Options{}},
		{"bracket names", `$['data']["the items"][*]`, []byte(`{"data":{"the items":[{"k":"v"}],"other":[{"z":1}]}}`),
			"struct<k:string>", 1, CompressionNone, Options{}},
		{"escaped quote in name", `$['it\'s']`, []byte(`{"it's":{"a":true}}`), "struct<a:boolean>", 1, CompressionNone, Options{}},
		{"index", "$.data[1]", []byte(`{"data":[{"x":1},{"y":2},{"z":3}]}`), "struct<y:bigint>", 1, CompressionNone, Options{}},
		{"wildcard on an object", "$[*]", []byte(`{"a":{"x":1},"b":{"y":2}}`), "struct<x:bigint,y:bigint>", 2, CompressionNone, Options{}},
		{"member wildcard", "$.*", []byte(`{"a":{"x":1},"b":{"x":2},"c":null}`), "struct<x:bigint>", 2, CompressionNone, Options{}},
		{"nested wildcards", "$.pages[*].items[*]", []byte(`{"pages":[{"items":[{"i":1}]},{"items":[{"i":2},{"j":"x"}]},{"none":1}]}`),
			"struct<i:bigint,j:string>", 3, CompressionNone, Options{}},
		{"sample limit", "$[*]", []byte(`[{"a":1},{"b":2},{"c":3}]`), "struct<a:bigint,b:bigint>", 2, CompressionNone, Options{MaxRecords: 2}},
		{"cut by the byte cap", "$.Records[*]", []byte(cloudTrailLike), "struct<eventTime:string,eventName:string," +
			"userIdentity:struct<type:string,userName:string>,requestParameters:struct<bucketName:string,key:string>>",
			1, CompressionNone, Options{MaxBytes: int64(strings.Index(cloudTrailLike, "PutObject"))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := CompileJSONPath(c.path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Classify(strings.NewReader(string(c.data)), int64(len(c.data)), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Schema.String(); got != c.schema {
				t.Errorf("schema\n got %s\nwant %s", got, c.schema)
			}
			if res.Classification != "json" || res.Confidence != 1 || res.RecordsSampled != c.records || res.Compression != c.comp {
				t.Errorf("result %+v", res)
			}
			if res.BytesRead != int64(len(c.data)) {
				t.Errorf("BytesRead %d, file has %d", res.BytesRead, len(c.data))
			}
		})
	}
}

func TestJSONPathNoMatch(t *testing.T) {
	cases := []struct{ name, path, data, want string }{
		{"selects nothing", "$.items[*]", cloudTrailLike, "selects no records"},
		{"index on an object", "$[0]", `{"a":{"b":1}}`, "selects no records"},
		{"member of an array", "$.a", `[{"a":{"b":1}}]`, "selects no records"},
		{"index out of range", "$.Records[2]", cloudTrailLike, "selects no records"},
		{"selects an array", "$.Records", cloudTrailLike, "add [*]"},
		{"selects scalars", "$.Records[*].eventName", cloudTrailLike, "selects string at byte"},
		{"csv", "$", "a,b\n1,2\n", `not json: starts with 'a'`},
		{"broken json", "$.Records[*]", `{"Records":[{"a":1},`, "unexpected EOF"},
		{"garbage after a document", "$", "{\"a\":1}\nnope\n", "not json at byte"},
		{"too deep", "$[*]", "[" + strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200) + "]", "nested deeper"},
		{"empty", "$", "", "empty"},
		{"blank", "$", " \n ", "not json: no data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := CompileJSONPath(c.path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Classify(strings.NewReader(c.data), int64(len(c.data)), Options{})
			if !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrNoMatch saying %q", err, c.want)
			}
		})
	}
}

func TestCompileJSONPathErrors(t *testing.T) {
	cases := []struct{ path, want string }{
		{"", "starts with $"},
		{"records[*]", "starts with $"},
		{"$..id", "recursive descent"},
		{"$.a[?(@.x > 1)]", "filters, slices and unions are not supported"},
		{"$.a[1:2]", "filters, slices and unions"},
		{"$.a[0,1]", "filters, slices and unions"},
		{"$.a[-1]", "offset 3"},
		{"$.a[99999999999]", "[n]"},
		{"$.", "a member name after the dot"},
		{"$.a b", `unexpected ' '`},
		{"$['a", "not closed"},
		{"$['a'", "want ] after the quoted name"},
		{"$[x]", "want [*]"},
		{"$a", `unexpected 'a'`},
		{"$" + strings.Repeat(".a", maxPathSteps+1), "more than 50 steps"},
		{"$." + strings.Repeat("a", maxPathLen), "more than 4096"},
	}
	for _, c := range cases {
		_, err := CompileJSONPath(c.path)
		if !errors.Is(err, ErrInvalidClassifier) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: got %v, want %q", c.path, err, c.want)
		}
	}
	for _, ok := range []string{"$", "$[*]", "$.a.b[0]['c d'][*].*", `$["x"]`, "$.a-b.c_d.$e"} {
		if p, err := CompileJSONPath(ok); err != nil || p.String() != ok {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

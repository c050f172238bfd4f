package format

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const avroSchema = `{"type":"record","name":"Event","namespace":"tarn.test","fields":[
 {"name":"id","type":"long"},
 {"name":"n","type":"int"},
 {"name":"name","type":["null","string"],"default":null},
 {"name":"ok","type":"boolean"},
 {"name":"score","type":"double"},
 {"name":"ratio","type":"float"},
 {"name":"raw","type":"bytes"},
 {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
 {"name":"hash","type":{"type":"fixed","name":"Hash","size":4}},
 {"name":"day","type":{"type":"int","logicalType":"date"}},
 {"name":"at","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"at_ms","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"attrs","type":{"type":"map","values":"long"}},
 {"name":"inner","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}},
 {"name":"again","type":["null","Inner"]},
 {"name":"either","type":["null","int","long"]}
]}`

const avroWant = "struct<id:bigint,n:int,name:string,ok:boolean,score:double,ratio:float,raw:binary,kind:string," +
	"hash:binary,day:date,at:timestamp,at_ms:timestamp,price:decimal(9,2),tags:array<string>,attrs:map<string,bigint>," +
	"inner:struct<x:int>,again:struct<x:int>,either:bigint>"

func TestInferAvro(t *testing.T) {
	for _, codec := range []string{"", "null", "deflate", "snappy"} {
		t.Run(codec, func(t *testing.T) {
			// A data block after the header must not be needed, or read.
			b := append(avroHeader(avroSchema, codec), "this block is never read"...)
			info, err := InferAvro(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			want := codec
			if want == "" {
				want = "null"
			}
			if got := info.Schema.String(); got != avroWant || info.Codec != want {
				t.Fatalf("got %s codec %s\nwant %s", got, info.Codec, avroWant)
			}
		})
	}
}

func TestInferAvroErrors(t *testing.T) {
	good := avroHeader(avroSchema, "")
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "magic: unexpected EOF"},
		{"bad magic", []byte("Obj\x02xxxx"), "magic"},
		{"truncated", good[:len(good)/2], "unexpected EOF"},
		{"no sync", good[:len(good)-8], "sync marker"},
		{"huge length", []byte("Obj\x01\x02\xfe\xff\xff\xff\x0f"), "out of range"},
		{"no schema", []byte("Obj\x01\x00" + strings.Repeat("s", 16)), "no avro.schema"},
		{"not a record", avroHeader(`"long"`, ""), "want a record"},
		{"recursive", avroHeader(`{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}`, ""), "recursive"},
		{"bad schema", avroHeader(`{"type":"record"`, ""), "writer schema"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := InferAvro(bytes.NewReader(c.data))
			if !errors.Is(err, ErrNotAvro) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrNotAvro mentioning %q", err, c.want)
			}
		})
	}
}

// avroHeader builds an object container header by hand: hamba/avro's ocf
// package needs github.com/golang/snappy, which go.sum does not list.
// codec "" leaves avro.codec out, as writers of uncompressed files may.
func avroHeader(schema, codec string) []byte {
	b := []byte("Obj\x01")
	if codec == "" {
		b = append(b, 2) // one entry
	} else {
		b = append(b, 3, 0) // -2 entries in a block of (unchecked) 0 bytes
		b = appendAvroString(b, "avro.codec")
		b = appendAvroString(b, codec)
	}
	b = appendAvroString(b, "avro.schema")
	b = appendAvroString(b, schema)
	b = append(b, 0)
	return append(b, strings.Repeat("s", 16)...)
}

func appendAvroString(b []byte, s string) []byte {
	n := uint64(len(s)) << 1 // zig-zag of a non-negative length
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(append(b, byte(n)), s...)
}

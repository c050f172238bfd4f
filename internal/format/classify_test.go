package format

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	csvFixture  = "id,name,score\n1,ann,2.5\n2,bob,3\n"
	csvSchema   = "struct<id:bigint,name:string,score:double>"
	jsonFixture = "{\"id\":1,\"tags\":[\"a\"]}\n{\"id\":2,\"tags\":[]}\n"
	jsonSchema  = "struct<id:bigint,tags:array<string>>"
)

func TestClassify(t *testing.T) {
	type want struct {
		class, schema string
		comp          Compression
	}
	cases := []struct {
		name string
		data []byte
		want want
	}{
		{"avro", avroHeader(avroSchema, "snappy"), want{"avro", avroWant, CompressionNone}},
		{"parquet", writeParquet(t, 5), want{"parquet", pqWant, CompressionNone}},
		{"csv", []byte(csvFixture), want{"csv", csvSchema, CompressionNone}},
		{"json", []byte(jsonFixture), want{"json", jsonSchema, CompressionNone}},
		{"json array", []byte(`[{"id":1,"tags":["x"]}]`), want{"json", jsonSchema, CompressionNone}},
	}
	for _, c := range allCompressions[1:] {
		if c == CompressionBzip2 {
			cases = append(cases, struct {
				name string
				data []byte
				want want
			}{"json bzip2", compressWith(t, c, nil), want{"json", "struct<id:bigint,name:string>", c}})
			continue
		}
		cases = append(cases,
			struct {
				name string
				data []byte
				want want
			}{"csv " + c.String(), compressWith(t, c, []byte(csvFixture)), want{"csv", csvSchema, c}},
			struct {
				name string
				data []byte
				want want
			}{"json " + c.String(), compressWith(t, c, []byte(jsonFixture)), want{"json", jsonSchema, c}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Classify(bytes.NewReader(c.data), int64(len(c.data)), c.name, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := want{res.Classification, res.Schema.String(), res.Compression}
			if got != c.want || res.Confidence <= 0 || res.BytesRead <= 0 {
				t.Fatalf("got %+v (confidence %v, bytes %d)\nwant %+v", got, res.Confidence, res.BytesRead, c.want)
			}
		})
	}
}

func TestClassifyUnknown(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"zero bytes", nil, "empty"},
		{"blank", []byte("  \n\n"), "no data"},
		{"gzip of nothing", compressWith(t, CompressionGzip, nil), "no data (compression gzip)"},
		{"binary junk", []byte{0x00, 0x01, 0x02, 0xfe, 0xff, 0x10, 0x20, 0x30}, "binary"},
		{"prose line", []byte("just one line of text"), "fewer than 2"},
		{"broken json and csv", []byte("{\"a\":\n"), "not json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Classify(bytes.NewReader(c.data), int64(len(c.data)), "f", Options{})
			if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrUnknownFormat mentioning %q", err, c.want)
			}
		})
	}
	// Container formats with a damaged header or footer say which.
	pq := writeParquet(t, 1)
	pq = append(pq[:len(pq)-4:len(pq)-4], "XXXX"...)
	if _, err := Classify(bytes.NewReader(pq), int64(len(pq)), "p", Options{}); !errors.Is(err, ErrNotParquet) {
		t.Fatalf("damaged parquet: %v", err)
	}
	gz := compressWith(t, CompressionGzip, []byte(strings.Repeat(csvFixture, 500)))
	gz = gz[:len(gz)/2]
	if _, err := Classify(bytes.NewReader(gz), int64(len(gz)), "g", Options{}); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("truncated gzip: %v", err)
	}
}

// TestClassifyReadsLittle classifies 1 GiB sparse files and checks that only
// the head (text) or the footer (Parquet) was read.
func TestClassifyReadsLittle(t *testing.T) {
	const size = 1 << 30
	pq := writeParquet(t, 3)
	for _, c := range []struct {
		name, class string
		head, tail  []byte
		maxRead     int64
	}{
		{"csv", "csv", []byte(strings.Repeat("1,ann,2.5\n", 100000)), nil, defaultMaxBytes + 64<<10},
		{"json", "json", []byte(strings.Repeat(`{"a":1}`+"\n", 100000)), nil, defaultMaxBytes + 64<<10},
		{"parquet", "parquet", []byte("PAR1"), footerOf(pq), 128 << 10},
		{"avro", "avro", append(avroHeader(avroSchema, ""), 1, 2, 3), nil, 64 << 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "big")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(size); err != nil {
				t.Skipf("no sparse files here: %v", err)
			}
			if _, err := f.WriteAt(c.head, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(c.tail, size-int64(len(c.tail))); err != nil {
				t.Fatal(err)
			}
			res, err := Classify(f, size, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Classification != c.class || res.BytesRead > c.maxRead {
				t.Fatalf("got %s after reading %d bytes, want %s within %d", res.Classification, res.BytesRead, c.class, c.maxRead)
			}
		})
	}
}

// footerOf returns a Parquet file's footer, its length and the closing magic.
func footerOf(pq []byte) []byte {
	n := int(pq[len(pq)-8]) | int(pq[len(pq)-7])<<8 | int(pq[len(pq)-6])<<16
	return pq[len(pq)-8-n:]
}

// FuzzClassify feeds arbitrary files, some behind a valid magic, and checks
// that classification never panics and always either classifies or says why.
func FuzzClassify(f *testing.F) {
	f.Add([]byte(csvFixture))
	f.Add([]byte(jsonFixture))
	f.Add(avroHeader(avroSchema, "null"))
	f.Add(writeParquet(f, 1))
	f.Add(compressWith(f, CompressionGzip, []byte(jsonFixture)))
	f.Add(compressWith(f, CompressionZstd, []byte(csvFixture)))
	f.Add(compressWith(f, CompressionLZ4, []byte(csvFixture)))
	f.Add(compressWith(f, CompressionSnappy, []byte(csvFixture)))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Classify(bytes.NewReader(b), int64(len(b)), "fuzz", Options{MaxRecords: 20, MaxBytes: 8192})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if res.Classification == "" || res.Confidence <= 0 || res.BytesRead > int64(len(b))+sniffLen {
			t.Fatalf("implausible result %+v", res)
		}
	})
}

// A text file holding MaxRecords records early is not read to MaxBytes.
func TestClassifyReadsOnlyTheHeadItNeeds(t *testing.T) {
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, `{"i":%d,"s":"some text to make the line longer"}`+"\n", i)
	}
	for _, c := range []struct {
		name string
		data string
	}{{"json", b.String()}, {"csv", strings.Repeat("a,b,c\n1,2,3\n", 2000)}} {
		data := c.data + strings.Repeat(" ", 4<<20)
		res, err := Classify(strings.NewReader(data), int64(len(data)), c.name, Options{})
		if err != nil || res.Classification != c.name || res.RecordsSampled != 1000 {
			t.Fatalf("%s: %+v %v", c.name, res, err)
		}
		if res.BytesRead > 300<<10 {
			t.Errorf("%s: read %d bytes to sample 1000 records", c.name, res.BytesRead)
		}
	}
}

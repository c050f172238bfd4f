package format

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// compressWith returns data compressed as c, using each library's writer.
func compressWith(t testing.TB, c Compression, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch c {
	case CompressionNone:
		return data
	case CompressionGzip:
		w = gzip.NewWriter(&buf)
	case CompressionZstd:
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	case CompressionSnappy:
		w = snappy.NewBufferedWriter(&buf)
	case CompressionLZ4:
		w = lz4.NewWriter(&buf)
	case CompressionBzip2:
		b, err := os.ReadFile("testdata/bzip2/records.json.bz2")
		if err != nil {
			t.Skipf("bzip2 fixture: %v", err)
		}
		return b
	default:
		t.Fatalf("no writer for %v", c)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bzip2Content is what testdata/bzip2/records.json.bz2 holds (made with
// `bzip2 -9`, since the standard library has no bzip2 writer).
const bzip2Content = "{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\"b\"}\n"

var allCompressions = []Compression{CompressionNone, CompressionGzip, CompressionZstd, CompressionSnappy, CompressionBzip2, CompressionLZ4}

func TestOpenRoundTrip(t *testing.T) {
	for _, c := range allCompressions {
		t.Run(c.String(), func(t *testing.T) {
			want := []byte(bzip2Content)
			z := compressWith(t, c, want)
			if got := Detect(z); got != c {
				t.Fatalf("Detect = %v, want %v", got, c)
			}
			r, got, err := Open(bytes.NewReader(z))
			if err != nil || got != c {
				t.Fatalf("Open = %v, %v", got, err)
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(b, want) {
				t.Fatalf("read %q, %v", b, err)
			}
		})
	}
}

func TestOpenTruncatedAndCorrupt(t *testing.T) {
	data := []byte(strings.Repeat("tarn lake crawls files, ", 2000))
	for _, c := range allCompressions[1:] {
		if c == CompressionBzip2 {
			data = []byte(bzip2Content)
		}
		z := compressWith(t, c, data)
		for name, bad := range map[string][]byte{
			"truncated": z[:len(z)*2/3],
			"corrupt":   flipTail(z),
		} {
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				r, _, err := Open(bytes.NewReader(bad))
				if err != nil {
					return // rejected up front: fine
				}
				defer r.Close()
				if _, err := io.ReadAll(r); err == nil {
					t.Fatal("read succeeded on a damaged stream")
				}
			})
		}
	}
}

// flipTail damages the second half of a stream, where data and checksums live.
func flipTail(z []byte) []byte {
	b := bytes.Clone(z)
	for i := len(b) / 2; i < len(b); i += 7 {
		b[i] ^= 0x5a
	}
	return b
}

func TestDetectShortInput(t *testing.T) {
	for _, head := range [][]byte{nil, {0x1f}, []byte("BZ"), []byte("BZh0"), []byte("\xff\x06")} {
		if c := Detect(head); c != CompressionNone {
			t.Errorf("Detect(%q) = %v", head, c)
		}
	}
}

type stuck struct{}

func (stuck) Read([]byte) (int, error) { return 0, nil }

// A decoder that never yields data nor an error fails instead of hanging
// whoever reads it to the end.
func TestProgressGuard(t *testing.T) {
	_, err := io.ReadAll(&progress{r: stuck{}})
	if !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("got %v", err)
	}
}

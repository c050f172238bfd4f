package format

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Compression is a stream compression found by its magic bytes. Crawlers look
// at content, not names: "x.csv" may well hold gzip.
type Compression uint8

// The compressions Glue records in a table's compressionType parameter.
const (
	CompressionNone Compression = iota
	CompressionGzip
	CompressionZstd
	CompressionSnappy
	CompressionBzip2
	CompressionLZ4
)

var compressionNames = [...]string{"none", "gzip", "zstd", "snappy", "bzip2", "lz4"}

// String returns the Glue/Hive name, used as compressionType.
func (c Compression) String() string {
	if int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("compression(%d)", uint8(c))
}

// magics maps each compression to the bytes its streams start with.
var magics = []struct {
	c     Compression
	magic []byte
}{
	{CompressionGzip, []byte{0x1f, 0x8b}},
	{CompressionZstd, []byte{0x28, 0xb5, 0x2f, 0xfd}},
	{CompressionSnappy, []byte("\xff\x06\x00\x00sNaPpY")}, // framing format stream identifier
	{CompressionLZ4, []byte{0x04, 0x22, 0x4d, 0x18}},      // frame format, not the legacy block format
}

// sniffLen is enough bytes for every magic above.
const sniffLen = 10

// zstdMaxMemory bounds what a hostile zstd header may make us allocate.
const zstdMaxMemory = 128 << 20 // enough for zstd --long=27 windows

// Detect names the compression a stream starting with head uses.
func Detect(head []byte) Compression {
	for _, m := range magics {
		if bytes.HasPrefix(head, m.magic) {
			return m.c
		}
	}
	// "BZh" then the block size digit 1..9.
	if len(head) >= 4 && string(head[:3]) == "BZh" && head[3] >= '1' && head[3] <= '9' {
		return CompressionBzip2
	}
	return CompressionNone
}

// Open sniffs r and returns its decompressed content. Corrupt or truncated
// streams surface as errors from Read. Close releases the decoder; it does
// not close r.
func Open(r io.Reader) (io.ReadCloser, Compression, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF {
		return nil, CompressionNone, fmt.Errorf("sniff compression: %w", err)
	}
	c := Detect(head)
	switch c {
	case CompressionGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, c, fmt.Errorf("open gzip stream: %w", err)
		}
		return zr, c, nil
	case CompressionZstd:
		// One goroutine-free decoder: crawlers open many files at once.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(zstdMaxMemory))
		if err != nil {
			return nil, c, fmt.Errorf("open zstd stream: %w", err)
		}
		return zstdCloser{zr}, c, nil
	case CompressionSnappy:
		return io.NopCloser(&progress{r: snappy.NewReader(br)}), c, nil
	case CompressionBzip2:
		return io.NopCloser(&progress{r: bzip2.NewReader(br)}), c, nil
	case CompressionLZ4:
		return io.NopCloser(&progress{r: lz4.NewReader(br)}), c, nil
	}
	return io.NopCloser(br), c, nil
}

// progress fails a reader that keeps returning nothing without an error:
// io.ReadAll would wait on it forever. Some decoders do so on crafted input.
type progress struct {
	r     io.Reader
	empty int
}

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 || err != nil || len(b) == 0 {
		p.empty = 0
		return n, err
	}
	if p.empty++; p.empty >= 100 {
		return 0, fmt.Errorf("decompress: %w", io.ErrNoProgress)
	}
	return 0, nil
}

// zstdCloser adapts Decoder.Close, which returns nothing.
type zstdCloser struct{ *zstd.Decoder }

func (z zstdCloser) Close() error {
	z.Decoder.Close()
	return nil
}

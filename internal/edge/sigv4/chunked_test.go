package sigv4

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// testChunkSigner is the signer the chunk tests chain from.
func testChunkSigner() (*chunkSigner, chunkedBody) {
	s := &chunkSigner{
		key:     deriveKey("secret", "20260314", "us-east-1", "s3"),
		amzDate: "20260314T150926Z",
		scope:   "20260314/us-east-1/s3/aws4_request",
	}
	copy(s.seed[:], bytes.Repeat([]byte{0xab}, 32))
	cb := chunkedBody{
		key:     testSigningKey("secret", "20260314", "us-east-1", "s3"),
		amzDate: s.amzDate,
		scope:   s.scope,
		seed:    hex.EncodeToString(s.seed[:]),
	}
	return s, cb
}

func decodeChunked(kind payloadKind, body []byte, want int64) ([]byte, map[string]string, error) {
	s, _ := testChunkSigner()
	c := newChunkReader(io.NopCloser(bytes.NewReader(body)), kind, s, want)
	// One byte at a time through a half reader exercises every boundary.
	got, err := io.ReadAll(iotest.HalfReader(iotest.OneByteReader(c)))
	return got, c.trailerMap(), err
}

func testData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func TestChunkedRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 100, 8192, 70000} {
		data := testData(n)
		trailers := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}, {"X-Amz-Checksum-Sha256", " padded "}}
		for _, tc := range []struct {
			kind     payloadKind
			signed   bool
			trailers [][2]string
		}{
			{payloadChunked, true, nil},
			{payloadChunkedTrailer, true, trailers},
			{payloadChunkedUnsigned, false, trailers},
			{payloadChunkedUnsigned, false, nil},
		} {
			t.Run(fmt.Sprintf("%d/%d/%d", n, tc.kind, len(tc.trailers)), func(t *testing.T) {
				_, cb := testChunkSigner()
				if !tc.signed {
					cb.key = nil
				}
				cb.trailers = tc.trailers
				body := cb.encode(data, 8192, 3000)
				got, tr, err := decodeChunked(tc.kind, body, int64(n))
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("decoded %d of %d bytes, %v", len(got), n, err)
				}
				if len(tr) != len(tc.trailers) {
					t.Errorf("trailers %v", tr)
				}
				if tc.trailers != nil && (tr["x-amz-checksum-crc32"] != "AAAAAA==" || tr["x-amz-checksum-sha256"] != "padded") {
					t.Errorf("trailers %v", tr)
				}
				// Unknown decoded length is fine too.
				if got, _, err := decodeChunked(tc.kind, body, -1); err != nil || !bytes.Equal(got, data) {
					t.Errorf("without decoded length: %d bytes, %v", len(got), err)
				}
			})
		}
	}
}

func TestChunkedErrors(t *testing.T) {
	data := testData(20000)
	_, cb := testChunkSigner()
	signed := cb.encode(data, 8192)
	unsignedCB := cb
	unsignedCB.key, unsignedCB.trailers = nil, [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	unsigned := unsignedCB.encode(data, 8192)
	trailerCB := cb
	trailerCB.trailers = [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	signedTrailer := trailerCB.encode(data, 8192)

	replace := func(b []byte, old, new string) []byte {
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 1
		return b
	}
	firstData := bytes.Index(signed, []byte("\r\n")) + 2

	for _, tc := range []struct {
		name string
		kind payloadKind
		body []byte
		want int64
		code string
		max  int // at most this many bytes may come out before the error
	}{
		{"bad first chunk data", payloadChunked, flip(signed, firstData+10), 20000, "SignatureDoesNotMatch", 0},
		{"bad second chunk data", payloadChunked, flip(signed, firstData+8192+100), 20000, "SignatureDoesNotMatch", 8192},
		{"bad chunk signature", payloadChunked, replace(signed, ";chunk-signature=", ";chunk-signature=0"), 20000, "SignatureDoesNotMatch", 0},
		{"short chunk signature", payloadChunked, replace(signed, ";chunk-signature=", ";chunk-signature=x"), 20000, "SignatureDoesNotMatch", 0},
		{"no chunk signature", payloadChunked, replace(signed, ";chunk-signature=", ";chunk-sig="), 20000, "InvalidRequest", 0},
		{"chunks swapped", payloadChunked, swapChunks(signed), 20000, "SignatureDoesNotMatch", 0},
		{"truncated in data", payloadChunked, signed[:firstData+100], 20000, "IncompleteBody", 0},
		{"truncated in header", payloadChunked, signed[:10], 20000, "IncompleteBody", 0},
		{"truncated before final CRLF", payloadChunked, signed[:len(signed)-2], 20000, "IncompleteBody", 20000},
		{"empty body", payloadChunked, nil, 20000, "IncompleteBody", 0},
		{"decoded length too small", payloadChunked, signed, 19999, "IncompleteBody", 16384},
		{"decoded length too large", payloadChunked, signed, 20001, "IncompleteBody", 20000},
		{"bad hex size", payloadChunked, replace(signed, "2000;", "2g00;"), 20000, "InvalidRequest", 0},
		{"negative size", payloadChunked, replace(signed, "2000;", "-2000;"), 20000, "InvalidRequest", 0},
		{"empty size", payloadChunked, replace(signed, "2000;", ";"), 20000, "InvalidRequest", 0},
		{"huge size", payloadChunked, replace(signed, "2000;", "1000001;"), -1, "InvalidRequest", 0},
		{"overflowing size", payloadChunked, replace(signed, "2000;", "ffffffffffffffff;"), -1, "InvalidRequest", 0},
		{"LF without CR", payloadChunked, replace(signed, "\r\n", "\n"), 20000, "InvalidRequest", 0},
		{"data not followed by CRLF", payloadChunked, replace(signed, "\r\n2000;", "xx2000;"), 20000, "InvalidRequest", 8192},
		{"long header line", payloadChunked, append([]byte("2000;chunk-signature="+strings.Repeat("a", 5000)), signed...), -1, "InvalidRequest", 0},
		{"trailer in a body without trailers", payloadChunked, endWith(signed, "x-amz-checksum-crc32:AAAAAA==\r\n\r\n"), 20000, "InvalidRequest", 20000},
		{"bad trailer signature", payloadChunkedTrailer, replace(signedTrailer, "x-amz-trailer-signature:", "x-amz-trailer-signature:0"), 20000, "SignatureDoesNotMatch", 20000},
		{"changed trailer", payloadChunkedTrailer, replace(signedTrailer, "AAAAAA==", "AAAAAB=="), 20000, "SignatureDoesNotMatch", 20000},
		{"missing trailer signature", payloadChunkedTrailer, cutLine(signedTrailer, "x-amz-trailer-signature:"), 20000, "InvalidRequest", 20000},
		{"trailer after its signature", payloadChunkedTrailer, endWith(signedTrailer, "x-extra:1\r\n\r\n"), 20000, "InvalidRequest", 20000},
		{"malformed trailer", payloadChunkedUnsigned, replace(unsigned, "x-amz-checksum-crc32:", "x-amz-checksum-crc32 "), 20000, "InvalidRequest", 20000},
		{"duplicate trailer", payloadChunkedUnsigned, endWith(unsigned, "X-Amz-Checksum-CRC32:b\r\n\r\n"), 20000, "InvalidRequest", 20000},
		{"trailer signature when unsigned", payloadChunkedUnsigned, endWith(unsigned, "x-amz-trailer-signature:00\r\n\r\n"), 20000, "InvalidRequest", 20000},
		{"too many trailers", payloadChunkedUnsigned, endWith(unsigned, strings.Repeat("x-t:1\r\n", maxTrailers)+"\r\n"), 20000, "InvalidRequest", 20000},
		{"unsigned truncated", payloadChunkedUnsigned, unsigned[:8000], 20000, "IncompleteBody", 8000},
		{"unsigned chunk extension", payloadChunkedUnsigned, replace(unsigned, "2000\r\n", "2000;x=y\r\n"), 20000, "InvalidRequest", 0},
		{"unsigned bad hex", payloadChunkedUnsigned, replace(unsigned, "2000\r\n", "20 0\r\n"), 20000, "InvalidRequest", 0},
		{"unsigned wrong length", payloadChunkedUnsigned, unsigned, 19000, "IncompleteBody", 16384},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, tr, err := decodeChunked(tc.kind, tc.body, tc.want)
			wantCode(t, err, tc.code)
			if len(got) > tc.max {
				t.Errorf("%d bytes came out before the error, at most %d may", len(got), tc.max)
			}
			if tr != nil {
				t.Errorf("trailers after a failed body: %v", tr)
			}
		})
	}
}

// endWith replaces the final CRLF of an aws-chunked body with tail.
func endWith(b []byte, tail string) []byte {
	return append(bytes.Clone(b[:len(b)-2]), tail...)
}

// swapChunks exchanges the first two chunks of a signed body.
func swapChunks(b []byte) []byte {
	parts := bytes.SplitAfterN(b, []byte("\r\n"), 5) // h1 d1 h2 d2 rest
	return bytes.Join([][]byte{parts[2], parts[3], parts[0], parts[1], parts[4]}, nil)
}

func cutLine(b []byte, prefix string) []byte {
	i := bytes.Index(b, []byte(prefix))
	j := bytes.Index(b[i:], []byte("\r\n"))
	return append(bytes.Clone(b[:i]), b[i+j+2:]...)
}

// A read error from the connection passes through with context.
func TestChunkedSourceError(t *testing.T) {
	_, cb := testChunkSigner()
	body := cb.encode(testData(100), 64)
	s, _ := testChunkSigner()
	src := io.MultiReader(bytes.NewReader(body[:50]), iotestErrReader{fmt.Errorf("connection reset")})
	c := newChunkReader(io.NopCloser(src), payloadChunked, s, -1)
	_, err := io.ReadAll(c)
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("error %v", err)
	}
}

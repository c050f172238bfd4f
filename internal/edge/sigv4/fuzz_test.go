package sigv4

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// anySecret accepts every access key, so fuzzed requests reach the
// signature and body code instead of stopping at the key lookup.
type anySecret struct{}

func (anySecret) Secret(string) (string, bool) { return exampleSecret, true }

// checkErr fails on errors that are neither *Error nor a read error with
// context; a panic fails the fuzz run by itself.
func checkErr(t *testing.T, err error) {
	var e *Error
	if err != nil && err != io.EOF && errors.As(err, &e) && (e.Code == "" || e.Status == 0) {
		t.Fatalf("error without code or status: %#v", e)
	}
}

func FuzzVerify(f *testing.F) {
	const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature="+sig,
		"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "/test.txt", []byte(nil))
	f.Add("", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
		"", "/test.txt", []byte(nil))
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
		"", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "/examplebucket/chunkObject.txt", docsChunkedBody()[:300])
	f.Add("AWS4-HMAC-SHA256 Credential=A/20130524/r/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature="+sig,
		"Action=GetCallerIdentity&Version=2011-06-15", "", "/", []byte(`{"a":1}`))
	f.Add("AWS4-HMAC-SHA256 Credential=A/20130524/r/s3/aws4_request, SignedHeaders=host, Signature="+sig,
		"a=%zz&b;c&&=&X-Amz-Signature", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "/a%2Fb/%E2%82%AC//x", []byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"))
	f.Add("AWS AKID:sig", "X-Amz-Credential=%", "zz", "", []byte("x"))

	f.Fuzz(func(t *testing.T, authz, query, contentSHA, path string, body []byte) {
		u, err := url.ParseRequestURI(path)
		if err != nil {
			u = &url.URL{Path: path}
		}
		u.RawQuery = query
		r := &http.Request{
			Method:        http.MethodPut,
			URL:           u,
			Host:          "examplebucket.s3.amazonaws.com",
			Header:        http.Header{"X-Amz-Date": {"20130524T000000Z"}, "Range": {"bytes=0-9"}},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
		}
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		if contentSHA != "" {
			r.Header.Set("X-Amz-Content-Sha256", contentSHA)
			r.Header.Set("X-Amz-Decoded-Content-Length", "5")
		}
		v := &Verifier{Secrets: anySecret{}, Now: func() time.Time { return exampleTime }}
		res, err := v.Verify(r)
		checkErr(t, err)
		if err != nil {
			if res != nil {
				t.Fatal("result with an error")
			}
			return
		}
		n, err := io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
		checkErr(t, err)
		if n > int64(len(body)) {
			t.Fatalf("decoded %d bytes from a %d-byte body", n, len(body))
		}
		_ = res.Trailer()
		res.Body.Close()
	})
}

func FuzzChunked(f *testing.F) {
	_, cb := testChunkSigner()
	f.Add(uint8(payloadChunked), cb.encode(testData(100), 40), int64(100), uint8(7))
	cbT := cb
	cbT.trailers = [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	f.Add(uint8(payloadChunkedTrailer), cbT.encode(testData(50), 64), int64(50), uint8(1))
	cbU := cbT
	cbU.key = nil
	f.Add(uint8(payloadChunkedUnsigned), cbU.encode(testData(300), 100), int64(-1), uint8(3))
	f.Add(uint8(payloadChunkedUnsigned), []byte("5\r\nhello\r\n0\r\n\r\n"), int64(5), uint8(0))
	f.Add(uint8(payloadChunkedUnsigned), []byte("ffffffffffffffff\r\n"), int64(-1), uint8(0))
	f.Add(uint8(payloadChunked), []byte("0;chunk-signature=\r\n\r\n"), int64(0), uint8(2))

	f.Fuzz(func(t *testing.T, kind uint8, body []byte, want int64, step uint8) {
		k := payloadChunked + payloadKind(kind%3)
		s, _ := testChunkSigner()
		c := newChunkReader(io.NopCloser(bytes.NewReader(body)), k, s, want)
		buf := make([]byte, int(step)+1)
		var total int
		for i := 0; ; i++ {
			n, err := c.Read(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("Read returned %d", n)
			}
			total += n
			if err != nil {
				checkErr(t, err)
				break
			}
			if i > 2*len(body)+10 {
				t.Fatal("reader makes no progress")
			}
		}
		if total > len(body) {
			t.Fatalf("decoded %d bytes from %d", total, len(body))
		}
		if tr := c.trailerMap(); tr != nil && c.err != io.EOF {
			t.Fatal("trailers of a failed body")
		}
	})
}

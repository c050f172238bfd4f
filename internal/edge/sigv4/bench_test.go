package sigv4

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkVerifyHeader verifies AWS's signed GET example: the per-request
// cost every authenticated request pays.
func BenchmarkVerifyHeader(b *testing.B) {
	r := wireRequest(b, withAuth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"), nil)
	v := exampleVerifier(exampleTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedDecode verifies and decodes a 16 MiB upload in 64 KiB
// signed chunks.
func BenchmarkChunkedDecode(b *testing.B) {
	const size = 16 << 20
	data := testData(size)
	s, cb := testChunkSigner()
	body := cb.encode(data, 64<<10)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		c := newChunkReader(io.NopCloser(bytes.NewReader(body)), payloadChunked, s, size)
		n, err := io.Copy(io.Discard, c)
		if err != nil || n != size {
			b.Fatalf("%d bytes, %v", n, err)
		}
	}
}

// BenchmarkVerifyPresigned is the presigned-URL counterpart of
// BenchmarkVerifyHeader.
func BenchmarkVerifyPresigned(b *testing.B) {
	r := wireRequest(b, `
GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1
Host: examplebucket.s3.amazonaws.com
`, nil)
	v := exampleVerifier(exampleTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

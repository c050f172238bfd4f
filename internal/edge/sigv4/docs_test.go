package sigv4

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// Known answers from AWS's S3 API reference, "Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk", "... in
// Multiple Chunks (Chunked Upload)" and "Authenticating Requests: Using
// Query Parameters". All use AKIAIOSFODNN7EXAMPLE, bucket examplebucket,
// region us-east-1 and the time 20130524T000000Z.

func TestDocsSingleChunk(t *testing.T) {
	const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	cases := []struct {
		name string
		head string
		body string
	}{
		{"GET object with Range", `
GET /test.txt HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
Range: bytes=0-9
x-amz-content-sha256: ` + empty + `
x-amz-date: 20130524T000000Z
`, ""},
		{"PUT object, key with $ sent raw", `
PUT /test$file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
Content-Length: 21
`, "Welcome to Amazon S3."},
		{"PUT object, key with $ sent as %24", `
PUT /test%24file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
Content-Length: 21
`, "Welcome to Amazon S3."},
		{"GET bucket lifecycle", `
GET /?lifecycle HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543
x-amz-date: 20130524T000000Z
x-amz-content-sha256: ` + empty + `
`, ""},
		{"GET bucket (list objects)", `
GET /?max-keys=2&prefix=J HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7
x-amz-date: 20130524T000000Z
x-amz-content-sha256: ` + empty + `
`, ""},
		{"GET bucket (list objects), query reordered", `
GET /?prefix=J&max-keys=2 HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7
x-amz-date: 20130524T000000Z
x-amz-content-sha256: ` + empty + `
`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := wireRequest(t, tc.head, []byte(tc.body))
			res, err := exampleVerifier(exampleTime).Verify(r)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.AccessKeyID != exampleAKID || res.Region != "us-east-1" || res.Service != "s3" || res.Presigned {
				t.Errorf("result %+v", res)
			}
			got, err := io.ReadAll(res.Body)
			if err != nil || string(got) != tc.body {
				t.Errorf("body %q, %v; want %q", got, err, tc.body)
			}
		})
	}
}

func TestDocsSingleChunkBodyTampered(t *testing.T) {
	r := wireRequest(t, `
PUT /test$file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
Content-Length: 21
`, []byte("Welcome to Amazon S4."))
	res, err := exampleVerifier(exampleTime).Verify(r)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	_, err = io.ReadAll(res.Body)
	wantCode(t, err, "XAmzContentSHA256Mismatch")
}

// The chunked-upload example: 66560 bytes of 'a' in a 65536-byte and a
// 1024-byte chunk.
const docsChunkedHead = `
PUT /examplebucket/chunkObject.txt HTTP/1.1
Host: s3.amazonaws.com
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9
x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD
Content-Encoding: aws-chunked
x-amz-decoded-content-length: 66560
Content-Length: 66824
`

func docsChunkedBody() []byte {
	return []byte("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
		strings.Repeat("a", 65536) + "\r\n" +
		"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
		strings.Repeat("a", 1024) + "\r\n" +
		"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n")
}

func TestDocsChunked(t *testing.T) {
	body := docsChunkedBody()
	if len(body) != 66824 {
		t.Fatalf("example body is %d bytes, the docs say 66824", len(body))
	}
	res, err := exampleVerifier(exampleTime).Verify(wireRequest(t, docsChunkedHead, body))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.DecodedLength != 66560 {
		t.Errorf("DecodedLength %d", res.DecodedLength)
	}
	if res.Trailer() != nil {
		t.Error("Trailer before EOF")
	}
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, bytes.Repeat([]byte("a"), 66560)) {
		t.Errorf("decoded %d bytes, not 66560 of 'a'", len(got))
	}
	if tr := res.Trailer(); tr == nil || len(tr) != 0 {
		t.Errorf("Trailer after EOF = %v, want empty", tr)
	}

	// The same signatures from the independent test encoder.
	cb := chunkedBody{
		key:     testSigningKey(exampleSecret, "20130524", "us-east-1", "s3"),
		amzDate: "20130524T000000Z",
		scope:   "20130524/us-east-1/s3/aws4_request",
		seed:    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
	}
	if enc := cb.encode(bytes.Repeat([]byte("a"), 66560), 65536); !bytes.Equal(enc, body) {
		t.Errorf("test encoder disagrees with the docs: %v", cb.sigs)
	}
}

func TestDocsChunkedTampered(t *testing.T) {
	body := docsChunkedBody()
	i := bytes.Index(body, []byte("\r\n")) + 2 + 65535 // last byte of the first chunk
	body[i] = 'b'
	res, err := exampleVerifier(exampleTime).Verify(wireRequest(t, docsChunkedHead, body))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	got, err := io.ReadAll(res.Body)
	wantCode(t, err, "SignatureDoesNotMatch")
	if len(got) != 0 {
		t.Errorf("%d bytes of a chunk that failed its signature were handed out", len(got))
	}
}

func TestDocsPresigned(t *testing.T) {
	head := `
GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1
Host: examplebucket.s3.amazonaws.com
`
	res, err := exampleVerifier(exampleTime).Verify(wireRequest(t, head, nil))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !res.Presigned || res.AccessKeyID != exampleAKID {
		t.Errorf("result %+v", res)
	}

	// Valid until 86400 s after X-Amz-Date, not a second longer.
	_, err = exampleVerifier(exampleTime.Add(86400e9)).Verify(wireRequest(t, head, nil))
	if err != nil {
		t.Errorf("at expiry: %v", err)
	}
	_, err = exampleVerifier(exampleTime.Add(86401e9)).Verify(wireRequest(t, head, nil))
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "Request has expired") {
		t.Errorf("message %q", err)
	}
}

// The trailer example of "Signature calculations for trailing headers": the
// trailer signature chained from the final chunk's signature. The stored
// copies of that page did not show the example body; these values are as
// transcribed from it in minio-go's tests (request-signature-streaming_test.go).
func TestDocsTrailerSignature(t *testing.T) {
	c := &chunkReader{
		signed:   true,
		trailers: true,
		sign: chunkSigner{
			key:     deriveKey(exampleSecret, "20130524", "us-east-1", "s3"),
			amzDate: "20130524T000000Z",
			scope:   "20130524/us-east-1/s3/aws4_request",
		},
	}
	copy(c.prev[:], "e05ab64fe1dfdbf0b5870abbaabdb063c371d4e96f2767e6934d90529c5ae850")
	c.br = bufioReader("x-amz-checksum-crc32c:wdBDMA==\r\n" +
		"x-amz-trailer-signature:41e14ac611e27a8bb3d66c3bad6856f209297767d5dd4fc87d8fa9e422e03faf\r\n\r\n")
	if err := c.readTrailers(); err != nil {
		t.Fatalf("readTrailers: %v", err)
	}
	if c.trailer["x-amz-checksum-crc32c"] != "wdBDMA==" {
		t.Errorf("trailers %v", c.trailer)
	}
}

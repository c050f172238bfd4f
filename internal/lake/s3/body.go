package s3

import (
	"bytes"
	"fmt"
	"io"
	"os"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// Bodies reach S3 with a known Content-Length, because S3 refuses a plain
// PUT without one (chunked uploads need aws-chunked signing, which not every
// compatible store speaks).
//
// A body of known size streams straight from the caller's reader. Over plain
// HTTP the SDK would hash the payload for its signature before sending it,
// which needs a seekable body read twice; the request is signed with
// UNSIGNED-PAYLOAD instead (see unsignedPayload), as the SDK itself does over
// HTTPS. The body is then protected by TCP and by the length check, and by
// TLS when the endpoint is https.
//
// A body of unknown size is spooled first: to memory when small, else to a
// temporary file. The upload manager could stream it as a multipart upload,
// but then the ETag would be multipart-style ("-N") rather than the MD5 the
// seam promises for Put, and a failure could leave parts behind.

// memSpool is the most of an unknown-size body kept in memory.
const memSpool = 1 << 20

// unsignedPayload makes one call sign UNSIGNED-PAYLOAD in place of the
// payload's SHA-256, so a non-seekable body can be sent over plain HTTP.
func unsignedPayload(o *awss3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}

// sizedBody returns r with its length: as it is when size is known, or
// spooled when size < 0. The caller must call done when the request is over.
func (s *Store) sizedBody(r io.Reader, size int64) (body io.Reader, n int64, done func(), err error) {
	if size >= 0 {
		return r, size, func() {}, nil
	}
	var buf bytes.Buffer
	n, err = io.CopyN(&buf, r, memSpool+1)
	if err == io.EOF {
		return bytes.NewReader(buf.Bytes()), n, func() {}, nil
	}
	if err != nil {
		return nil, 0, nil, fmt.Errorf("s3: read body: %w", err)
	}
	return s.spoolFile(io.MultiReader(&buf, r))
}

// spoolFile copies r to a temporary file, removed by done.
func (s *Store) spoolFile(r io.Reader) (io.Reader, int64, func(), error) {
	f, err := os.CreateTemp(s.tempDir, "tarn-s3-body-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("s3: spool body: %w", err)
	}
	done := func() {
		f.Close()
		os.Remove(f.Name())
	}
	n, err := io.Copy(f, r)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		done()
		return nil, 0, nil, fmt.Errorf("s3: spool body: %w", err)
	}
	return f, n, done, nil
}

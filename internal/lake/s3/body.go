package s3

import (
	"bytes"
	"fmt"
	"io"
	"os"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnlake/tarn/internal/lake"
)

// Bodies reach S3 with a known Content-Length, because S3 refuses a plain
// PUT without one (chunked uploads need aws-chunked signing, which not every
// compatible store speaks).
//
// A body of known size streams straight from the caller's reader, checked
// against the size (checkedBody). Over plain HTTP the SDK would hash the
// payload for its signature before sending it, which needs a seekable body
// read twice; the request is signed with UNSIGNED-PAYLOAD instead (see
// unsignedPayload), as the SDK itself does over HTTPS. The body is then
// protected by TCP, the length check and Content-MD5 when the caller gives
// one, and by TLS when the endpoint is https.
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

// body is a request body and its length.
type body struct {
	r     io.Reader
	size  int64
	check *checkedBody // nil when spooled: a spooled body is complete
	done  func()       // call when the request is over
}

// failure returns what was wrong with the caller's reader, if anything: the
// root cause of a failed request, which the SDK's error would only describe.
func (b body) failure() error {
	if b.check == nil {
		return nil
	}
	return b.check.err
}

// options returns the per-call options for sending b: UNSIGNED-PAYLOAD,
// and a single attempt for a streamed body. It cannot be rewound, so a retry
// would only fail to rewind and hide the store's own answer.
func (b body) options() []func(*awss3.Options) {
	if b.check == nil {
		return []func(*awss3.Options){unsignedPayload}
	}
	return []func(*awss3.Options){unsignedPayload, func(o *awss3.Options) { o.RetryMaxAttempts = 1 }}
}

// sizedBody returns r with its length: checked against size when known,
// spooled when size < 0.
func (s *Store) sizedBody(r io.Reader, size int64) (body, error) {
	if size >= 0 {
		c := &checkedBody{r: r, left: size}
		return body{r: c, size: size, check: c, done: func() {}}, nil
	}
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, memSpool+1)
	if err == io.EOF {
		return body{r: bytes.NewReader(buf.Bytes()), size: n, done: func() {}}, nil
	}
	if err != nil {
		return body{}, fmt.Errorf("read body: %w", err)
	}
	return s.spoolFile(io.MultiReader(&buf, r))
}

// spoolFile copies r to a temporary file, removed by done.
func (s *Store) spoolFile(r io.Reader) (body, error) {
	f, err := os.CreateTemp(s.tempDir, "tarn-s3-body-*")
	if err != nil {
		return body{}, fmt.Errorf("spool body: %w", err)
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
		return body{}, fmt.Errorf("spool body: %w", err)
	}
	return body{r: f, size: n, done: done}, nil
}

// checkedBody passes on exactly the declared number of bytes and fails with
// lake.ErrIncompleteBody when the reader has fewer or more. It reads one
// byte past the end before handing over the last bytes, so that a longer
// body fails the request before the store could take it as complete.
type checkedBody struct {
	r    io.Reader
	left int64
	err  error // set once reading failed, for good
}

func (b *checkedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	var n int
	var err error
	if b.left > 0 {
		n, err = b.r.Read(p[:min(int64(len(p)), b.left)])
		b.left -= int64(n)
	}
	if err == nil && b.left == 0 {
		err = b.atEnd()
	}
	switch {
	case err == io.EOF && b.left > 0:
		b.err = fmt.Errorf("body %d bytes shorter than declared: %w", b.left, lake.ErrIncompleteBody)
	case err == nil || err == io.EOF:
		return n, err
	default:
		b.err = err
	}
	return 0, b.err
}

// atEnd returns io.EOF if the reader ends where declared, else an error.
func (b *checkedBody) atEnd() error {
	var one [1]byte
	for range 100 { // io.Reader allows 0, nil; not forever
		n, err := b.r.Read(one[:])
		if n > 0 {
			return fmt.Errorf("body longer than declared: %w", lake.ErrIncompleteBody)
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

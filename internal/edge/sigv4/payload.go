package sigv4

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
)

// Values of X-Amz-Content-Sha256 other than a hex SHA-256.
const (
	unsignedPayload        = "UNSIGNED-PAYLOAD"
	streamingSigned        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsigned      = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingSigV4a        = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	streamingSigV4aTrailer = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"

	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// maxBufferedBody caps a body that has to be read whole before its
// signature can be checked (no X-Amz-Content-Sha256 header).
const maxBufferedBody = 16 << 20

type payloadKind int

const (
	payloadUnsigned        payloadKind = iota // UNSIGNED-PAYLOAD: body as is
	payloadSHA256                             // hex SHA-256 given: checked as it streams
	payloadBuffered                           // no header: hashed here, in memory
	payloadChunked                            // aws-chunked, signed chunks
	payloadChunkedTrailer                     // aws-chunked, signed chunks and trailer
	payloadChunkedUnsigned                    // aws-chunked, unsigned chunks and trailer
)

// payload is how the body of one request is signed.
type payload struct {
	kind payloadKind
	hash string            // what the canonical request ends with
	sum  [sha256.Size]byte // payloadSHA256: the hash the body must have
	body []byte            // payloadBuffered: the body, read whole
	// pooled: body is recycled memory, given back by release or by the
	// Result's Release.
	pooled bool
}

// release gives back a buffered body's memory when verification fails.
func (p *payload) release() {
	if p.pooled {
		putBody(p.body)
		p.body, p.pooled = nil, false
	}
}

// choosePayload reads X-Amz-Content-Sha256.
func choosePayload(r *http.Request, c *credential) (payload, error) {
	var p payload
	vs := r.Header["X-Amz-Content-Sha256"]
	if len(vs) > 1 {
		return p, errArgument("x-amz-content-sha256 is given more than once")
	}
	if len(vs) == 0 {
		if c.presigned && c.service == "s3" {
			p.kind, p.hash = payloadUnsigned, unsignedPayload
		} else {
			p.kind = payloadBuffered
		}
		return p, nil
	}
	p.hash = vs[0]
	switch p.hash {
	case unsignedPayload:
		p.kind = payloadUnsigned
	case streamingSigned:
		p.kind = payloadChunked
	case streamingSignedTrailer:
		p.kind = payloadChunkedTrailer
	case streamingUnsigned:
		p.kind = payloadChunkedUnsigned
	case streamingSigV4a, streamingSigV4aTrailer:
		return p, errUnsupportedAuth("SigV4a streaming payloads (%s) are not supported; use AWS4-HMAC-SHA256.", p.hash)
	default:
		if !decodeSignature(&p.sum, p.hash) {
			return p, errArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER), STREAMING-UNSIGNED-PAYLOAD-TRAILER or a hex SHA-256, got %q", clip(p.hash))
		}
		p.kind = payloadSHA256
	}
	return p, nil
}

// readAll reads a body whose hash is signed but not declared. A body of
// known length is read into a buffer of that size, not grown by doubling.
func (p *payload) readAll(r *http.Request) error {
	if r.ContentLength > maxBufferedBody {
		return errTooLarge(maxBufferedBody)
	}
	var b []byte
	if r.Body != nil {
		var err error
		if r.ContentLength >= 0 {
			b, p.pooled = getBody(r.ContentLength)
			p.body = b
			if _, err = io.ReadFull(r.Body, b); err != nil {
				p.release()
			}
		} else {
			b, err = io.ReadAll(io.LimitReader(r.Body, maxBufferedBody+1))
		}
		if err != nil {
			return bodyError(err, "read request body")
		}
	}
	if len(b) > maxBufferedBody {
		return errTooLarge(maxBufferedBody)
	}
	sum := sha256.Sum256(b)
	p.body = b
	p.hash = hex.EncodeToString(sum[:])
	return nil
}

// chunkSigner is what aws-chunked signatures are chained from.
type chunkSigner struct {
	key     [sha256.Size]byte
	amzDate string
	scope   string
	seed    [sha256.Size]byte // the request's own signature
}

// attach sets res.Body and res.DecodedLength for a verified request.
func (p *payload) attach(res *Result, r *http.Request, s *chunkSigner) error {
	src := r.Body
	if src == nil {
		src = http.NoBody
	}
	res.DecodedLength = r.ContentLength
	switch p.kind {
	case payloadUnsigned:
		res.Body = src
	case payloadSHA256:
		if r.ContentLength == 0 && p.hash == emptySHA256 {
			res.Body = src // nothing to check; spares GETs the hashing reader
			return nil
		}
		res.Body = &hashReader{src: src, h: sha256.New(), want: p.sum}
	case payloadBuffered:
		bb := &bufferedBody{Reader: bytes.NewReader(p.body), src: src}
		res.Body = bb
		res.DecodedLength = int64(len(p.body))
		if p.pooled {
			buf := p.body
			res.release = func() { bb.Reset(nil); putBody(buf) }
			p.body, p.pooled = nil, false
		}
	default:
		want := int64(-1)
		if vs := r.Header["X-Amz-Decoded-Content-Length"]; len(vs) > 0 {
			n, err := strconv.ParseInt(vs[0], 10, 64)
			if err != nil || n < 0 || len(vs) > 1 {
				return errArgument("x-amz-decoded-content-length must be one non-negative integer, got %q", clip(vs[0]))
			}
			want = n
		}
		cr := newChunkReader(src, p.kind, s, want)
		res.Body, res.chunked, res.DecodedLength = cr, cr, want
	}
	return nil
}

// bodyError turns the end of a body that came too early into IncompleteBody,
// and gives other read errors context.
func bodyError(err error, doing string) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errIncomplete("the body ended before the length the client declared")
	}
	return fmt.Errorf("sigv4: %s: %w", doing, err)
}

// hashReader passes a body through and, at its end, checks it against the
// SHA-256 the client signed.
type hashReader struct {
	src  io.ReadCloser
	h    hash.Hash
	want [sha256.Size]byte
	err  error
}

func (h *hashReader) Read(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	n, err := h.src.Read(p)
	if n < 0 || n > len(p) {
		h.err = errors.New("sigv4: read request body: reader returned an invalid count")
		return 0, h.err
	}
	h.h.Write(p[:n])
	switch {
	case err == io.EOF:
		var sum [sha256.Size]byte
		if subtle.ConstantTimeCompare(h.h.Sum(sum[:0]), h.want[:]) != 1 {
			err = errContentSHA256Mismatch()
		}
	case err != nil:
		err = bodyError(err, "read request body")
	}
	h.err = err
	return n, err
}

func (h *hashReader) Close() error { return h.src.Close() }

// bufferedBody is a body already read into memory; Close still closes the
// original.
type bufferedBody struct {
	*bytes.Reader
	src io.Closer
}

func (b *bufferedBody) Close() error { return b.src.Close() }

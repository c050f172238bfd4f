package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"strings"
)

const (
	// maxChunkSize bounds one aws-chunked chunk, the most this reader holds.
	maxChunkSize = 16 << 20
	// maxLine bounds a chunk header or trailer line, CRLF included.
	maxLine = 4096
	// maxTrailers bounds the trailing headers of one body.
	maxTrailers = 64

	chunkSignaturePrefix = "chunk-signature="
	trailerSignatureName = "x-amz-trailer-signature"
)

// chunkReader decodes an aws-chunked body:
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n[<trailer lines>]\r\n
//
// Signed chunks are read whole and checked before any of their bytes are
// handed out, so a handler never sees data that failed its signature;
// unsigned chunks stream straight through.
type chunkReader struct {
	src      io.ReadCloser
	br       *bufio.Reader
	signed   bool // chunks carry chunk-signature
	trailers bool // trailing headers may follow the last chunk

	sign chunkSigner
	prev [2 * sha256.Size]byte // hex of the previous signature: the seed, then each chunk's

	want int64 // X-Amz-Decoded-Content-Length, or -1
	got  int64 // payload bytes framed so far

	buf     []byte // signed: the current chunk
	pending []byte // signed: verified bytes not yet read
	left    int64  // unsigned: bytes of the current chunk not yet read
	crlf    bool   // the current chunk's closing CRLF is still to be read

	trailer map[string]string
	done    bool  // the last chunk and trailers are read and checked
	err     error // sticky; io.EOF once done
}

func newChunkReader(src io.ReadCloser, kind payloadKind, s *chunkSigner, want int64) *chunkReader {
	c := &chunkReader{
		src:      src,
		br:       bufio.NewReaderSize(src, maxLine),
		signed:   kind != payloadChunkedUnsigned,
		trailers: kind != payloadChunked,
		sign:     *s,
		want:     want,
	}
	hex.Encode(c.prev[:], s.seed[:])
	return c
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.err == nil {
		switch {
		case len(c.pending) > 0:
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		case c.left > 0:
			return c.readData(p)
		case c.done:
			c.err = io.EOF
		case len(p) == 0:
			return 0, nil
		default:
			c.err = c.next()
		}
	}
	return 0, c.err
}

func (c *chunkReader) Close() error { return c.src.Close() }

// trailerMap is the trailers once the body has been read to its end.
func (c *chunkReader) trailerMap() map[string]string {
	if c.err != io.EOF {
		return nil
	}
	if c.trailer == nil {
		return map[string]string{}
	}
	return c.trailer
}

// readData streams part of an unsigned chunk.
func (c *chunkReader) readData(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	if err != nil && c.left > 0 {
		c.err = bodyError(err, "read aws-chunked body")
		return n, c.err
	}
	// An error with the chunk complete shows again on the next read.
	return n, nil
}

// next reads the next chunk header and, for a signed chunk, the chunk.
func (c *chunkReader) next() error {
	if c.crlf {
		if err := c.readCRLF(); err != nil {
			return err
		}
		c.crlf = false
	}
	line, err := c.readLine()
	if err != nil {
		return err
	}
	size, sig, err := c.parseHeader(line)
	if err != nil {
		return err
	}
	if c.want >= 0 && c.got+size > c.want {
		return errIncomplete("the body holds more than the %d bytes X-Amz-Decoded-Content-Length declares", c.want)
	}
	if size == 0 {
		if c.signed {
			if err := c.verifyChunk(nil, &sig); err != nil {
				return err
			}
		}
		if err := c.readTrailers(); err != nil {
			return err
		}
		if c.want >= 0 && c.got != c.want {
			return errIncomplete("the body holds %d bytes, X-Amz-Decoded-Content-Length declares %d", c.got, c.want)
		}
		c.done = true
		return nil
	}
	c.got += size
	c.crlf = true
	if !c.signed {
		c.left = size
		return nil
	}
	if int64(cap(c.buf)) < size {
		c.buf = make([]byte, size)
	}
	data := c.buf[:size]
	if _, err := io.ReadFull(c.br, data); err != nil {
		return bodyError(err, "read aws-chunked body")
	}
	if err := c.verifyChunk(data, &sig); err != nil {
		return err
	}
	c.pending = data
	return nil
}

// readLine reads one CRLF-terminated line of framing, without the CRLF.
func (c *chunkReader) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, errChunkFraming("a chunk header or trailer line is longer than %d bytes", maxLine)
	case err != nil:
		return nil, bodyError(err, "read aws-chunked body")
	case len(line) < 2 || line[len(line)-2] != '\r':
		return nil, errChunkFraming("a line ends in LF without CR")
	}
	return line[:len(line)-2], nil
}

func (c *chunkReader) readCRLF() error {
	for _, want := range [2]byte{'\r', '\n'} {
		b, err := c.br.ReadByte()
		if err != nil {
			return bodyError(err, "read aws-chunked body")
		}
		if b != want {
			return errChunkFraming("chunk data is not followed by CRLF")
		}
	}
	return nil
}

// parseHeader reads "<hex size>" or "<hex size>;chunk-signature=<hex>".
func (c *chunkReader) parseHeader(line []byte) (int64, [sha256.Size]byte, error) {
	var sig [sha256.Size]byte
	sizePart, ext, hasExt := bytes.Cut(line, []byte{';'})
	if len(sizePart) == 0 || len(sizePart) > 16 {
		return 0, sig, errChunkFraming("invalid chunk size %q", clip(string(sizePart)))
	}
	var size int64
	for _, b := range sizePart {
		d, ok := unhex(b)
		if !ok {
			return 0, sig, errChunkFraming("invalid chunk size %q", clip(string(sizePart)))
		}
		if size = size<<4 | int64(d); size > maxChunkSize {
			return 0, sig, errChunkFraming("a chunk is larger than the %d-byte limit", maxChunkSize)
		}
	}
	if !c.signed {
		if hasExt {
			return 0, sig, errChunkFraming("unexpected chunk extension %q in an unsigned body", clip(string(ext)))
		}
		return size, sig, nil
	}
	hexSig, ok := bytes.CutPrefix(ext, []byte(chunkSignaturePrefix))
	if !hasExt || !ok {
		return 0, sig, errChunkFraming("a chunk has no chunk-signature")
	}
	if !decodeSignature(&sig, hexSig) {
		return 0, sig, errSignature("chunk")
	}
	return size, sig, nil
}

// verifyChunk checks one chunk's signature, chained from the previous one.
func (c *chunkReader) verifyChunk(data []byte, got *[sha256.Size]byte) error {
	sum := sha256.Sum256(data)
	var buf [stackMsg]byte
	sts := append(buf[:0], "AWS4-HMAC-SHA256-PAYLOAD\n"...)
	sts = c.appendScope(sts)
	sts = append(sts, emptySHA256+"\n"...)
	sts = hex.AppendEncode(sts, sum[:])
	return c.check(sts, got, "chunk")
}

// appendScope appends the string-to-sign lines shared by chunks and
// trailers: date, scope and previous signature.
func (c *chunkReader) appendScope(sts []byte) []byte {
	sts = append(sts, c.sign.amzDate...)
	sts = append(sts, '\n')
	sts = append(sts, c.sign.scope...)
	sts = append(sts, '\n')
	sts = append(sts, c.prev[:]...)
	return append(sts, '\n')
}

func (c *chunkReader) check(sts []byte, got *[sha256.Size]byte, what string) error {
	want := hmacSHA256(c.sign.key[:], sts)
	if subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		return errSignature(what)
	}
	hex.Encode(c.prev[:], want[:])
	return nil
}

// readTrailers reads the lines after the last chunk up to the empty line,
// checking x-amz-trailer-signature when the body is signed.
func (c *chunkReader) readTrailers() error {
	var signedLines []byte // "name:value\n" for each trailer, as signed
	var sig [sha256.Size]byte
	haveSig := false
	for n := 0; ; n++ {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if !c.trailers {
			return errChunkFraming("trailing headers in a body whose x-amz-content-sha256 declares none")
		}
		if n >= maxTrailers {
			return errChunkFraming("more than %d trailing headers", maxTrailers)
		}
		rawName, rawValue, ok := bytes.Cut(line, []byte{':'})
		name := strings.ToLower(string(bytes.TrimSpace(rawName)))
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return errChunkFraming("malformed trailing header %q", clip(string(line)))
		}
		value := string(bytes.TrimSpace(rawValue))
		if haveSig {
			return errChunkFraming("a trailing header follows %s", trailerSignatureName)
		}
		if name == trailerSignatureName {
			if !c.signed {
				return errChunkFraming("%s in an unsigned body", trailerSignatureName)
			}
			if !decodeSignature(&sig, value) {
				return errSignature("trailer")
			}
			haveSig = true
			continue
		}
		if c.trailer == nil {
			c.trailer = make(map[string]string)
		}
		if _, dup := c.trailer[name]; dup {
			return errChunkFraming("trailing header %q given twice", clip(name))
		}
		c.trailer[name] = value
		signedLines = append(append(signedLines, line...), '\n')
	}
	if !c.signed || !c.trailers {
		return nil
	}
	if !haveSig {
		return errChunkFraming("the trailing headers have no %s", trailerSignatureName)
	}
	sum := sha256.Sum256(signedLines)
	var buf [stackMsg]byte
	sts := append(buf[:0], "AWS4-HMAC-SHA256-TRAILER\n"...)
	sts = c.appendScope(sts)
	sts = hex.AppendEncode(sts, sum[:])
	return c.check(sts, &sig, "trailer")
}

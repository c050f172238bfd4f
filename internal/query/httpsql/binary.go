package httpsql

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/tarnlake/tarn/internal/query"
)

// errCutShort marks a typed-format answer that failed after part of it was
// sent: the handler then aborts the response, since Arrow and Parquet have
// no place for an error and the bytes so far may pass for a whole result.
var errCutShort = errors.New("answer cut short")

// binaryOut buffers an Arrow or Parquet answer and sends it a batch (a
// record batch, a row group) at a time.
type binaryOut struct {
	w    http.ResponseWriter
	sent counter
	buf  *bufio.Writer
}

func newBinaryOut(w http.ResponseWriter, contentType string) *binaryOut {
	w.Header().Set("Content-Type", contentType)
	o := &binaryOut{w: w, sent: counter{w: w}}
	o.buf = bufio.NewWriterSize(&o.sent, 64<<10)
	return o
}

func (o *binaryOut) Write(p []byte) (int, error) { return o.buf.Write(p) }

// flush sends what is buffered to the client now.
func (o *binaryOut) flush() error {
	if err := o.buf.Flush(); err != nil {
		return err
	}
	flush(o.w)
	return nil
}

// fail ends an answer that failed. Before any byte went out the client
// gets the usual JSON error. After, junk (bytes no reader of the format
// takes for its end) goes out first, for whoever keeps a truncated body,
// and the error is marked errCutShort.
func (o *binaryOut) fail(err error, junk []byte) error {
	if o.sent.n == 0 {
		status := http.StatusInternalServerError
		if _, ok := errors.AsType[*query.Error](err); ok {
			status = http.StatusBadRequest
		}
		fail(o.w, status, err)
		return err
	}
	o.buf.Write(junk)
	o.flush()
	return fmt.Errorf("%w after %d bytes: %w", errCutShort, o.sent.n, err)
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

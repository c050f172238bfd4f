package copyfrom

import (
	"context"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tarnlake/tarn/internal/warehouse/load"
	"github.com/tarnlake/tarn/internal/warehouse/pqscan"
)

// fastFailed is an error of the Parquet scanner's: the COPY is run again
// by load.ReadParquet, whose errors are Redshift's.
type fastFailed struct{ err error }

func (e *fastFailed) Error() string { return e.err.Error() }
func (e *fastFailed) Unwrap() error { return e.err }

// readParquet reads a Parquet object, which needs random access: it is
// spooled to a temporary file first. A file whose values load as they are
// (load.ParquetExact) is read by sc into batches handed to send; any
// other by load.ReadParquet, whose rows go to emit.
func readParquet(ctx context.Context, sc *pqscan.Scanner, r io.Reader, name string, cols []load.Column, emit func([]any) error, send func(arrow.RecordBatch) error) ([]load.LoadError, error) {
	var f *os.File
	var err error
	if sc != nil {
		if f, err = sc.Spool(); err != nil {
			sc = nil // the scanner cannot start: ReadParquet reads the file
		}
	}
	if sc == nil {
		if f, err = os.CreateTemp("", "tarn-copy-*.parquet"); err != nil {
			return nil, err
		}
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, err := io.Copy(f, r)
	if err != nil {
		return nil, err
	}
	if sc != nil && load.ParquetExact(f, size, cols) {
		if _, err := sc.Scan(ctx, f.Name(), cols, send); err != nil && err != errStopped {
			return nil, &fastFailed{err}
		}
		return nil, err
	}
	_, bad, err := load.ReadParquet(f, size, name, cols, emit)
	return bad, err
}

package copyfrom

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/load"
	"github.com/tarnlake/tarn/internal/warehouse/pqscan"
)

// A Parquet object needs random access: it is spooled to a file first.
// DuckDB reads a file whose values load as they are (load.ParquetExact):
// the embedded store's own (loadFiles), else a scanner of tarn's
// (pqscan). Any other file, and any file DuckDB fails on, is read by
// load.ReadParquet, whose errors are Redshift's.

// fastFailed is an error of DuckDB's reading, or a file it may not read:
// the COPY is run again by load.ReadParquet.
type fastFailed struct{ err error }

func (e *fastFailed) Error() string { return e.err.Error() }
func (e *fastFailed) Unwrap() error { return e.err }

var errNotExact = errors.New("the file's values do not load as they are")

// spool copies r into a file mk makes (the caller closes and removes it),
// and says how long it is. An error reading r is a readError.
func spool(r io.Reader, mk func() (*os.File, error)) (*os.File, int64, error) {
	f, err := mk()
	if err != nil {
		return nil, 0, err
	}
	src := &reader{r: r}
	size, err := io.Copy(f, src)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		if src.err != nil {
			return nil, 0, &readError{src.err}
		}
		return nil, 0, err
	}
	return f, size, nil
}

// readError is an error reading the object (the lake's, or its
// decompression's), not the spool's.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// reader keeps r's error.
type reader struct {
	r   io.Reader
	err error
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// loadFiles has the store read the files in one load, each spooled in
// its turn.
func loadFiles(ctx context.Context, lk lake.Objects, fl warehouse.FileLoader, files []object, cols []load.Column, t warehouse.Target) (int64, error) {
	var ours error // the lake's, or fastFailed
	paths := func(yield func(string, error) bool) {
		for _, f := range files {
			r, err := f.open(ctx, lk)
			if err != nil {
				ours = err
				yield("", err)
				return
			}
			file, size, err := spool(r, fl.Spool)
			r.Close()
			if err == nil {
				exact := load.ParquetExact(file, size, cols)
				if err = file.Close(); err == nil && !exact {
					err = errNotExact
				}
				if err != nil {
					os.Remove(file.Name())
				}
			}
			var re *readError
			switch {
			case errors.As(err, &re):
				ours = fail("%s: %v", f, re.err) // as the other readers say it
			case err != nil:
				ours = &fastFailed{err}
			}
			if ours != nil {
				yield("", ours)
				return
			}
			more := yield(file.Name(), nil)
			os.Remove(file.Name())
			if !more {
				return
			}
		}
	}
	n, err := fl.LoadParquet(ctx, t, cols, paths)
	switch {
	case err == nil:
		return n, nil
	case ours != nil:
		return 0, ours
	case errors.Is(err, warehouse.ErrLoaded), ctx.Err() != nil:
		return 0, err
	}
	return 0, &fastFailed{err}
}

// readParquet reads one Parquet object: with sc into batches handed to
// send, or with load.ReadParquet into rows handed to emit.
func readParquet(ctx context.Context, sc *pqscan.Scanner, r io.Reader, name string, cols []load.Column, emit func([]any) error, send func(arrow.RecordBatch) error) ([]load.LoadError, error) {
	mk := func() (*os.File, error) { return os.CreateTemp("", "tarn-copy-*.parquet") }
	if sc != nil {
		mk = func() (*os.File, error) {
			if f, err := sc.Spool(); err == nil {
				return f, nil
			}
			sc = nil // the scanner cannot start: ReadParquet reads the file
			return os.CreateTemp("", "tarn-copy-*.parquet")
		}
	}
	f, size, err := spool(r, mk)
	var re *readError
	if errors.As(err, &re) {
		return nil, re.err
	}
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if sc != nil && load.ParquetExact(f, size, cols) {
		_, err := sc.Scan(ctx, f.Name(), cols, send)
		if err != nil && err != errStopped {
			return nil, &fastFailed{err}
		}
		return nil, err // errStopped ends the COPY's reading
	}
	_, bad, err := load.ReadParquet(f, size, name, cols, emit)
	return bad, err
}

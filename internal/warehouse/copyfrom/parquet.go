package copyfrom

import (
	"io"
	"os"

	"github.com/tarnlake/tarn/internal/warehouse/load"
)

// readParquet reads a Parquet object, which needs random access: it is
// spooled to a temporary file first.
func readParquet(r io.Reader, name string, cols []load.Column, emit func([]any) error) ([]load.LoadError, error) {
	f, err := os.CreateTemp("", "tarn-copy-*.parquet")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, err := io.Copy(f, r)
	if err != nil {
		return nil, err
	}
	_, bad, err := load.ReadParquet(f, size, name, cols, emit)
	return bad, err
}

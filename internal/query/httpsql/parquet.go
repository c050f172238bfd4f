package httpsql

import (
	"fmt"
	"net/http"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/tarnlake/tarn/internal/query"
)

// A row group ends at whichever bound comes first; the writer holds the
// group (compressed) until then. Rows go to the writer in slices bounded
// the same way.
const (
	parquetGroupRows  = 128 << 10
	parquetGroupBytes = 64 << 20
	parquetSliceRows  = 1024
	parquetSliceBytes = 1 << 20
)

// parquetZstd trades some ratio for speed: the answer is made while the
// client waits.
var parquetZstd = &zstd.Codec{Level: zstd.SpeedFastest}

// parquetConv makes a column's non-NULL value. Bytes go to *buf, which
// lives until the row is handed to the writer.
type parquetConv func(v any, buf *[]byte) (parquet.Value, error)

// writeParquet streams a Parquet file: row groups as they fill, each sent
// at once, then the footer.
func writeParquet(w http.ResponseWriter, res query.Result) (int, error) {
	out := newBinaryOut(w, "application/vnd.apache.parquet")
	cols := res.Rows.Columns()
	schema, convs := parquetSchema(cols)
	pw := parquet.NewWriter(out, schema, parquet.Compression(parquetZstd), parquet.WriteBufferSize(0))
	slice := make([]parquet.Row, 0, parquetSliceRows)
	var buf []byte
	n, groupRows, groupBytes := 0, 0, 0
	// write hands the slice of rows to the writer and ends the row group
	// when it is full (or when last).
	write := func(last bool) error {
		if _, err := pw.WriteRows(slice); err != nil {
			return fmt.Errorf("write parquet rows: %w", err)
		}
		groupRows += len(slice)
		groupBytes += len(buf) + 8*len(slice)*len(cols)
		slice, buf = slice[:0], buf[:0]
		if last || groupRows < parquetGroupRows && groupBytes < parquetGroupBytes {
			return nil
		}
		groupRows, groupBytes = 0, 0
		if err := pw.Flush(); err != nil {
			return fmt.Errorf("write parquet row group: %w", err)
		}
		return out.flush()
	}
	for res.Rows.Next() {
		slice = slice[:len(slice)+1]
		row := slice[len(slice)-1][:0]
		for i, v := range res.Rows.Values() {
			if v == nil {
				row = append(row, parquet.NullValue().Level(0, 0, i))
				continue
			}
			pv, err := convs[i](v, &buf)
			if err != nil {
				return n, out.fail(columnError(cols[i], err), nil)
			}
			row = append(row, pv.Level(0, 1, i))
		}
		slice[len(slice)-1] = row
		n++
		if len(slice) == cap(slice) || len(buf) >= parquetSliceBytes {
			if err := write(false); err != nil {
				return n, out.fail(err, nil)
			}
		}
	}
	if err := res.Rows.Err(); err != nil {
		return n, out.fail(err, nil)
	}
	if err := write(true); err != nil {
		return n, out.fail(err, nil)
	}
	if err := pw.Close(); err != nil {
		return n, out.fail(fmt.Errorf("end parquet file: %w", err), nil)
	}
	return n, out.flush()
}

// valueAs makes values of Go type T with mk.
func valueAs[T any](mk func(T) parquet.Value) parquetConv {
	return func(v any, _ *[]byte) (parquet.Value, error) {
		x, ok := v.(T)
		if !ok {
			return parquet.Value{}, unexpected(v)
		}
		return mk(x), nil
	}
}

// appendBytes copies b to the end of *buf and returns the copy. A copy
// made before *buf grew stays valid: it keeps the old array.
func appendBytes[B string | []byte](buf *[]byte, b B) []byte {
	start := len(*buf)
	*buf = append(*buf, b...)
	return (*buf)[start:len(*buf):len(*buf)]
}

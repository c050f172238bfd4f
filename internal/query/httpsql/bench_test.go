package httpsql

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tarnlake/tarn/internal/query"
)

// BenchmarkEncode writes 1M rows of (BIGINT, VARCHAR, DOUBLE) in each
// format. The rows come from memory, so the encoder alone is measured.
func BenchmarkEncode(b *testing.B) {
	const rows = 1_000_000
	for _, format := range []string{"json", "ndjson", "csv", "arrow", "parquet"} {
		b.Run(format, func(b *testing.B) {
			var w discardWriter
			for b.Loop() {
				w = discardWriter{h: http.Header{}}
				n, err := encoders[format](&w, query.Result{Rows: newGenRows(rows), Tag: "SELECT"})
				if err != nil || n != rows {
					b.Fatalf("%d rows: %v", n, err)
				}
			}
			b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(w.n)/rows, "B/row")
		})
	}
}

// genRows is n rows made up as they are read.
type genRows struct {
	n, i  int
	vals  []any
	names []string
}

func newGenRows(n int) *genRows {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("customer-%03d", i)
	}
	return &genRows{n: n, vals: make([]any, 3), names: names}
}

func (r *genRows) Columns() []query.Column {
	return []query.Column{{Name: "id", Type: query.Type{Kind: query.KindBigInt}}, {Name: "name", Type: query.Type{Kind: query.KindVarchar}},
		{Name: "score", Type: query.Type{Kind: query.KindDouble}}}
}

func (r *genRows) Next() bool {
	if r.i == r.n {
		return false
	}
	r.vals[0], r.vals[1], r.vals[2] = int64(r.i), r.names[r.i%len(r.names)], float64(r.i)*0.25
	r.i++
	return true
}

func (r *genRows) Values() []any { return r.vals }
func (r *genRows) Err() error    { return nil }
func (r *genRows) Close() error  { return nil }

// discardWriter is a client that counts what it is sent.
type discardWriter struct {
	h http.Header
	n int64
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(int)     {}
func (w *discardWriter) Flush()              {}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

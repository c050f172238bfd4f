package convert

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// benchColumns is the delivery bench's table: five columns.
var benchColumns = []Column{
	{Name: "id", Type: "bigint"},
	{Name: "user", Type: "string"},
	{Name: "action", Type: "string"},
	{Name: "value", Type: "double"},
	{Name: "at", Type: "timestamp"},
}

var actions = []string{"page-view-landing-home", "add-to-cart-product", "checkout-completed-ok", "search-query-submitted"}

type benchRow struct {
	ID     int64   `parquet:"id,optional"`
	User   string  `parquet:"user,optional"`
	Action string  `parquet:"action,optional"`
	Value  float64 `parquet:"value,optional"`
	At     int64   `parquet:"at,optional,timestamp(microsecond)"`
}

func benchRecords(n int) ([][]byte, []benchRow) {
	recs := make([][]byte, n)
	rows := make([]benchRow, n)
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		at := base.Add(time.Duration(i) * 1237 * time.Millisecond)
		rows[i] = benchRow{
			ID:     int64(1_000_000 + i),
			User:   fmt.Sprintf("user-%06d@example-tenant-%03d.com", i%50000, i%97),
			Action: actions[i%len(actions)],
			Value:  float64(i%100000) / 7,
			At:     at.UnixMicro(),
		}
		recs[i] = fmt.Appendf(nil, `{"id": %d, "user": %q, "action": %q, "value": %.6f, "at": %q, "source": "bench-producer-eu-west-1-zone-b1"}`,
			rows[i].ID, rows[i].User, rows[i].Action, rows[i].Value, at.Format("2006-01-02T15:04:05.000Z"))
	}
	return recs, rows
}

func BenchmarkWrite(b *testing.B) {
	recs, _ := benchRecords(4096)
	size := 0
	for _, r := range recs {
		size += len(r)
	}
	b.SetBytes(int64(size / len(recs)))
	w, err := NewWriter(io.Discard, Options{Columns: benchColumns, SerDe: SerDe{OpenX: true, CaseInsensitive: true}})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Write(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReference writes the same rows with parquet-go's GenericWriter
// of a struct, one row a call as records come: the ceiling BenchmarkWrite
// is measured against.
func BenchmarkReference(b *testing.B) { benchReference(b, 1) }

// BenchmarkReferenceBatch is the reference given 512 rows a call.
func BenchmarkReferenceBatch(b *testing.B) { benchReference(b, 512) }

func benchReference(b *testing.B, batch int) {
	recs, rows := benchRecords(4096)
	size := 0
	for _, r := range recs {
		size += len(r)
	}
	b.SetBytes(int64(size / len(recs)))
	w := parquet.NewGenericWriter[benchRow](io.Discard, parquet.Compression(&parquet.Snappy),
		parquet.DataPageVersion(1), parquet.PageBufferSize(1<<20))
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		j := i % len(rows)
		n := min(batch, b.N-i, len(rows)-j)
		if _, err := w.Write(rows[j : j+n]); err != nil {
			b.Fatal(err)
		}
		i -= batch - n
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

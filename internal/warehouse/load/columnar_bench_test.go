package load

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// benchParquetRow is benchCols' row in Parquet: an int, a string, a
// bigint, a DECIMAL(10,2) and a DATE.
type benchParquetRow struct {
	ID    int32  `parquet:"id"`
	Name  string `parquet:"name"`
	Qty   int64  `parquet:"qty"`
	Price int64  `parquet:"price,decimal(2:10)"`
	Day   int32  `parquet:"day,date"`
}

const benchParquetRows = 1_000_000

var benchParquet = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[benchParquetRow](&buf, parquet.Compression(&parquet.Snappy))
	rows := make([]benchParquetRow, 0, 10000)
	for i := range benchParquetRows {
		rows = append(rows, benchParquetRow{ID: int32(i), Name: fmt.Sprintf("name-%d", i%977), Qty: int64(i) * 7,
			Price: int64(i%1000000) + 1, Day: int32(19723 + i%365)})
		if len(rows) == cap(rows) {
			if _, err := w.Write(rows); err != nil {
				panic(err)
			}
			rows = rows[:0]
		}
	}
	if _, err := w.Write(rows); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// BenchmarkReadParquet reads 1M rows of five columns, snappy-compressed,
// converting every value.
func BenchmarkReadParquet(b *testing.B) {
	data := benchParquet()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n, bad, err := ReadParquet(bytes.NewReader(data), int64(len(data)), "bench", benchCols, func([]any) error { return nil })
		if err != nil || len(bad) != 0 || n != benchParquetRows {
			b.Fatalf("rows %d, bad %v, err %v", n, bad, err)
		}
	}
	b.ReportMetric(float64(benchParquetRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

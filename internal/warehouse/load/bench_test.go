package load

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/tarnlake/tarn/internal/format"
)

// benchCols is a narrow five-column row: the shape the ≥1M rows/s target
// is about.
var benchCols = []Column{
	{Name: "id", Type: format.Type{Kind: format.KindInt}},
	{Name: "name", Type: format.Type{Kind: format.KindString}, MaxLen: 32},
	{Name: "qty", Type: format.Type{Kind: format.KindBigint}},
	{Name: "price", Type: format.Type{Kind: format.KindDecimal, Precision: 10, Scale: 2}},
	{Name: "day", Type: format.Type{Kind: format.KindDate}},
}

const benchRows = 100000

func benchData(delim byte, quote bool) []byte {
	var b bytes.Buffer
	for i := range benchRows {
		name := fmt.Sprintf("name-%d", i%977)
		if quote && i%3 == 0 {
			name = `"` + name + `"`
		}
		fmt.Fprintf(&b, "%d%c%s%c%d%c%d.%02d%c2024-%02d-%02d\n", i, delim, name, delim, i*7, delim, i%10000, i%100, delim, i%12+1, i%28+1)
	}
	return b.Bytes()
}

func benchRead(b *testing.B, data []byte, opts Options) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n, bad, err := Read(bytes.NewReader(data), "bench", benchCols, opts, func([]any) error { return nil })
		if err != nil || len(bad) != 0 || n != benchRows {
			b.Fatalf("rows %d, bad %v, err %v", n, bad, err)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadText(b *testing.B) { benchRead(b, benchData('|', false), Options{}) }

func BenchmarkReadCSV(b *testing.B) { benchRead(b, benchData(',', true), Options{Format: "CSV"}) }

func BenchmarkReadJSON(b *testing.B) {
	var buf bytes.Buffer
	for i := range benchRows {
		fmt.Fprintf(&buf, `{"id":%d,"name":"name-%d","qty":%d,"price":%d.%02d,"day":"2024-%02d-%02d"}`+"\n",
			i, i%977, i*7, i%10000, i%100, i%12+1, i%28+1)
	}
	benchRead(b, buf.Bytes(), Options{Format: "JSON", JSON: "auto"})
}

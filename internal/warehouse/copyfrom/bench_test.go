package copyfrom

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"testing"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
)

// BenchmarkCopy loads a gzip CSV of 5 columns from a lake folder into the
// embedded warehouse.
func BenchmarkCopy(b *testing.B) {
	const rows = 200_000
	ctx := context.Background()
	lk, wh := copyEnv(b)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintln(zw, "id,usr,action,amount,happened")
	for i := range rows {
		fmt.Fprintf(zw, "%d,user-%d,%s,%d.%02d,2026-01-01 10:%02d:%02d\n", i, i%100000, []string{"view", "click", "buy"}[i%3], i%1000, i%100, i/60%60, i%60)
	}
	zw.Close()
	if _, err := lk.Put(ctx, "lake", "in/a.csv.gz", bytes.NewReader(buf.Bytes()), lake.PutOptions{Size: int64(buf.Len())}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		table := fmt.Sprintf("t%d", i)
		if _, err := wh.Exec(ctx, "CREATE TABLE "+table+" (id bigint, usr varchar(16), action varchar(8), amount numeric(12,2), happened timestamp)"); err != nil {
			b.Fatal(err)
		}
		res, err := runCopy(b, lk, wh, "COPY "+table+" FROM 's3://lake/in/' IAM_ROLE default CSV IGNOREHEADER 1 GZIP", access.Key{Name: "root", Root: true})
		if err != nil || res.Rows != rows {
			b.Fatalf("%d rows, %v", res.Rows, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

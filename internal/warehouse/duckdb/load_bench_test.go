package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/warehouse"
)

// BenchmarkLoad appends rows of 5 columns in one transaction.
func BenchmarkLoad(b *testing.B) {
	const rows = 200_000
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "w.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	vals := make([][]any, 1000)
	for i := range vals {
		vals[i] = []any{int64(i), fmt.Sprintf("user-%d", i), "view", fmt.Sprintf("%d.%02d", i, i%100), at.Add(time.Duration(i) * time.Second)}
	}
	b.ResetTimer()
	for i := range b.N {
		table := fmt.Sprintf("t%d", i)
		if _, err := s.Exec(ctx, "CREATE TABLE "+table+" (id bigint, usr varchar(16), action varchar(8), amount numeric(12,2), happened timestamp)"); err != nil {
			b.Fatal(err)
		}
		n, err := warehouse.LoadRows(ctx, s, warehouse.Target{Schema: "public", Table: table, Columns: []string{"id", "usr", "action", "amount", "happened"}},
			func(yield func([]any, error) bool) {
				for r := range rows {
					if !yield(vals[r%len(vals)], nil) {
						return
					}
				}
			})
		if err != nil || n != rows {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

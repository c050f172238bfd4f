package crawl

import (
	"fmt"
	"testing"

	"github.com/tarnlake/tarn/internal/crawl/benchlake"
)

// benchLake fills e's lake with the tables tarn bench crawl uses, with
// parts partitions of 10 files each.
func benchLake(e *env, parts int) int {
	n := 0
	for _, tb := range benchlake.Tables() {
		for p := range parts {
			for f := range 10 {
				e.put(fmt.Sprintf("%s/%d/f%d%s", tb.Name, p, f, tb.Ext), tb.Body)
				n++
			}
		}
	}
	return n
}

// BenchmarkCrawl is a full crawl (no state from earlier crawls) per op.
func BenchmarkCrawl(b *testing.B) {
	t := &testing.T{}
	e := newEnv(t)
	e.t = t
	files := benchLake(e, 25)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		run := e.crawl(Crawler{Name: fmt.Sprintf("b%d", i), DatabaseName: fmt.Sprintf("db%d", i), Targets: []S3Target{{Path: "s3://lake/"}}})
		if run.Summary.TablesCreated != 4 {
			b.Fatalf("%+v", run.Summary)
		}
		b.ReportMetric(float64(run.Summary.BytesRead)/float64(files), "bytes-read/file")
	}
	b.ReportMetric(float64(files)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

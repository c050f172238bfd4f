// Package benchlake makes the files crawl benchmarks crawl: one file's
// content per table of a typical lake.
package benchlake

import (
	"bytes"
	"compress/gzip"
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// Table is one table of the benchmark lake: a name, the extension of its
// files and one file's content (1,000 records).
type Table struct {
	Name, Ext string
	Body      []byte
}

type metric struct {
	Host  string  `parquet:"host"`
	Name  string  `parquet:"name"`
	Value float64 `parquet:"value"`
	At    int64   `parquet:"at"`
}

// Tables returns the four tables: gzipped JSON, CSV with a header,
// Parquet and plain newline-delimited JSON.
func Tables() []Table {
	var ev, csv, logs bytes.Buffer
	zw := gzip.NewWriter(&ev)
	csv.WriteString("sku,qty,price,store\n")
	for i := range 1000 {
		fmt.Fprintf(zw, `{"id":%d,"user":"u%d","action":"click","ms":%d.5}`+"\n", i, i%97, i)
		fmt.Fprintf(&csv, "sku-%d,%d,%d.99,s%d\n", i, i%7, i, i%13)
		fmt.Fprintf(&logs, `{"ts":"2026-01-01T00:00:%02dZ","level":"info","msg":"request %d","status":200}`+"\n", i%60, i)
	}
	zw.Close()
	var pq bytes.Buffer
	w := parquet.NewGenericWriter[metric](&pq)
	rows := make([]metric, 1000)
	for i := range rows {
		rows[i] = metric{Host: fmt.Sprintf("h%d", i%10), Name: "cpu", Value: float64(i), At: int64(i)}
	}
	w.Write(rows)
	w.Close()
	return []Table{
		{"events", ".json.gz", ev.Bytes()},
		{"sales", ".csv", csv.Bytes()},
		{"metrics", ".parquet", pq.Bytes()},
		{"logs", ".json", logs.Bytes()},
	}
}

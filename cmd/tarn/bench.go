package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

const benchUsage = `Usage: tarn bench s3|streams|crawl|query|events|delivery|warehouse [flags]

Measures a served API and, in the same run, the reference each figure is
compared with, and prints the median ratio over the runs.
s3:
  PUT 16 MiB       vs writing the same bytes to a file with fsync
  GET 16 MiB       vs copying the same bytes over loopback TCP
  PUT 4 KiB x 32   vs 32 loops of 4 KiB write+fsync+rename
streams (100-byte records, one shard, 4 producers):
  PutRecords x500  vs async publishes of the same records to JetStream in-process
  GetRecords       vs a JetStream pull consumer reading them
  put→GetRecords latency, p50 and p99
crawl (10,000 files: JSON.gz, CSV, Parquet, JSON; 1,000 partitions; ~10 GiB logical):
  full crawl       vs listing the lake folder and reading each file's first and last 64 KiB
  incremental      CRAWL_NEW_FOLDERS_ONLY after 100 new files in 10 partitions
  bytes read by the full crawl
query (10M rows of Parquet in the lake, 10 hive partitions; pgx over the PostgreSQL wire):
  scan+aggregate   vs DuckDB in this process on the same files, same SQL (time ratio)
  5M rows to pgx   vs DuckDB producing them in this process (rows/s)
  time to first row of SELECT 1, p50 and p99
events (4 KiB objects; no-op Python, Node and Go functions):
  cold start       Init Duration of a new function's first invocation, per runtime
  PUT → function   latency p50 and p99, and events/s through a function at concurrency 4
  PUT 4 KiB x 32   into a bucket whose rule invokes a function vs one without rules,
                   and vs 32 loops of 4 KiB write+fsync+rename
  move 4 KiB       objects/s from PUT to moved by a rule vs PUT+CopyObject+DeleteObject
delivery (200-byte JSON records of 5 columns; Parquet with zstd; --records per run):
  stream→Parquet   records already in a Kinesis stream → a new delivery (IntervalInSeconds=0: no
                   buffer waits out an interval) → Parquet in the lake → counted by SQL, records/s,
                   vs converting them in-process with the same converter
  PutRecord → SQL  latency until a record put is visible in a query (IntervalInSeconds=1)
warehouse (--records rows of 5 columns as a gzip CSV; embedded, or --warehouse-dsn for PostgreSQL):
  COPY csv.gz      COPY from the lake, rows/s, vs DuckDB's read_csv into a table in this process
                   (PostgreSQL's own COPY FROM STDIN with --warehouse-dsn)
  COPY parquet     the UNLOAD's Parquet back into a table, vs DuckDB's read_parquet into one
                   (PostgreSQL's own COPY of the CSV with --warehouse-dsn)
  UNLOAD parquet   vs DuckDB writing the same rows to Parquet in this process
  join with lake   a warehouse table joined with a lake table and aggregated, vs DuckDB in this process
Each prints the idle RSS of tarn serve when bench starts the server itself.
Without --endpoint it starts its own tarn serve on a temporary data folder.

Examples:
  tarn bench s3
  tarn bench streams --runs 5 --records 500000
  tarn bench query --endpoint http://127.0.0.1:9800
`

func bench(ctx context.Context, args []string, con console) error {
	part, err := subcommand("bench", benchUsage, args, con, "s3", "streams", "crawl", "query", "events", "delivery", "warehouse")
	if err != nil {
		return err
	}
	fs := newCommand("bench "+part, benchUsage, con)
	var o benchOptions
	fs.StringVar(&o.endpoint, "endpoint", "", "S3 endpoint of a running tarn (default: start one)")
	fs.StringVar(&o.dir, "dir", "", "folder for the server's data and the references (default: a temporary folder)")
	fs.IntVar(&o.runs, "runs", 3, "runs; the median is reported")
	fs.IntVar(&o.bigObjects, "big", 16, "16 MiB objects per run")
	fs.IntVar(&o.clients, "clients", 32, "concurrent clients for 4 KiB PUTs")
	fs.DurationVar(&o.smallFor, "small-for", 0, "how long to PUT 4 KiB objects per run (default 3s)")
	fs.IntVar(&o.records, "records", 200000, "streams, delivery: records per run; warehouse: rows")
	fs.StringVar(&o.warehouseDSN, "warehouse-dsn", "", "warehouse: a PostgreSQL database for the server's warehouse (default: embedded), and the reference's")
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fs.usageErr("unexpected arguments: %s", strings.Join(pos, " "))
	}
	switch part {
	case "streams":
		return benchStreams(ctx, o)
	case "crawl":
		return benchCrawl(ctx, o)
	case "query":
		return benchQuery(ctx, o)
	case "events":
		return benchEvents(ctx, o)
	case "delivery":
		return benchDelivery(ctx, o)
	case "warehouse":
		return benchWarehouse(ctx, o)
	}
	return benchS3(ctx, o)
}

// figure is one measurement and its reference over several runs.
type figure struct {
	name, unit string
	got, ref   []float64
}

func (f *figure) add(got, ref float64) { f.got, f.ref = append(f.got, got), append(f.ref, ref) }

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func (f *figure) String() string {
	ratios := make([]float64, len(f.got))
	var each []string
	for i := range f.got {
		ratios[i] = f.got[i] / f.ref[i]
		each = append(each, fmt.Sprintf("%.2f", ratios[i]))
	}
	return fmt.Sprintf("%-16s %10.1f %-6s reference %10.1f %-6s ratio %.2f (runs: %s)",
		f.name, median(f.got), f.unit, median(f.ref), f.unit, median(ratios), strings.Join(each, " "))
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/engine"
)

// The benchmark table: rows of (id, name, score, grp) in Parquet files,
// hive-partitioned by part.
const (
	queryRows  = 10_000_000
	queryParts = 10
	queryScan  = "SELECT grp, count(*), sum(score), avg(id) FROM %s GROUP BY grp ORDER BY grp"
	queryWide  = "SELECT id, name, score FROM %s WHERE id < 5000000"
)

// benchQuery compares SQL through tarn (catalog view + PostgreSQL wire,
// pgx as the client) with DuckDB in this process on the same files.
func benchQuery(ctx context.Context, o benchOptions) error {
	t, stop, err := benchClient(ctx, &o)
	if err != nil {
		return err
	}
	defer stop()
	if t.pid == 0 {
		return fmt.Errorf("bench query starts its own server (no --endpoint): it needs the server's PostgreSQL port")
	}
	rs, err := engine.OpenReference()
	if err != nil {
		return err
	}
	defer rs.Close()

	// Write the files with DuckDB, put them into the lake, catalog them.
	start := time.Now()
	src := filepath.Join(o.dir, "gen")
	if _, err := sessionRows(ctx, rs, fmt.Sprintf(`COPY (SELECT range AS id, 'name-' || (range %% 1000) AS name, ((range %% 997) * 0.5)::DOUBLE AS score,
		range %% 16 AS grp, range %% %d AS part FROM range(%d)) TO '%s' (FORMAT parquet, PARTITION_BY (part))`, queryParts, queryRows, src)); err != nil {
		return fmt.Errorf("bench: generate: %w", err)
	}
	sc := s3.NewFromConfig(t.cfg, func(so *s3.Options) { so.UsePathStyle, so.HTTPClient = true, t.http })
	bucket := fmt.Sprintf("query-%d", time.Now().UnixNano())
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	err = filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(src, p)
		key := "t/" + filepath.ToSlash(rel)
		_, err = sc.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: f, ContentLength: &[]int64{fi.Size()}[0]})
		return err
	})
	if err != nil {
		return fmt.Errorf("bench: upload: %w", err)
	}
	gc := newJSONClient(t.cfg, t.http, "AWSGlue", "glue")
	db := "bench_" + strings.TrimPrefix(bucket, "query-")
	if err := gc.Call(ctx, "CreateCrawler", map[string]any{"Name": bucket, "Role": "bench", "DatabaseName": db,
		"Targets": map[string]any{"S3Targets": []map[string]string{{"Path": "s3://" + bucket + "/t/"}}}}, nil); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if _, _, err := timeCrawl(ctx, gc, bucket); err != nil {
		return err
	}
	fmt.Printf("generated %d rows in %d Parquet files, uploaded and crawled in %.1fs\n", queryRows, queryParts, time.Since(start).Seconds())

	pc, err := t.pgConn(ctx)
	if err != nil {
		return err
	}
	defer pc.Close(ctx)
	table := db + ".t"
	files := fmt.Sprintf("read_parquet('%s/*/*.parquet', hive_partitioning = true)", src)
	scan := &figure{name: "scan+aggregate", unit: "s"}
	wide := &figure{name: "5M rows to pgx", unit: "rows/s"}
	for run := 1; run <= o.runs; run++ {
		tarn, err := timeRows(ctx, func() (int, error) { return pgxRows(ctx, pc, fmt.Sprintf(queryScan, table)) })
		if err != nil {
			return err
		}
		local, err := timeRows(ctx, func() (int, error) { return sessionRows(ctx, rs, fmt.Sprintf(queryScan, files)) })
		if err != nil {
			return err
		}
		scan.add(tarn.Seconds(), local.Seconds())
		tarn, err = timeRows(ctx, func() (int, error) { return pgxRows(ctx, pc, fmt.Sprintf(queryWide, table)) })
		if err != nil {
			return err
		}
		local, err = timeRows(ctx, func() (int, error) { return sessionRows(ctx, rs, fmt.Sprintf(queryWide, files)) })
		if err != nil {
			return err
		}
		wide.add(5e6/tarn.Seconds(), 5e6/local.Seconds())
		fmt.Printf("run %d/%d: scan %.2fs (in-process %.2fs), 5M rows %.0f rows/s (in-process %.0f)\n",
			run, o.runs, scan.got[run-1], scan.ref[run-1], wide.got[run-1], wide.ref[run-1])
	}
	var lat []float64
	for range 200 {
		s := time.Now()
		var one int
		if err := pc.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			return err
		}
		lat = append(lat, float64(time.Since(s).Microseconds())/1000)
	}
	sort.Float64s(lat)
	fmt.Println("medians:")
	fmt.Println(" ", scan, "(ratio: tarn's time over in-process DuckDB's; goal ≤ 1.2)")
	fmt.Println(" ", wide, "(goal ≥ 1M rows/s)")
	fmt.Printf("  time to first row of SELECT 1 over PostgreSQL wire: p50 %.2f ms, p99 %.2f ms\n", lat[len(lat)/2], lat[len(lat)*99/100])
	return nil
}

func timeRows(_ context.Context, fn func() (int, error)) (time.Duration, error) {
	start := time.Now()
	if _, err := fn(); err != nil {
		return 0, fmt.Errorf("bench query: %w", err)
	}
	return time.Since(start), nil
}

// pgxRows reads every row of a query's result over the wire, values decoded.
func pgxRows(ctx context.Context, c *pgx.Conn, q string) (int, error) {
	rows, err := c.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if _, err := rows.Values(); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// sessionRows reads every row of a query run by DuckDB in this process.
func sessionRows(ctx context.Context, ref *engine.Reference, q string) (int, error) {
	rows, err := ref.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

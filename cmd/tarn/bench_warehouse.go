package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/tarnlake/tarn/internal/engine"
)

// whColumns is the benchmark's table: 5 columns, ~60 bytes a row as CSV.
const whColumns = "id bigint, usr varchar(16), action varchar(8), amount numeric(12,2), happened timestamp"

// benchWarehouse times COPY of a gzip CSV from the lake, UNLOAD to Parquet
// and a join with a lake table, each against the same work done by the
// warehouse's own engine in the same run: DuckDB in this process for the
// embedded warehouse, PostgreSQL's COPY FROM STDIN for --warehouse-dsn.
func benchWarehouse(ctx context.Context, o benchOptions) error {
	if o.warehouseDSN != "" {
		o.serveArgs = append(o.serveArgs, "--warehouse-dsn", o.warehouseDSN)
	}
	t, stop, err := benchClient(ctx, &o)
	if err != nil {
		return err
	}
	defer stop()
	if t.pid == 0 {
		return fmt.Errorf("bench warehouse starts its own server (no --endpoint): it uses the server's PostgreSQL port")
	}
	pc, err := t.pgConn(ctx)
	if err != nil {
		return err
	}
	defer pc.Close(ctx)
	exec := func(q string) (time.Duration, error) {
		start := time.Now()
		_, err := pc.Exec(ctx, q)
		if err != nil {
			return 0, fmt.Errorf("bench: %s: %w", q, err)
		}
		return time.Since(start), nil
	}
	ref, err := engine.OpenReference()
	if err != nil {
		return err
	}
	defer ref.Close()
	refExec := func(q string) (time.Duration, error) {
		start := time.Now()
		_, err := sessionRows(ctx, ref, q)
		if err != nil {
			return 0, fmt.Errorf("bench reference: %s: %w", q, err)
		}
		return time.Since(start), nil
	}

	// The data: a gzip CSV, made once, in the lake and beside it.
	n := o.records
	file := filepath.Join(o.dir, "sales.csv.gz")
	if _, err := refExec(fmt.Sprintf(`COPY (SELECT range AS id, 'user-' || (range %% 100000) AS usr, ['view','click','buy','share'][range %% 4 + 1] AS action,
		(range %% 100000) / 100.0 AS amount, TIMESTAMP '2026-01-01' + range * INTERVAL 1 SECOND AS happened FROM range(%d))
		TO '%s' (FORMAT csv, HEADER true, COMPRESSION gzip)`, n, file)); err != nil {
		return err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	sc := s3.NewFromConfig(t.cfg, func(so *s3.Options) { so.UsePathStyle, so.HTTPClient = true, t.http })
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench-wh")}); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	_, err = sc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench-wh"), Key: aws.String("in/sales.csv.gz"), Body: f, ContentLength: aws.Int64(fi.Size())})
	f.Close()
	if err != nil {
		return fmt.Errorf("bench: put the CSV: %w", err)
	}
	fmt.Printf("%d rows, %.1f MiB of gzip CSV\n", n, float64(fi.Size())/(1<<20))
	// A lake table to join with.
	for _, q := range []string{"CREATE DATABASE benchdb",
		"CREATE TABLE benchdb.actions WITH (external_location = 's3://bench-wh/actions/') AS SELECT * FROM (VALUES ('view', 1), ('click', 2), ('buy', 10), ('share', 3)) t(action, weight)"} {
		if _, err := exec(q); err != nil {
			return err
		}
	}
	// The reference's tables are in a database file, as the warehouse's
	// are: a load is written and made durable, not kept in memory.
	if _, err := refExec(fmt.Sprintf("ATTACH '%s' AS refdb", filepath.Join(o.dir, "ref.duckdb"))); err != nil {
		return err
	}
	if _, err := refExec("CREATE TABLE refdb.actions AS SELECT * FROM (VALUES ('view', 1), ('click', 2), ('buy', 10), ('share', 3)) t(action, weight)"); err != nil {
		return err
	}

	copyFig := &figure{name: "COPY csv.gz", unit: "rows/s"}
	parquetFig := &figure{name: "COPY parquet", unit: "rows/s"}
	unloadFig := &figure{name: "UNLOAD parquet", unit: "rows/s"}
	joinFig := &figure{name: "join with lake", unit: "rows/s"}
	joinQ := "SELECT s.action, count(*), sum(s.amount * a.weight) FROM %s s JOIN %s a USING (action) GROUP BY 1"
	for run := 1; run <= o.runs; run++ {
		table := fmt.Sprintf("sales%d", run)
		if _, err := exec(fmt.Sprintf("CREATE TABLE %s (%s)", table, whColumns)); err != nil {
			return err
		}
		got, err := exec(fmt.Sprintf("COPY %s FROM 's3://bench-wh/in/' IAM_ROLE default CSV IGNOREHEADER 1 GZIP", table))
		if err != nil {
			return err
		}
		refCopy, err := refExec(fmt.Sprintf("CREATE OR REPLACE TABLE refdb.ref AS SELECT * FROM read_csv('%s', header = true, columns = {'id': 'BIGINT', 'usr': 'VARCHAR', 'action': 'VARCHAR', 'amount': 'DECIMAL(12,2)', 'happened': 'TIMESTAMP'})", file))
		if err == nil && o.warehouseDSN != "" {
			refCopy, err = pgCopy(ctx, o.warehouseDSN, file, run)
		}
		if err != nil {
			return err
		}
		copyFig.add(float64(n)/got.Seconds(), float64(n)/refCopy.Seconds())
		got, err = exec(fmt.Sprintf("UNLOAD ('SELECT * FROM %s') TO 's3://bench-wh/out%d/' IAM_ROLE default FORMAT AS PARQUET", table, run))
		if err != nil {
			return err
		}
		refUnload, err := refExec(fmt.Sprintf("COPY refdb.ref TO '%s' (FORMAT parquet, COMPRESSION snappy)", filepath.Join(o.dir, fmt.Sprintf("ref%d.parquet", run))))
		if err != nil {
			return err
		}
		unloadFig.add(float64(n)/got.Seconds(), float64(n)/refUnload.Seconds())
		// The same rows back from Parquet.
		if _, err := exec(fmt.Sprintf("CREATE TABLE p%s (%s)", table, whColumns)); err != nil {
			return err
		}
		got, err = exec(fmt.Sprintf("COPY p%s FROM 's3://bench-wh/out%d/' IAM_ROLE default FORMAT AS PARQUET", table, run))
		if err != nil {
			return err
		}
		refParquet, err := refExec(fmt.Sprintf("CREATE OR REPLACE TABLE refdb.refp AS SELECT * FROM read_parquet('%s')", filepath.Join(o.dir, fmt.Sprintf("ref%d.parquet", run))))
		if err == nil && o.warehouseDSN != "" {
			// PostgreSQL reads no Parquet: its reference is its own COPY
			// of the same rows.
			refParquet, err = pgCopy(ctx, o.warehouseDSN, file, run)
		}
		if err != nil {
			return err
		}
		parquetFig.add(float64(n)/got.Seconds(), float64(n)/refParquet.Seconds())
		got, err = exec(fmt.Sprintf(joinQ, table, "benchdb.actions"))
		if err != nil {
			return err
		}
		refJoin, err := refExec(fmt.Sprintf(joinQ, "refdb.ref", "refdb.actions"))
		if err != nil {
			return err
		}
		joinFig.add(float64(n)/got.Seconds(), float64(n)/refJoin.Seconds())
		// A PostgreSQL warehouse outlives the bench: its tables go.
		for _, tb := range []string{table, "p" + table} {
			if _, err := exec("DROP TABLE " + tb); err != nil {
				return err
			}
		}
		fmt.Printf("run %d/%d: COPY %.0f rows/s (reference %.0f), UNLOAD %.0f rows/s (reference %.0f), join %.0f rows/s (reference %.0f)\n", run, o.runs,
			copyFig.got[run-1], copyFig.ref[run-1], unloadFig.got[run-1], unloadFig.ref[run-1], joinFig.got[run-1], joinFig.ref[run-1])
	}
	fmt.Println("medians:")
	for _, f := range []*figure{copyFig, parquetFig, unloadFig, joinFig} {
		fmt.Println(" ", f)
	}
	fmt.Printf("  RSS of tarn serve after the run: %.1f MiB\n", rssMiB(t.pid))
	return nil
}

// pgCopy times PostgreSQL's own COPY FROM STDIN of the gzip CSV into a
// table of its own in the warehouse's database.
func pgCopy(ctx context.Context, dsn, file string, run int) (time.Duration, error) {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	table := fmt.Sprintf("bench_ref_%d_%d", os.Getpid(), run)
	if _, err := c.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", table, whColumns)); err != nil {
		return 0, err
	}
	defer c.Exec(context.WithoutCancel(ctx), "DROP TABLE "+table)
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := time.Now()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return 0, err
	}
	if _, err := c.PgConn().CopyFrom(ctx, zr, fmt.Sprintf("COPY %s FROM STDIN WITH (FORMAT csv, HEADER true)", table)); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

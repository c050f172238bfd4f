package copyfrom

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/tarnlake/tarn/internal/access"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/warehouse"
	"github.com/tarnlake/tarn/internal/warehouse/pqscan"
	"github.com/tarnlake/tarn/internal/warehouse/redshift"
)

// parquetFile writes DuckDB's rows of sel as a Parquet file and returns
// its bytes.
func parquetFile(t *testing.T, sel string) []byte {
	t.Helper()
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	path := filepath.Join(t.TempDir(), "f.parquet")
	if _, err := db.Exec(fmt.Sprintf("COPY (%s) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 5000)", sel, path)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Parquet whose values load as they are is read by DuckDB (pqscan), the
// rest by load.ReadParquet: both load the same rows, and a file DuckDB
// fails on is loaded again by ReadParquet, whose error is the COPY's.
func TestCopyParquet(t *testing.T) {
	ctx := context.Background()
	lk, wh := copyEnv(t)
	sc := pqscan.New()
	defer sc.Close()
	const cols = "(id bigint, s varchar, amount numeric(12,2), ts timestamp, tz timestamptz, d date, f double precision, r real, b boolean, n integer)"
	exact := parquetFile(t, `SELECT range::BIGINT AS id, CASE WHEN range % 7 = 0 THEN NULL ELSE 'row ' || range END AS s,
		(range / 100.0)::DECIMAL(12,2) AS amount, TIMESTAMP '2026-01-01' + range * INTERVAL 1 SECOND AS ts,
		TIMESTAMPTZ '2026-01-01 00:00:00+00' + range * INTERVAL 1 MINUTE AS tz, DATE '1969-12-01' + range::INTEGER AS d,
		range / 3.0 AS f, (range / 4.0)::REAL AS r, range % 2 = 0 AS b, range::INTEGER AS n FROM range(20000)`)
	narrow := parquetFile(t, `SELECT range::INTEGER AS id, 'x' AS s FROM range(100)`) // INT32 into a SMALLINT: checked
	corrupt := bytes.Clone(exact)
	for i := len(corrupt) / 3; i < len(corrupt)/3+64; i++ {
		corrupt[i] ^= 0x5a
	}
	for key, b := range map[string][]byte{"exact/a.parquet": exact, "narrow/a.parquet": narrow, "corrupt/a.parquet": corrupt} {
		if _, err := lk.Put(ctx, "lake", key, bytes.NewReader(b), lake.PutOptions{Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(stmt string, scanner *pqscan.Scanner) (Result, error) {
		parsed, ok, err := redshift.Parse(stmt)
		if !ok || err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		return Run(ctx, Options{Store: wh, Lake: lk, Parquet: scanner}, Job{Copy: parsed.(*redshift.Copy), Caller: access.Key{Name: "root", Root: true}})
	}
	for _, table := range []string{"fast", "exact"} {
		if _, err := wh.Exec(ctx, "CREATE TABLE "+table+" "+cols); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := run("COPY fast FROM 's3://lake/exact/' IAM_ROLE default FORMAT AS PARQUET", sc); err != nil || res.Rows != 20000 {
		t.Fatalf("fast: %+v %v", res, err)
	}
	if res, err := run("COPY exact FROM 's3://lake/exact/' IAM_ROLE default FORMAT AS PARQUET", nil); err != nil || res.Rows != 20000 {
		t.Fatalf("exact: %+v %v", res, err)
	}
	if diff := rowsOf(t, wh, "SELECT * FROM fast EXCEPT SELECT * FROM exact"); diff != "[]" {
		t.Fatalf("the scanner loaded other values: %s", diff)
	}
	if got := rowsOf(t, wh, "SELECT count(*), count(s), min(d), max(tz) FROM fast"); got != "[[20000 17142 1969-12-01 00:00:00 +0000 UTC 2026-01-14 21:19:00 +0000 UTC]]" {
		t.Fatalf("loaded %s", got)
	}

	if _, err := wh.Exec(ctx, "CREATE TABLE narrow (id smallint, s varchar)"); err != nil {
		t.Fatal(err)
	}
	if res, err := run("COPY narrow FROM 's3://lake/narrow/' IAM_ROLE default FORMAT AS PARQUET", sc); err != nil || res.Rows != 100 {
		t.Fatalf("narrow: %+v %v", res, err)
	}

	_, fastErr := run("COPY fast FROM 's3://lake/corrupt/' IAM_ROLE default FORMAT AS PARQUET", sc)
	_, exactErr := run("COPY fast FROM 's3://lake/corrupt/' IAM_ROLE default FORMAT AS PARQUET", nil)
	if fastErr == nil || exactErr == nil || fastErr.Error() != exactErr.Error() {
		t.Fatalf("a corrupt file: %v; without the scanner: %v", fastErr, exactErr)
	}
	if got := rowsOf(t, wh, "SELECT count(*) FROM fast"); got != "[[20000]]" {
		t.Fatalf("a failed COPY loaded rows: %s", got)
	}
}

func rowsOf(t *testing.T, wh warehouse.Store, q string) string {
	t.Helper()
	rows, err := wh.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return fmt.Sprint(out)
}

package copyfrom

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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

// Parquet whose values load as they are is read by DuckDB (the embedded
// store itself, or pqscan for a store that reads no files), the rest by
// load.ReadParquet: all three load the same rows, and a file DuckDB fails
// on is loaded again by ReadParquet, whose error is the COPY's.
func TestCopyParquet(t *testing.T) {
	ctx := context.Background()
	lk, wh := copyEnv(t)
	fl := wh.(warehouse.FileLoader)
	sc := pqscan.New()
	defer sc.Close()
	// Hidden behind the bare seam, the store reads no files: pqscan or
	// ReadParquet read them.
	bare := struct{ warehouse.Store }{wh}
	files := &countLoads{Store: wh, fl: fl}
	const cols = "(id bigint, s varchar, amount numeric(12,2), ts timestamp, tz timestamptz, d date, f double precision, r real, b boolean, n integer)"
	exact := parquetFile(t, `SELECT range::BIGINT AS id, CASE WHEN range % 7 = 0 THEN NULL ELSE 'row ' || range END AS s,
		(range / 100.0)::DECIMAL(12,2) AS amount, TIMESTAMP '2026-01-01' + range * INTERVAL 1 SECOND AS ts,
		TIMESTAMPTZ '2026-01-01 00:00:00+00' + range * INTERVAL 1 MINUTE AS tz, DATE '1969-12-01' + range::INTEGER AS d,
		range / 3.0 AS f, (range / 4.0)::REAL AS r, range % 2 = 0 AS b, range::INTEGER AS n FROM range(20000)`)
	narrow := parquetFile(t, `SELECT range::INTEGER AS id, 'x' AS s FROM range(100)`) // INT32 into a SMALLINT: checked
	wide := parquetFile(t, `SELECT range::BIGINT AS id, 'y' AS s FROM range(50)`)     // exact
	// An instant into a TIMESTAMP and a wall time into a TIMESTAMPTZ are
	// tarn's to convert, not DuckDB's (which would use a time zone).
	swapped := parquetFile(t, `SELECT TIMESTAMPTZ '2026-06-01 12:00:00+00' + range * INTERVAL 1 HOUR AS ts,
		TIMESTAMP '2026-06-01 12:00:00' + range * INTERVAL 1 HOUR AS tz FROM range(30)`)
	corrupt := bytes.Clone(exact)
	for i := len(corrupt) / 3; i < len(corrupt)/3+64; i++ {
		corrupt[i] ^= 0x5a
	}
	for key, b := range map[string][]byte{"exact/a.parquet": exact, "exact/b.parquet": exact, "narrow/a.parquet": narrow,
		"mixed/a.parquet": wide, "mixed/b.parquet": narrow, "corrupt/a.parquet": corrupt, "swapped/a.parquet": swapped} {
		if _, err := lk.Put(ctx, "lake", key, bytes.NewReader(b), lake.PutOptions{Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(stmt string, st warehouse.Store, scanner *pqscan.Scanner) (Result, error) {
		parsed, ok, err := redshift.Parse(stmt)
		if !ok || err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		return Run(ctx, Options{Store: st, Lake: lk, Parquet: scanner}, Job{Copy: parsed.(*redshift.Copy), Caller: access.Key{Name: "root", Root: true}})
	}
	for _, table := range []string{"files", "scanned", "exact"} {
		if _, err := wh.Exec(ctx, "CREATE TABLE "+table+" "+cols); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := run("COPY files FROM 's3://lake/exact/' IAM_ROLE default FORMAT AS PARQUET", files, sc); err != nil || res.Rows != 40000 || res.Files != 2 || files.ok != 1 {
		t.Fatalf("files: %+v %v (%d loads by the store)", res, err, files.ok)
	}
	if res, err := run("COPY scanned FROM 's3://lake/exact/' IAM_ROLE default FORMAT AS PARQUET", bare, sc); err != nil || res.Rows != 40000 {
		t.Fatalf("scanned: %+v %v", res, err)
	}
	if res, err := run("COPY exact FROM 's3://lake/exact/' IAM_ROLE default FORMAT AS PARQUET", bare, nil); err != nil || res.Rows != 40000 {
		t.Fatalf("exact: %+v %v", res, err)
	}
	for _, table := range []string{"files", "scanned"} {
		if diff := rowsOf(t, wh, "(SELECT * FROM "+table+" EXCEPT ALL SELECT * FROM exact) UNION ALL (SELECT * FROM exact EXCEPT ALL SELECT * FROM "+table+")"); diff != "[]" {
			t.Fatalf("%s loaded other values: %s", table, diff)
		}
	}
	if got := rowsOf(t, wh, "SELECT count(*), count(s), min(d), max(tz) FROM files"); got != "[[40000 34284 1969-12-01 00:00:00 +0000 UTC 2026-01-14 21:19:00 +0000 UTC]]" {
		t.Fatalf("loaded %s", got)
	}

	// A file that is not exact is ReadParquet's; so is a whole COPY that
	// has one.
	if _, err := wh.Exec(ctx, "CREATE TABLE narrow (id smallint, s varchar)"); err != nil {
		t.Fatal(err)
	}
	for _, st := range []warehouse.Store{wh, bare} {
		if res, err := run("COPY narrow FROM 's3://lake/narrow/' IAM_ROLE default FORMAT AS PARQUET", st, sc); err != nil || res.Rows != 100 {
			t.Fatalf("narrow: %+v %v", res, err)
		}
	}
	if res, err := run("COPY narrow FROM 's3://lake/mixed/' IAM_ROLE default FORMAT AS PARQUET", wh, sc); err != nil || res.Rows != 150 {
		t.Fatalf("mixed: %+v %v", res, err)
	}
	if got := rowsOf(t, wh, "SELECT count(*), count(*) FILTER (WHERE s = 'y') FROM narrow"); got != "[[350 50]]" {
		t.Fatalf("narrow holds %s", got)
	}

	// The same rows for a key that loads each object once.
	once := func(stmt, key string) error {
		parsed, _, _ := redshift.Parse(stmt)
		_, err := Run(ctx, Options{Store: files, Lake: lk}, Job{Copy: parsed.(*redshift.Copy), Caller: access.Key{Name: "root", Root: true}, Once: key})
		return err
	}
	if err := once("COPY files FROM 's3://lake/exact/' IAM_ROLE default FORMAT AS PARQUET", "k1"); err != nil {
		t.Fatal(err)
	}
	if err := once("COPY files FROM 's3://lake/exact/' IAM_ROLE default FORMAT AS PARQUET", "k1"); !errors.Is(err, warehouse.ErrLoaded) {
		t.Fatalf("loaded once more: %v", err)
	}
	if got := rowsOf(t, wh, "SELECT count(*) FROM files"); got != "[[80000]]" {
		t.Fatalf("files holds %s", got)
	}
	if _, err := wh.Exec(ctx, "DELETE FROM files WHERE id >= 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := run("COPY files FROM 's3://lake/exact/' IAM_ROLE default FORMAT AS PARQUET", files, sc); err != nil {
		t.Fatal(err)
	}

	for _, table := range []string{"swapped", "swapped_go"} {
		if _, err := wh.Exec(ctx, "CREATE TABLE "+table+" (ts timestamp, tz timestamptz)"); err != nil {
			t.Fatal(err)
		}
	}
	// The fall-back is logged: its only other sign is slowness.
	var logged bytes.Buffer
	parsed, _, _ := redshift.Parse("COPY swapped FROM 's3://lake/swapped/' IAM_ROLE default FORMAT AS PARQUET")
	if _, err := Run(ctx, Options{Store: files, Lake: lk, Log: slog.New(slog.NewTextHandler(&logged, nil))},
		Job{Copy: parsed.(*redshift.Copy), Caller: access.Key{Name: "root", Root: true}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logged.String(), "tarn's reads the files") || !strings.Contains(logged.String(), "do not load as they are") {
		t.Fatalf("logged %q", logged.String())
	}
	if _, err := run("COPY swapped_go FROM 's3://lake/swapped/' IAM_ROLE default FORMAT AS PARQUET", bare, nil); err != nil {
		t.Fatal(err)
	}
	if diff := rowsOf(t, wh, "SELECT * FROM swapped EXCEPT SELECT * FROM swapped_go"); diff != "[]" {
		t.Fatalf("swapped timestamps loaded as %s", diff)
	}
	if got := rowsOf(t, wh, "SELECT min(ts), min(tz) FROM swapped"); got != "[[2026-06-01 12:00:00 +0000 UTC 2026-06-01 12:00:00 +0000 UTC]]" {
		t.Fatalf("swapped timestamps: %s", got)
	}

	failedBefore := files.failed
	_, filesErr := run("COPY files FROM 's3://lake/corrupt/' IAM_ROLE default FORMAT AS PARQUET", files, sc)
	if files.failed != failedBefore+1 {
		t.Fatalf("the store's own load of a corrupt file did not fail (%d)", files.failed)
	}
	_, fastErr := run("COPY files FROM 's3://lake/corrupt/' IAM_ROLE default FORMAT AS PARQUET", bare, sc)
	_, exactErr := run("COPY files FROM 's3://lake/corrupt/' IAM_ROLE default FORMAT AS PARQUET", bare, nil)
	if filesErr == nil || exactErr == nil || fastErr == nil || fastErr.Error() != exactErr.Error() || filesErr.Error() != exactErr.Error() {
		t.Fatalf("a corrupt file: %v; scanned: %v; without DuckDB: %v", filesErr, fastErr, exactErr)
	}
	if got := rowsOf(t, wh, "SELECT count(*) FROM files"); got != "[[40000]]" {
		t.Fatalf("a failed COPY loaded rows: %s", got)
	}
	// Nothing is left in the spool folder.
	f, err := fl.Spool()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	left, _ := os.ReadDir(filepath.Dir(f.Name()))
	if len(left) != 1 {
		t.Fatalf("the spool folder holds %d files", len(left))
	}
}

// countLoads counts a FileLoader's loads.
type countLoads struct {
	warehouse.Store
	fl         warehouse.FileLoader
	ok, failed int
}

func (c *countLoads) Spool() (*os.File, error) { return c.fl.Spool() }

func (c *countLoads) LoadParquet(ctx context.Context, t warehouse.Target, cols []warehouse.Column, files iter.Seq2[string, error]) (int64, error) {
	n, err := c.fl.LoadParquet(ctx, t, cols, files)
	if err != nil {
		c.failed++
	} else {
		c.ok++
	}
	return n, err
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

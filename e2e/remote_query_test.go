package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"
)

type eventRow struct {
	ID     int64   `parquet:"id"`
	Amount float64 `parquet:"amount"`
}

// events is a Parquet file of ids from..to-1, each of the given amount.
func events(t *testing.T, from, to int64, amount float64) []byte {
	var b bytes.Buffer
	w := parquet.NewGenericWriter[eventRow](&b)
	for id := from; id < to; id++ {
		w.Write([]eventRow{{id, amount}})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRemoteQuery runs SQL on a tarn whose lake is another tarn's S3 API:
// the files are read from local copies that follow the remote store
// (changes made through the front and straight on the remote alike), and
// survive a restart.
func TestRemoteQuery(t *testing.T) {
	remote := startServer(t)
	front := startServer(t, "--config", remoteLakeConfig(t, remote, "query:\n  cache_max_bytes: 64MiB\n"))
	c, cx := front.root(), ctx(t)
	if _, err := c.CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	putAll(t, c, "lake", map[string][]byte{
		"events/day=1/part-0.parquet": events(t, 1, 101, 1),
		"events/day=2/part-0.parquet": events(t, 101, 201, 2),
		"events/day=2/part-1.parquet": events(t, 201, 251, 3),
		"prices/p1.csv":               []byte("sku,price\na,2.5\nb,3.5\n"),
		"prices/p2.csv":               []byte("sku,price\nc,4.5\n"),
	})
	if _, err := remote.root().HeadObject(cx, &s3.HeadObjectInput{Bucket: aws.String("lake"), Key: aws.String("prices/p2.csv")}); err != nil {
		t.Fatalf("not in the remote store: %v", err)
	}
	crawlSDK(t, glueClient(front), "lake", "shop", "s3://lake/")

	connect := func() *pgx.Conn {
		t.Helper()
		conn, err := pgx.Connect(cx, fmt.Sprintf("postgres://%s:%s@%s/tarn?sslmode=disable", rootID, rootSecret, front.PGAddr))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		return conn
	}
	type answer struct {
		events, day2 int64
		amount       float64
		prices       int64
		price        float64
	}
	ask := func(conn *pgx.Conn) answer {
		t.Helper()
		var a answer
		if err := conn.QueryRow(cx, "SELECT count(*), count(*) FILTER (WHERE day = $1), sum(amount) FROM shop.events", "2").Scan(&a.events, &a.day2, &a.amount); err != nil {
			t.Fatalf("events: %v", err)
		}
		if err := conn.QueryRow(cx, "SELECT count(*), sum(price) FROM shop.prices").Scan(&a.prices, &a.price); err != nil {
			t.Fatalf("prices: %v", err)
		}
		return a
	}
	conn := connect()
	if got, want := ask(conn), (answer{250, 150, 450, 3, 10.5}); got != want {
		t.Fatalf("first answer %+v, want %+v", got, want)
	}

	// One file replaced straight on the remote (another writer), one
	// deleted through the front: the next answer follows both.
	putAll(t, remote.root(), "lake", map[string][]byte{"events/day=2/part-1.parquet": events(t, 201, 211, 5)})
	if _, err := c.DeleteObject(cx, &s3.DeleteObjectInput{Bucket: aws.String("lake"), Key: aws.String("prices/p2.csv")}); err != nil {
		t.Fatal(err)
	}
	if got, want := ask(conn), (answer{210, 110, 350, 2, 6}); got != want {
		t.Fatalf("after changes %+v, want %+v", got, want)
	}

	// A restart keeps the copies: an unchanged file is not fetched again,
	// and what changed while tarn was down is.
	kept := filepath.Join(front.Data, "cache", "lake", "lake", "events", "day=1", "part-0.parquet")
	before, err := os.Stat(kept)
	if err != nil {
		t.Fatalf("no local copy: %v", err)
	}
	conn.Close(cx)
	front.stop()
	putAll(t, remote.root(), "lake", map[string][]byte{"prices/p3.csv": []byte("sku,price\nd,10\n")})
	front.restart()
	conn = connect()
	if got, want := ask(conn), (answer{210, 110, 350, 3, 16}); got != want {
		t.Fatalf("after restart %+v, want %+v", got, want)
	}
	after, err := os.Stat(kept)
	if err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("the copy of an unchanged file was fetched again after restart: %v", err)
	}
}

type speedRow struct {
	ID    int64   `parquet:"id"`
	Grp   int64   `parquet:"grp"`
	Score float64 `parquet:"score"`
	Name  string  `parquet:"name"`
}

// TestRemoteQuerySpeed measures a 1M-row Parquet table (4 files) queried
// through the local cache of a remote lake, cold and warm, against the same
// table on a local-folder lake. Set TARN_E2E_SPEED=1 to run it.
func TestRemoteQuerySpeed(t *testing.T) {
	if os.Getenv("TARN_E2E_SPEED") == "" {
		t.Skip("set TARN_E2E_SPEED=1 to measure")
	}
	const files, rows = 4, 1_000_000
	var data [][]byte
	for f := range int64(files) {
		var b bytes.Buffer
		w := parquet.NewGenericWriter[speedRow](&b, parquet.Compression(&parquet.Snappy))
		batch := make([]speedRow, 0, rows/files)
		for id := f * rows / files; id < (f+1)*rows/files; id++ {
			h := uint64(id) * 0x9E3779B97F4A7C15 // spread values: files as large as real ones, not a few runs
			batch = append(batch, speedRow{id, id % 16, float64(h>>11) / (1 << 53), fmt.Sprintf("name-%x", h>>20)})
		}
		w.Write(batch)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		data = append(data, b.Bytes())
	}
	remote := startServer(t)
	front, local := startServer(t, "--config", remoteLakeConfig(t, remote, "")), startServer(t)
	cx := ctx(t)
	objs := map[string][]byte{}
	total := 0
	for run := range 3 { // three tables of the same files: three cold starts
		for f, b := range data {
			objs[fmt.Sprintf("t%d/part-%d.parquet", run, f)] = b
			total += len(b)
		}
	}
	for _, srv := range []*server{front, local} {
		if _, err := srv.root().CreateBucket(cx, &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
			t.Fatal(err)
		}
		putAll(t, srv.root(), "lake", objs)
		for run := range 3 {
			crawlSDK(t, glueClient(srv), fmt.Sprintf("t%d", run), "speed", fmt.Sprintf("s3://lake/t%d/", run))
		}
	}
	t.Logf("%d rows in %d files per table, %.1f MB per table", rows, files, float64(total)/3/1e6)
	timed := func(srv *server, table string) float64 {
		conn, err := pgx.Connect(cx, fmt.Sprintf("postgres://%s:%s@%s/tarn?sslmode=disable", rootID, rootSecret, srv.PGAddr))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(cx)
		start := time.Now()
		var n int64
		var sum float64
		if err := conn.QueryRow(cx, "SELECT count(*), sum(score) FROM (SELECT grp, count(*) AS c, sum(score) AS score, max(name) AS name FROM speed."+table+" GROUP BY grp)").Scan(&n, &sum); err != nil || n != 16 {
			t.Fatalf("%s: %d %v", table, n, err)
		}
		return time.Since(start).Seconds()
	}
	median := func(xs []float64) float64 { slices.Sort(xs); return xs[len(xs)/2] }
	var cold, warm, loc []float64
	for run := range 3 {
		cold = append(cold, timed(front, fmt.Sprintf("t%d", run)))
	}
	for range 3 {
		warm = append(warm, timed(front, "t0"))
		loc = append(loc, timed(local, "t0"))
	}
	t.Logf("cold %.3fs %v, warm %.3fs %v, local lake %.3fs %v", median(cold), cold, median(warm), warm, median(loc), loc)
}

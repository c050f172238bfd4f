package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestArchiveCrash archives a warehouse table's old rows into the lake in
// steps, killing tarn with SIGKILL at random moments of some steps: after
// every restart, and in every query run while archives go on, the union
// of the table and its archive holds each row once.
func TestArchiveCrash(t *testing.T) {
	const rows = 200_000
	srv := startServer(t)
	psql := psqlRoot(t, srv)
	if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	psql("-c", `CREATE DATABASE archive`)
	psql("-c", `CREATE TABLE events (id bigint, kind varchar(8), happened timestamp)`)
	psql("-c", fmt.Sprintf(`INSERT INTO events SELECT i, CASE WHEN i %% 3 = 0 THEN 'a' ELSE 'b' END, TIMESTAMP '2026-01-01' + i * INTERVAL 1 MINUTE FROM range(%d) t(i)`, rows))
	want := fmt.Sprintf("%d|%d\n", rows, rows)
	check := func(when string) {
		t.Helper()
		if out := psql("-A", "-t", "-c", `SELECT count(*), count(DISTINCT id) FROM events_all`); out != want {
			t.Fatalf("%s: union holds %q, want %q", when, out, want)
		}
	}
	archive := func(step int) *exec.Cmd {
		cutoff := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(step*rows/8) * time.Minute).Format("2006-01-02 15:04:05")
		host, port, _ := strings.Cut(srv.PGAddr, ":")
		cmd := exec.Command(psqlPath(t), "-h", host, "-p", port, "-U", rootID, "-d", "tarn", "-X", "-c",
			fmt.Sprintf(`ARCHIVE events WHERE happened < '%s' TO 's3://lake/archive/events/' AS archive.events PARTITION BY (kind)`, cutoff))
		cmd.Env = append(os.Environ(), "PGPASSWORD="+rootSecret)
		return cmd
	}
	// The first step, uninterrupted, makes the union.
	if out, err := archive(1).CombinedOutput(); err != nil {
		t.Fatalf("archive: %v %s", err, out)
	}
	check("after the first archive")
	r := rand.New(rand.NewPCG(7, 8))
	kills := 0
	for step := 2; step <= 7; step++ {
		cmd := archive(step)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Queries while it runs see each row once.
		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			for !stop.Load() {
				out, ok := psqlAs(t, srv, rootID, rootSecret, "-A", "-t", "-c", `SELECT count(*), count(DISTINCT id) FROM events_all`)
				if ok && out != want {
					t.Errorf("step %d: a query during the archive saw %q, want %q", step, out, want)
				}
				if !ok && !strings.Contains(out, "connect") && !strings.Contains(out, "terminated") && !strings.Contains(out, "closed") {
					t.Errorf("step %d: query: %s", step, out)
				}
			}
		})
		if step%2 == 0 {
			time.Sleep(time.Duration(r.IntN(600)) * time.Millisecond)
			srv.kill()
			kills++
			cmd.Wait()
			stop.Store(true)
			wg.Wait()
			srv.restart()
		} else {
			err := cmd.Wait()
			stop.Store(true)
			wg.Wait()
			if err != nil {
				t.Fatalf("step %d: archive failed", step)
			}
		}
		check(fmt.Sprintf("after step %d", step))
	}
	// Once more after the kills: runs they cut short are cleaned away.
	if out, err := archive(8).CombinedOutput(); err != nil {
		t.Fatalf("archive: %v %s", err, out)
	}
	check("at the end")
	left := psql("-A", "-t", "-c", `SELECT count(*) FROM events`)
	lakeRows := psql("-A", "-t", "-c", `SELECT count(*) FROM archive.events`)
	t.Logf("%d kills; %s rows left in the warehouse, %s in the lake table (runs cut short included until cleaned)", kills, strings.TrimSpace(left), strings.TrimSpace(lakeRows))
}

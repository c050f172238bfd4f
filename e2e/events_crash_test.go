package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const moveConfig = `pipelines:
  rules:
    - bucket: landing
      id: to-lake
      prefix: in/
      move:
        bucket: lake
        key: "raw/{rel}"
`

// TestCrashEventsAndMoves kills tarn with SIGKILL while objects are put
// into landing/in/ (between acknowledgements and their moves), and again
// just after a restart while the moves run. After the last restart every
// acknowledged object has moved into the lake exactly once: none is left
// in landing, none is missing or torn, none was copied twice, and each
// has its event.
func TestCrashEventsAndMoves(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "tarn.yaml")
	if err := os.WriteFile(conf, []byte(moveConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "--config", conf)
	for _, b := range []string{"landing", "lake"} {
		if _, err := srv.root().CreateBucket(ctx(t), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu    sync.Mutex
		acked = map[string][]byte{} // key under in/ → body
		tried = map[string][]byte{}
	)
	body := func(key string) []byte { return bytes.Repeat([]byte(key+"\n"), 4096/(len(key)+1)+1)[:4096] }
	for cycle := range 2 {
		c, cx := srv.client(rootID, rootSecret, func(o *s3.Options) { o.RetryMaxAttempts = 1 }), ctx(t)
		var stop atomic.Bool
		var n atomic.Int64
		var wg sync.WaitGroup
		for u := range 8 {
			wg.Go(func() {
				for i := 0; !stop.Load(); i++ {
					key := fmt.Sprintf("c%d/u%d/%04d.txt", cycle, u, i)
					b := body(key)
					mu.Lock()
					tried[key] = b
					mu.Unlock()
					if _, err := c.PutObject(cx, &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String("in/" + key), Body: bytes.NewReader(b)}); err != nil {
						continue
					}
					mu.Lock()
					acked[key] = b
					mu.Unlock()
					n.Add(1)
				}
			})
		}
		for start := time.Now(); n.Load() < 150 || time.Since(start) < 500*time.Millisecond; time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 2*time.Minute {
				t.Fatalf("puts too slow: %d", n.Load())
			}
		}
		stop.Store(true)
		srv.kill() // with puts in flight and moves behind them
		wg.Wait()
		srv.restart()
		if cycle == 1 {
			time.Sleep(150 * time.Millisecond) // the moves resume…
			srv.kill()                         // …and die midway
			srv.restart()
		}
	}

	root := srv.root()
	waitFor(t, srv, "every acknowledged object moved", func() bool {
		for key := range acked {
			if _, err := root.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: aws.String("lake"), Key: aws.String("raw/" + key)}); err != nil {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second) // moves of unacknowledged objects that made it settle too
	for _, k := range listKeys(t, srv, "landing", "in/") {
		if _, ok := acked[k[len("in/"):]]; ok {
			t.Errorf("landing still holds %s: a move left a copy behind", k)
		}
	}
	for _, k := range listKeys(t, srv, "lake", "raw/") {
		key := k[len("raw/"):]
		want, ok := tried[key]
		if !ok {
			t.Errorf("lake holds %s, which nobody put", k)
			continue
		}
		o, err := root.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(o.Body)
		o.Body.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("%s: torn or wrong (%d bytes)", k, len(got))
		}
	}

	// The log: each moved object was written into the lake once (one
	// Copy event, or two when a crash came between its write and the
	// ledger and the event was logged again), never copied twice.
	copies := map[string]int{}
	for _, recs := range kinReadAll(t, kinClient(srv), "tarn-events") {
		for _, r := range recs {
			var m struct {
				Records []struct {
					EventName string
					S3        struct {
						Bucket struct{ Name string }
						Object struct{ Key string }
					}
				}
			}
			if err := json.Unmarshal(r.Data, &m); err != nil {
				t.Fatalf("event log record: %v", err)
			}
			for _, e := range m.Records {
				if e.EventName == "ObjectCreated:Copy" && e.S3.Bucket.Name == "lake" {
					copies[e.S3.Object.Key]++
				}
			}
		}
	}
	events, twice := 0, 0
	for key := range acked {
		switch copies["raw/"+key] {
		case 0:
			t.Errorf("raw/%s has no ObjectCreated:Copy event", key)
		case 1:
		default:
			twice++
		}
		events++
	}
	t.Logf("%d acknowledged objects moved; %d events logged again after a crash", events, twice)
}

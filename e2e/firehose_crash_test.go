package e2e

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestCrashDelivery kills tarn with SIGKILL at random moments while a
// delivery moves a Kinesis stream's records into the lake, restarts it,
// and does it again: in the end the lake holds each acknowledged record
// exactly once.
func TestCrashDelivery(t *testing.T) {
	const total = 1_000_000
	srv := startServer(t)
	cli := firehoseCLI(t, srv)
	cli.must(t, "s3", "mb", "s3://lake")
	kc := kinClient(srv)
	kinCreate(t, kc, "events", 2)
	cli.must(t, "firehose", "create-delivery-stream", "--delivery-stream-name", "events", "--delivery-stream-type", "KinesisStreamAsSource",
		"--kinesis-stream-source-configuration", `{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/events","RoleARN":"arn:aws:iam::000000000000:role/root"}`,
		"--extended-s3-destination-configuration", `{"RoleARN":"arn:aws:iam::000000000000:role/root","BucketARN":"arn:aws:s3:::lake","Prefix":"events/",
		"CompressionFormat":"GZIP","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":1},
		"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"AppendDelimiterToRecord"}]}}`)

	var mu sync.Mutex
	acked := map[int]bool{}
	var next atomic.Int64
	r := rand.New(rand.NewPCG(1, 2))
	for cycle := 0; next.Load() < total; cycle++ {
		kc := kinClient(srv)
		var stop atomic.Bool
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for !stop.Load() {
					first := int(next.Add(500)) - 500
					if first >= total {
						return
					}
					var entries []kintypes.PutRecordsRequestEntry
					for i := first; i < first+500; i++ {
						entries = append(entries, kintypes.PutRecordsRequestEntry{Data: []byte(fmt.Sprintf(`{"id":%d,"pad":"%s"}`, i, strings.Repeat("x", 150))),
							PartitionKey: aws.String(fmt.Sprint(i))})
					}
					out, err := kc.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("events"), Records: entries})
					if err != nil {
						continue
					}
					mu.Lock()
					for i, e := range out.Records {
						if e.ErrorCode == nil {
							acked[first+i] = true
						}
					}
					mu.Unlock()
				}
			})
		}
		if cycle < 3 {
			time.Sleep(time.Duration(300+r.IntN(1500)) * time.Millisecond)
			stop.Store(true)
			srv.kill()
			wg.Wait()
			srv.restart()
		} else {
			wg.Wait()
		}
	}
	where := map[int][]string{}
	count := func() (map[int]int, int) {
		seen, rows := map[int]int{}, 0
		clear(where)
		for _, key := range listKeys(t, srv, "lake", "events/") {
			o, err := srv.root().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(o.Body)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			b, err := io.ReadAll(zr)
			o.Body.Close()
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var rec struct{ ID int }
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("%s: %q: %v", key, line, err)
				}
				seen[rec.ID]++
				where[rec.ID] = append(where[rec.ID], key)
				rows++
			}
		}
		return seen, rows
	}
	var seen map[int]int
	var rows int
	waitFor(t, srv, "every acknowledged record delivered", func() bool {
		seen, rows = count()
		for id := range acked {
			if seen[id] == 0 {
				return false
			}
		}
		return true
	})
	// Exactly once means: each record of the source, once in the lake. (A
	// producer's retry can put a record into the source twice; then it is
	// delivered twice, as Firehose would.)
	src := map[int]int{}
	for _, recs := range kinReadAll(t, kinClient(srv), "events") {
		for _, r := range recs {
			var rec struct{ ID int }
			json.Unmarshal(r.Data, &rec)
			src[rec.ID]++
		}
	}
	twice := 0
	for id, n := range seen {
		if n != src[id] {
			t.Errorf("record %d is in the lake %d times, in the source %d: %v", id, n, src[id], where[id])
		}
		if src[id] > 1 {
			twice++
		}
	}
	t.Logf("%d records acknowledged, %d in the lake (%d rows), 3 kills; %d put twice by a producer's retry", len(acked), len(seen), rows, twice)
}

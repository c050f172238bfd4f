package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// The aws command line's kinesis commands against tarn, across a SIGKILL.

// kinCLIRecord is a record as `aws kinesis get-records` prints it.
type kinCLIRecord struct {
	SequenceNumber string
	PartitionKey   string
	Data           string // base64
}

func TestKinesisAWSCLI(t *testing.T) {
	bin := awsCLIPath(t)
	srv := startServer(t)
	cli := newAWSCLI(t, bin, srv)
	outer := t
	// CLI v2 takes blobs as base64 unless told to take them raw; v1 always
	// takes them raw and knows no such option.
	var rawBlobs []string
	if !awsCLIIsV1(t, bin, t.TempDir()) {
		rawBlobs = []string{"--cli-binary-format", "raw-in-base64-out"}
	}
	name := kinStreamName("awscli")
	var shards []string
	put := map[string]string{} // data -> sequence number, as put-record(s) answered
	var before map[string][]kinCLIRecord
	var oldIterator string // taken before the restart

	// getRecords reads every shard from TRIM_HORIZON with get-records.
	getRecords := func(t *testing.T) map[string][]kinCLIRecord {
		t.Helper()
		out := map[string][]kinCLIRecord{}
		for _, sh := range shards {
			var it struct{ ShardIterator string }
			cli.json(t, &it, "kinesis", "get-shard-iterator", "--stream-name", name, "--shard-id", sh, "--shard-iterator-type", "TRIM_HORIZON")
			for next, calls := it.ShardIterator, 0; next != ""; calls++ {
				var res struct {
					Records           []kinCLIRecord
					NextShardIterator string
				}
				cli.json(t, &res, "kinesis", "get-records", "--shard-iterator", next, "--limit", "10")
				out[sh] = append(out[sh], res.Records...)
				if len(res.Records) == 0 || calls > 100 {
					break
				}
				next = res.NextShardIterator
			}
		}
		return out
	}
	// check compares what get-records gave with what was put.
	check := func(t *testing.T, got map[string][]kinCLIRecord) {
		t.Helper()
		n := 0
		for sh, recs := range got {
			for i, r := range recs {
				b, err := base64.StdEncoding.DecodeString(r.Data)
				if err != nil {
					t.Fatalf("shard %s record %d: Data %q is not base64: %v", sh, i, r.Data, err)
				}
				seq, ok := put[string(b)]
				if !ok || seq != r.SequenceNumber {
					t.Fatalf("shard %s record %d: %q with seq %s; put answered seq %q", sh, i, b, r.SequenceNumber, seq)
				}
				if i > 0 && !kinSeqLess(t, recs[i-1].SequenceNumber, r.SequenceNumber) {
					t.Fatalf("shard %s: seq %s after %s", sh, r.SequenceNumber, recs[i-1].SequenceNumber)
				}
				n++
			}
		}
		if n != len(put) {
			t.Fatalf("get-records gave %d records, %d were put", n, len(put))
		}
	}

	runSteps(t, []step{
		{"create-stream and wait", func(t *testing.T) {
			cli.must(t, "kinesis", "create-stream", "--stream-name", name, "--shard-count", "2")
			cli.must(t, "kinesis", "wait", "stream-exists", "--stream-name", name)
			var sum struct {
				StreamDescriptionSummary struct {
					StreamName     string
					StreamStatus   string
					OpenShardCount int
				}
			}
			cli.json(t, &sum, "kinesis", "describe-stream-summary", "--stream-name", name)
			if s := sum.StreamDescriptionSummary; s.StreamName != name || s.StreamStatus != "ACTIVE" || s.OpenShardCount != 2 {
				t.Fatalf("describe-stream-summary: %+v", s)
			}
		}},
		{"list-shards", func(t *testing.T) {
			var res struct {
				Shards []struct {
					ShardId      string
					HashKeyRange struct{ StartingHashKey, EndingHashKey string }
				}
			}
			cli.json(t, &res, "kinesis", "list-shards", "--stream-name", name)
			for _, sh := range res.Shards {
				shards = append(shards, sh.ShardId)
			}
			if len(shards) != 2 {
				t.Fatalf("list-shards: %v", shards)
			}
		}},
		{"put-record", func(t *testing.T) {
			for i := range 6 {
				data := fmt.Sprintf("cli record %d ✓", i)
				var res struct{ ShardId, SequenceNumber string }
				cli.json(t, &res, append([]string{"kinesis", "put-record", "--stream-name", name,
					"--partition-key", fmt.Sprintf("pk-%d", i), "--data", data}, rawBlobs...)...)
				if !slices.Contains(shards, res.ShardId) || res.SequenceNumber == "" {
					t.Fatalf("put-record: %+v", res)
				}
				put[data] = res.SequenceNumber
			}
		}},
		{"put-records from a file", func(t *testing.T) {
			type entry struct{ Data, PartitionKey string }
			var entries []entry
			for i := range 40 {
				entries = append(entries, entry{fmt.Sprintf("batch record %02d", i), fmt.Sprintf("batch-%d", i)})
			}
			b, err := json.Marshal(entries)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "records.json")
			writeFile(t, file, b)
			var res struct {
				FailedRecordCount int
				Records           []struct{ ShardId, SequenceNumber, ErrorCode string }
			}
			cli.json(t, &res, append([]string{"kinesis", "put-records", "--stream-name", name, "--records", "file://" + file}, rawBlobs...)...)
			if res.FailedRecordCount != 0 || len(res.Records) != len(entries) {
				t.Fatalf("put-records: %d failed, %d results", res.FailedRecordCount, len(res.Records))
			}
			hit := map[string]bool{}
			for i, r := range res.Records {
				if !slices.Contains(shards, r.ShardId) || r.SequenceNumber == "" || r.ErrorCode != "" {
					t.Fatalf("put-records result %d: %+v", i, r)
				}
				hit[r.ShardId] = true
				put[entries[i].Data] = r.SequenceNumber
			}
			if len(hit) != 2 {
				t.Fatalf("40 keys went to shards %v only", hit)
			}
		}},
		{"get-shard-iterator and get-records", func(t *testing.T) {
			before = getRecords(t)
			check(t, before)
			var it struct{ ShardIterator string }
			cli.json(t, &it, "kinesis", "get-shard-iterator", "--stream-name", name, "--shard-id", shards[0], "--shard-iterator-type", "TRIM_HORIZON")
			oldIterator = it.ShardIterator
		}},
		{"the same records after kill and restart", func(t *testing.T) {
			srv.kill()
			srv.restart()
			cli = newAWSCLI(outer, bin, srv) // the server listens on new ports
			after := getRecords(t)
			check(t, after)
			for _, sh := range shards {
				if !slices.Equal(after[sh], before[sh]) {
					t.Fatalf("shard %s after the restart:\n%+v\nbefore:\n%+v", sh, after[sh], before[sh])
				}
			}
			// An iterator is good for five minutes, restart or not.
			var res struct{ Records []kinCLIRecord }
			cli.json(t, &res, "kinesis", "get-records", "--shard-iterator", oldIterator, "--limit", "1000")
			if !slices.Equal(res.Records, before[shards[0]]) {
				t.Fatalf("an iterator from before the restart reads %d records, want the %d of %s", len(res.Records), len(before[shards[0]]), shards[0])
			}
		}},
		{"put-record after restart", func(t *testing.T) {
			var res struct{ ShardId, SequenceNumber string }
			cli.json(t, &res, append([]string{"kinesis", "put-record", "--stream-name", name,
				"--partition-key", "after", "--data", "after the restart"}, rawBlobs...)...)
			for _, r := range before[res.ShardId] { // sequence numbers grow per shard
				if !kinSeqLess(t, r.SequenceNumber, res.SequenceNumber) {
					t.Fatalf("put after the restart got seq %s in %s, not above the earlier %s", res.SequenceNumber, res.ShardId, r.SequenceNumber)
				}
			}
			put["after the restart"] = res.SequenceNumber
			check(t, getRecords(t))
		}},
		{"delete-stream", func(t *testing.T) {
			cli.must(t, "kinesis", "delete-stream", "--stream-name", name)
			cli.fails(t, "ResourceNotFoundException", "kinesis", "describe-stream-summary", "--stream-name", name)
		}},
	})
}

package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"math/big"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// These tests drive tarn's Kinesis API with aws-sdk-go-v2, once with
// streams in the embedded JetStream and once in an external NATS.

func TestKinesisSDK(t *testing.T) {
	for _, b := range kinBackends {
		t.Run(b.name, func(t *testing.T) {
			srv := kinStartServer(t, b)
			c := kinClient(srv)
			t.Run("streams", func(t *testing.T) { kinTestStreams(t, c) })
			t.Run("records", func(t *testing.T) { kinTestRecords(t, c) })
			t.Run("reshard", func(t *testing.T) { kinTestReshard(t, c) })
			t.Run("reshard during puts", func(t *testing.T) { kinTestReshardUnderLoad(t, srv) })
			t.Run("tarn stream", func(t *testing.T) { kinTestTarnStream(t, srv, c) })
		})
	}
}

// kinTestStreams covers the control plane: create, describe, list,
// retention, tags, delete.
func kinTestStreams(t *testing.T, c *kinesis.Client) {
	owner := t
	prov, onDemand := kinStreamName("prov"), kinStreamName("ondemand")
	runSteps(t, []step{
		{"CreateStream PROVISIONED", func(t *testing.T) {
			kinCreateStream(t, owner, c, prov, 3)
			res, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(prov)})
			if err != nil {
				t.Fatal(err)
			}
			d := res.StreamDescription
			if d.StreamStatus != types.StreamStatusActive || aws.ToString(d.StreamName) != prov {
				t.Fatalf("describe: status %s, name %s", d.StreamStatus, aws.ToString(d.StreamName))
			}
			if d.StreamModeDetails == nil || d.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
				t.Fatalf("describe: mode %+v, want PROVISIONED", d.StreamModeDetails)
			}
			if !strings.HasPrefix(aws.ToString(d.StreamARN), "arn:aws:kinesis:") || !strings.HasSuffix(aws.ToString(d.StreamARN), ":stream/"+prov) {
				t.Errorf("describe: StreamARN %q", aws.ToString(d.StreamARN))
			}
			if len(d.Shards) != 3 || aws.ToBool(d.HasMoreShards) {
				t.Fatalf("describe: %d shards (more: %v), want 3", len(d.Shards), aws.ToBool(d.HasMoreShards))
			}
			kinCheckCover(t, d.Shards)
			ids := map[string]bool{}
			for _, sh := range d.Shards {
				ids[aws.ToString(sh.ShardId)] = true
				if sh.SequenceNumberRange == nil || aws.ToString(sh.SequenceNumberRange.StartingSequenceNumber) == "" {
					t.Errorf("shard %s has no StartingSequenceNumber", aws.ToString(sh.ShardId))
				} else if sh.SequenceNumberRange.EndingSequenceNumber != nil {
					t.Errorf("new shard %s is closed", aws.ToString(sh.ShardId))
				}
			}
			if len(ids) != 3 {
				t.Errorf("shard ids are not distinct: %v", ids)
			}
			sum := kinWaitActive(t, c, prov)
			if aws.ToInt32(sum.OpenShardCount) != 3 || aws.ToInt32(sum.RetentionPeriodHours) != 24 ||
				sum.StreamModeDetails == nil || sum.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
				t.Errorf("summary: %d open shards, retention %dh, mode %+v; want 3, 24h, PROVISIONED",
					aws.ToInt32(sum.OpenShardCount), aws.ToInt32(sum.RetentionPeriodHours), sum.StreamModeDetails)
			}
		}},
		{"CreateStream ON_DEMAND", func(t *testing.T) {
			kinCreateStream(t, owner, c, onDemand, 0)
			sum := kinWaitActive(t, c, onDemand)
			if sum.StreamModeDetails == nil || sum.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
				t.Fatalf("summary: mode %+v, want ON_DEMAND", sum.StreamModeDetails)
			}
			res, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(onDemand)})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(res.StreamDescription.Shards); n < 1 || int32(n) != aws.ToInt32(sum.OpenShardCount) {
				t.Fatalf("on-demand stream: %d shards described, summary says %d open", n, aws.ToInt32(sum.OpenShardCount))
			}
			kinCheckCover(t, res.StreamDescription.Shards)
		}},
		{"CreateStream existing name", func(t *testing.T) {
			_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(prov), ShardCount: aws.Int32(1)})
			kinWantErr(t, err, "ResourceInUseException")
		}},
		{"ListStreams", func(t *testing.T) {
			var names []string
			in := &kinesis.ListStreamsInput{Limit: aws.Int32(10)}
			for calls := 0; ; calls++ {
				res, err := c.ListStreams(ctx(t), in)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.StreamSummaries) != len(res.StreamNames) {
					t.Fatalf("%d stream names, %d summaries", len(res.StreamNames), len(res.StreamSummaries))
				}
				names = append(names, res.StreamNames...)
				if !aws.ToBool(res.HasMoreStreams) {
					break
				}
				if calls > 1000 || len(res.StreamNames) == 0 {
					t.Fatalf("ListStreams does not come to an end: %d names so far", len(names))
				}
				in = &kinesis.ListStreamsInput{Limit: aws.Int32(10), NextToken: res.NextToken}
				if res.NextToken == nil {
					in.ExclusiveStartStreamName = aws.String(names[len(names)-1])
				}
			}
			for _, n := range []string{prov, onDemand} {
				if k := kinCount(names, n); k != 1 {
					t.Errorf("ListStreams lists %s %d times, want once", n, k)
				}
			}
		}},
		{"ListShards", func(t *testing.T) {
			first, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String(prov), MaxResults: aws.Int32(2)})
			if err != nil {
				t.Fatal(err)
			}
			if len(first.Shards) != 2 || first.NextToken == nil {
				t.Fatalf("first page: %d shards, NextToken %v; want 2 and a token", len(first.Shards), first.NextToken != nil)
			}
			rest, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{NextToken: first.NextToken})
			if err != nil {
				t.Fatal(err)
			}
			if len(rest.Shards) != 1 || rest.NextToken != nil {
				t.Fatalf("second page: %d shards, NextToken %v; want 1 and none", len(rest.Shards), rest.NextToken != nil)
			}
			listed := append(first.Shards, rest.Shards...)
			kinCheckCover(t, listed)
			desc, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(prov)})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := kinShardIDs(listed), kinShardIDs(desc.StreamDescription.Shards); !slices.Equal(got, want) {
				t.Fatalf("ListShards gives %v, DescribeStream %v", got, want)
			}
		}},
		{"retention", func(t *testing.T) {
			if _, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{
				StreamName: aws.String(prov), RetentionPeriodHours: aws.Int32(48)}); err != nil {
				t.Fatal(err)
			}
			if h := aws.ToInt32(kinWaitActive(t, c, prov).RetentionPeriodHours); h != 48 {
				t.Fatalf("retention %dh after increasing to 48h", h)
			}
			_, err := c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{
				StreamName: aws.String(prov), RetentionPeriodHours: aws.Int32(72)})
			kinWantErr(t, err, "InvalidArgumentException")
			if _, err := c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{
				StreamName: aws.String(prov), RetentionPeriodHours: aws.Int32(24)}); err != nil {
				t.Fatal(err)
			}
			if h := aws.ToInt32(kinWaitActive(t, c, prov).RetentionPeriodHours); h != 24 {
				t.Fatalf("retention %dh after decreasing to 24h", h)
			}
		}},
		{"tags", func(t *testing.T) {
			tags := map[string]string{"team": "data", "env": "e2e", "cost-center": "42"}
			if _, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: aws.String(prov), Tags: tags}); err != nil {
				t.Fatal(err)
			}
			if got := kinTags(t, c, prov); !maps.Equal(got, tags) {
				t.Fatalf("tags %v, want %v", got, tags)
			}
			if _, err := c.RemoveTagsFromStream(ctx(t), &kinesis.RemoveTagsFromStreamInput{StreamName: aws.String(prov), TagKeys: []string{"env"}}); err != nil {
				t.Fatal(err)
			}
			delete(tags, "env")
			if got := kinTags(t, c, prov); !maps.Equal(got, tags) {
				t.Fatalf("tags after removing env: %v, want %v", got, tags)
			}
		}},
		{"DeleteStream", func(t *testing.T) {
			if _, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String(onDemand)}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Minute)
			for { // Kinesis says DELETING for a while; then the stream is gone
				res, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(onDemand)})
				if err != nil {
					kinWantErr(t, err, "ResourceNotFoundException")
					break
				}
				if s := res.StreamDescription.StreamStatus; s != types.StreamStatusDeleting || time.Now().After(deadline) {
					t.Fatalf("deleted stream described as %s", s)
				}
				time.Sleep(50 * time.Millisecond) // polling the deletion
			}
			_, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(onDemand)})
			kinWantErr(t, err, "ResourceNotFoundException")
			_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(onDemand), PartitionKey: aws.String("k"), Data: []byte("x")})
			kinWantErr(t, err, "ResourceNotFoundException")
			// The other stream is untouched.
			kinWaitActive(t, c, prov)
		}},
	})
}

func kinCount(names []string, name string) int {
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n
}

func kinShardIDs(shards []types.Shard) []string {
	var ids []string
	for _, sh := range shards {
		ids = append(ids, aws.ToString(sh.ShardId))
	}
	slices.Sort(ids)
	return ids
}

func kinTags(t *testing.T, c *kinesis.Client, name string) map[string]string {
	t.Helper()
	res, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToBool(res.HasMoreTags) {
		t.Fatalf("ListTagsForStream: HasMoreTags with %d tags", len(res.Tags))
	}
	got := map[string]string{}
	for _, tag := range res.Tags {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return got
}

// kinPut is one record the test put and the server acknowledged.
type kinPut struct {
	shard, seq, key string
	data            []byte
}

// kinPuts is what a test put, by shard, in the order the puts were made.
type kinPuts map[string][]kinPut

func (p kinPuts) add(t *testing.T, r kinPut) {
	t.Helper()
	if r.shard == "" || r.seq == "" {
		t.Fatalf("record %q (key %q) acknowledged without shard (%q) or sequence number (%q)", r.data, r.key, r.shard, r.seq)
	}
	if prev := p[r.shard]; len(prev) > 0 && !kinSeqLess(t, prev[len(prev)-1].seq, r.seq) {
		t.Fatalf("shard %s: sequence number %s given after %s", r.shard, r.seq, prev[len(prev)-1].seq)
	}
	p[r.shard] = append(p[r.shard], r)
}

// kinSame checks that records read are exactly the ones put, in order.
func kinSame(t *testing.T, what string, got []types.Record, want []kinPut) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Fatalf("%s: %d records read, want %d; first missing: seq %s %q", what, len(got), len(want), want[i].seq, want[i].data)
		case i >= len(want):
			t.Fatalf("%s: %d records read, want %d; first extra: seq %s %q", what, len(got), len(want), aws.ToString(got[i].SequenceNumber), got[i].Data)
		}
		g, w := got[i], want[i]
		if aws.ToString(g.SequenceNumber) != w.seq || !bytes.Equal(g.Data, w.data) || aws.ToString(g.PartitionKey) != w.key {
			t.Fatalf("%s: record %d is seq %s key %q data %q, want seq %s key %q data %q", what, i,
				aws.ToString(g.SequenceNumber), aws.ToString(g.PartitionKey), g.Data, w.seq, w.key, w.data)
		}
		if g.ApproximateArrivalTimestamp == nil || g.ApproximateArrivalTimestamp.IsZero() {
			t.Fatalf("%s: record %d has no ApproximateArrivalTimestamp", what, i)
		}
	}
}

// kinMidHash is a hash key in the middle of a shard's range.
func kinMidHash(t *testing.T, sh types.Shard) *big.Int {
	t.Helper()
	lo, hi := kinBig(t, aws.ToString(sh.HashKeyRange.StartingHashKey)), kinBig(t, aws.ToString(sh.HashKeyRange.EndingHashKey))
	return new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
}

// kinTestRecords covers the data plane: routing, puts, iterators, reads.
func kinTestRecords(t *testing.T, c *kinesis.Client) {
	owner := t
	name := kinStreamName("records")
	var shards []types.Shard
	puts := kinPuts{}
	putRecords := func(t *testing.T, entries []types.PutRecordsRequestEntry) {
		t.Helper()
		res, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(res.FailedRecordCount) != 0 || len(res.Records) != len(entries) {
			t.Fatalf("PutRecords of %d: %d results, %d failed", len(entries), len(res.Records), aws.ToInt32(res.FailedRecordCount))
		}
		for i, r := range res.Records {
			e := entries[i]
			if r.ErrorCode != nil {
				t.Fatalf("record %d: %s: %s", i, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
			}
			hash := kinHashKey(aws.ToString(e.PartitionKey))
			if e.ExplicitHashKey != nil {
				hash = kinBig(t, aws.ToString(e.ExplicitHashKey))
			}
			if want := kinShardFor(t, shards, hash); aws.ToString(r.ShardId) != want {
				t.Fatalf("record %d (key %q) went to %s, its hash key lies in %s", i, aws.ToString(e.PartitionKey), aws.ToString(r.ShardId), want)
			}
			puts.add(t, kinPut{aws.ToString(r.ShardId), aws.ToString(r.SequenceNumber), aws.ToString(e.PartitionKey), e.Data})
		}
	}
	putOne := func(t *testing.T, key string, explicit *big.Int, data string) *kinesis.PutRecordOutput {
		t.Helper()
		in := &kinesis.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String(key), Data: []byte(data)}
		if explicit != nil {
			in.ExplicitHashKey = aws.String(explicit.String())
		}
		res, err := c.PutRecord(ctx(t), in)
		if err != nil {
			t.Fatal(err)
		}
		puts.add(t, kinPut{aws.ToString(res.ShardId), aws.ToString(res.SequenceNumber), key, []byte(data)})
		return res
	}
	// readAll reads every shard with the limit and checks it against puts.
	readAll := func(t *testing.T, limit int32) {
		t.Helper()
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			r := kinReadShard(t, c, name, id, limit)
			kinSame(t, "shard "+id, r.records, puts[id])
			if r.closed {
				t.Fatalf("open shard %s: no NextShardIterator", id)
			}
			if m := r.last.MillisBehindLatest; m == nil || *m != 0 {
				t.Fatalf("shard %s read to its tip: MillisBehindLatest %v, want 0", id, m)
			}
			if limit > 0 && len(puts[id]) > int(limit) && r.calls < 2 {
				t.Fatalf("shard %s: %d records in %d call with Limit %d", id, len(puts[id]), r.calls, limit)
			}
		}
	}
	runSteps(t, []step{
		{"create", func(t *testing.T) {
			kinCreateStream(t, owner, c, name, 3)
			shards = kinListShards(t, c, name)
			if len(shards) != 3 {
				t.Fatalf("%d shards, want 3", len(shards))
			}
		}},
		{"PutRecord routes by MD5 of the partition key", func(t *testing.T) {
			hit := map[string]int{}
			for i := range 30 {
				key := fmt.Sprintf("key-%d", i)
				res := putOne(t, key, nil, fmt.Sprintf("single %d", i))
				if want := kinShardFor(t, shards, kinHashKey(key)); aws.ToString(res.ShardId) != want {
					t.Fatalf("key %q went to %s, MD5 %s lies in %s", key, aws.ToString(res.ShardId), kinHashKey(key), want)
				}
				hit[aws.ToString(res.ShardId)]++
			}
			if len(hit) != 3 {
				t.Fatalf("30 keys went to shards %v only", hit)
			}
		}},
		{"PutRecord ExplicitHashKey", func(t *testing.T) {
			for _, sh := range shards {
				id := aws.ToString(sh.ShardId)
				key := ""
				for i := 0; key == ""; i++ { // a key whose MD5 points elsewhere
					if k := fmt.Sprintf("elsewhere-%d", i); kinShardFor(t, shards, kinHashKey(k)) != id {
						key = k
					}
				}
				res := putOne(t, key, kinMidHash(t, sh), "explicit to "+id)
				if aws.ToString(res.ShardId) != id {
					t.Fatalf("ExplicitHashKey in %s's range: record went to %s", id, aws.ToString(res.ShardId))
				}
			}
			// The range ends are inclusive.
			for _, sh := range shards {
				for _, k := range []string{aws.ToString(sh.HashKeyRange.StartingHashKey), aws.ToString(sh.HashKeyRange.EndingHashKey)} {
					res := putOne(t, "edge", kinBig(t, k), "edge "+k)
					if aws.ToString(res.ShardId) != aws.ToString(sh.ShardId) {
						t.Fatalf("ExplicitHashKey %s: record went to %s, want %s", k, aws.ToString(res.ShardId), aws.ToString(sh.ShardId))
					}
				}
			}
		}},
		{"PutRecords 500 with mixed keys", func(t *testing.T) {
			var entries []types.PutRecordsRequestEntry
			for i := range 500 {
				e := types.PutRecordsRequestEntry{Data: fmt.Appendf(nil, "batch %03d", i), PartitionKey: aws.String(fmt.Sprintf("k-%d", i))}
				switch {
				case i%7 == 0:
					e.PartitionKey = aws.String("hot key") // many records under one key
				case i%50 == 1:
					e.ExplicitHashKey = aws.String(kinMidHash(t, shards[(i/50)%3]).String())
				case i%11 == 0:
					e.PartitionKey = aws.String(fmt.Sprintf("ünïcødé ✓ %d", i))
				case i == 499:
					e.Data = []byte{} // empty data is allowed
				}
				entries = append(entries, e)
			}
			putRecords(t, entries)
			for _, sh := range shards {
				if n := len(puts[aws.ToString(sh.ShardId)]); n < 50 {
					t.Fatalf("shard %s holds only %d records", aws.ToString(sh.ShardId), n)
				}
			}
		}},
		{"GetRecords TRIM_HORIZON paged by Limit", func(t *testing.T) {
			readAll(t, 7)
			readAll(t, 0)
		}},
		{"AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER", func(t *testing.T) {
			for _, sh := range shards {
				id := aws.ToString(sh.ShardId)
				want := puts[id]
				for _, k := range []int{0, len(want) / 2, len(want) - 1} {
					for _, typ := range []types.ShardIteratorType{types.ShardIteratorTypeAtSequenceNumber, types.ShardIteratorTypeAfterSequenceNumber} {
						it := kinIterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(id),
							ShardIteratorType: typ, StartingSequenceNumber: aws.String(want[k].seq)})
						from := k
						if typ == types.ShardIteratorTypeAfterSequenceNumber {
							from++
						}
						kinSame(t, fmt.Sprintf("shard %s %s record %d", id, typ, k), kinReadFrom(t, c, it, 10).records, want[from:])
					}
				}
			}
		}},
		{"LATEST", func(t *testing.T) {
			for _, sh := range shards {
				id := aws.ToString(sh.ShardId)
				it := kinIterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(id),
					ShardIteratorType: types.ShardIteratorTypeLatest})
				res, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Records) != 0 || res.NextShardIterator == nil {
					t.Fatalf("shard %s at LATEST: %d records, next iterator %v; want none and one", id, len(res.Records), res.NextShardIterator != nil)
				}
				putOne(t, "latest", kinMidHash(t, sh), "after LATEST on "+id)
				r := kinReadFrom(t, c, res.NextShardIterator, 0)
				kinSame(t, "shard "+id+" after LATEST", r.records, puts[id][len(puts[id])-1:])
			}
		}},
		{"AT_TIMESTAMP", func(t *testing.T) {
			// A millisecond boundary after the last acknowledged put: every
			// record before it arrived earlier, every one after later.
			last := time.Now()
			for time.Now().UnixMilli() <= last.UnixMilli()+1 {
				time.Sleep(time.Millisecond) // waiting for the clock to pass a millisecond
			}
			at := time.UnixMilli(time.Now().UnixMilli())
			before := map[string]int{}
			for id, p := range puts {
				before[id] = len(p)
			}
			var entries []types.PutRecordsRequestEntry
			for i := range 60 {
				entries = append(entries, types.PutRecordsRequestEntry{Data: fmt.Appendf(nil, "timed %d", i), PartitionKey: aws.String(fmt.Sprintf("t-%d", i))})
			}
			putRecords(t, entries)
			for _, sh := range shards {
				id := aws.ToString(sh.ShardId)
				it := kinIterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(id),
					ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(at)})
				kinSame(t, "shard "+id+" AT_TIMESTAMP", kinReadFrom(t, c, it, 0).records, puts[id][before[id]:])
				it = kinIterator(t, c, &kinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(id),
					ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(at.Add(-time.Hour))})
				kinSame(t, "shard "+id+" AT_TIMESTAMP an hour ago", kinReadFrom(t, c, it, 0).records, puts[id])
			}
		}},
		{"everything once more", func(t *testing.T) { readAll(t, 13) }},
	})
}

// kinTestReshard scales a stream from 2 to 3 shards between puts and reads
// it back parents first, as a Kinesis consumer must.
func kinTestReshard(t *testing.T, c *kinesis.Client) {
	owner := t
	name := kinStreamName("reshard")
	const keys, rounds = 40, 6 // rounds 0-2 before the reshard, 3-5 after
	var parents, children []types.Shard
	put := func(t *testing.T, round int, open []types.Shard) {
		t.Helper()
		var entries []types.PutRecordsRequestEntry
		for k := range keys {
			entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("rk-%d", k)), Data: fmt.Appendf(nil, "rk-%d/%d", k, round)})
		}
		res, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(res.FailedRecordCount) != 0 {
			t.Fatalf("round %d: %d records failed", round, aws.ToInt32(res.FailedRecordCount))
		}
		for i, r := range res.Records {
			if want := kinShardFor(t, open, kinHashKey(aws.ToString(entries[i].PartitionKey))); aws.ToString(r.ShardId) != want {
				t.Fatalf("round %d: %s went to %s, want open shard %s", round, aws.ToString(entries[i].PartitionKey), aws.ToString(r.ShardId), want)
			}
		}
	}
	runSteps(t, []step{
		{"create and put", func(t *testing.T) {
			kinCreateStream(t, owner, c, name, 2)
			parents = kinListShards(t, c, name)
			if len(parents) != 2 {
				t.Fatalf("%d shards, want 2", len(parents))
			}
			for round := range 3 {
				put(t, round, parents)
			}
		}},
		{"UpdateShardCount 2 to 3", func(t *testing.T) {
			res, err := c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: aws.String(name),
				TargetShardCount: aws.Int32(3), ScalingType: types.ScalingTypeUniformScaling})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt32(res.CurrentShardCount) != 2 || aws.ToInt32(res.TargetShardCount) != 3 {
				t.Fatalf("UpdateShardCount answered current %d, target %d", aws.ToInt32(res.CurrentShardCount), aws.ToInt32(res.TargetShardCount))
			}
			if n := aws.ToInt32(kinWaitActive(t, c, name).OpenShardCount); n != 3 {
				t.Fatalf("%d open shards after the reshard, want 3", n)
			}
			all := kinListShards(t, c, name)
			parentIDs := kinShardIDs(parents)
			parents, children = nil, nil
			for _, sh := range all {
				id := aws.ToString(sh.ShardId)
				closed := sh.SequenceNumberRange != nil && sh.SequenceNumberRange.EndingSequenceNumber != nil
				switch {
				case slices.Contains(parentIDs, id):
					if !closed {
						t.Fatalf("parent %s is still open", id)
					}
					parents = append(parents, sh)
				case closed:
					t.Fatalf("new shard %s is closed", id)
				default:
					for _, p := range []*string{sh.ParentShardId, sh.AdjacentParentShardId} {
						if p != nil && !slices.Contains(parentIDs, *p) {
							t.Fatalf("child %s names parent %s, not one of %v", id, *p, parentIDs)
						}
					}
					if sh.ParentShardId == nil {
						t.Fatalf("child %s has no ParentShardId", id)
					}
					children = append(children, sh)
				}
			}
			if len(parents) != 2 || len(children) != 3 {
				t.Fatalf("after the reshard: %d parents and %d children listed, want 2 and 3", len(parents), len(children))
			}
			kinCheckCover(t, children)
			kinCheckCover(t, parents)
			// A child's range lies within the ranges of the parents it names.
			for _, ch := range children {
				lo, hi := kinBig(t, aws.ToString(ch.HashKeyRange.StartingHashKey)), kinBig(t, aws.ToString(ch.HashKeyRange.EndingHashKey))
				for _, k := range []*big.Int{lo, hi} {
					holder := kinShardFor(t, kinReopened(parents), k)
					if holder != aws.ToString(ch.ParentShardId) && holder != aws.ToString(ch.AdjacentParentShardId) {
						t.Fatalf("child %s holds hash key %s of parent %s, which it does not name", aws.ToString(ch.ShardId), k, holder)
					}
				}
			}
		}},
		{"puts go to the children", func(t *testing.T) {
			for round := 3; round < rounds; round++ {
				put(t, round, children)
			}
		}},
		{"parents then children give every key in order", func(t *testing.T) {
			got := map[string][]string{} // partition key -> data in read order
			childIDs := kinShardIDs(children)
			for _, p := range parents {
				id := aws.ToString(p.ShardId)
				r := kinReadShard(t, c, name, id, 10)
				if !r.closed {
					t.Fatalf("parent %s read to its end still gives a NextShardIterator", id)
				}
				if len(r.last.ChildShards) == 0 {
					t.Fatalf("parent %s read to its end: no ChildShards", id)
				}
				for _, ch := range r.last.ChildShards {
					if !slices.Contains(childIDs, aws.ToString(ch.ShardId)) || !slices.Contains(ch.ParentShards, id) {
						t.Fatalf("parent %s names child %s with parents %v", id, aws.ToString(ch.ShardId), ch.ParentShards)
					}
				}
				end := aws.ToString(p.SequenceNumberRange.EndingSequenceNumber)
				for _, rec := range r.records {
					if kinSeqLess(t, end, aws.ToString(rec.SequenceNumber)) {
						t.Fatalf("parent %s ends at %s but gives record %s", id, end, aws.ToString(rec.SequenceNumber))
					}
					got[aws.ToString(rec.PartitionKey)] = append(got[aws.ToString(rec.PartitionKey)], string(rec.Data))
				}
			}
			for _, ch := range children {
				r := kinReadShard(t, c, name, aws.ToString(ch.ShardId), 10)
				for _, rec := range r.records {
					got[aws.ToString(rec.PartitionKey)] = append(got[aws.ToString(rec.PartitionKey)], string(rec.Data))
				}
			}
			for k := range keys {
				key := fmt.Sprintf("rk-%d", k)
				var want []string
				for round := range rounds {
					want = append(want, fmt.Sprintf("%s/%d", key, round))
				}
				if !slices.Equal(got[key], want) {
					t.Errorf("key %s read as %v, want %v", key, got[key], want)
				}
			}
			if len(got) != keys {
				t.Errorf("read %d partition keys, want %d", len(got), keys)
			}
		}},
	})
}

// kinTestReshardUnderLoad reshards a stream while producers put to it:
// every acknowledged record is readable once, where it was acknowledged,
// and each partition key reads in put order, parents first.
func kinTestReshardUnderLoad(t *testing.T, srv *server) {
	const producers, keysEach, batch = 4, 8, 100
	c := kinClient(srv, func(o *kinesis.Options) { o.RetryMaxAttempts = 1 }) // a retry could store a batch twice
	name := kinStreamName("reshardload")
	kinCreateStream(t, t, c, name, 2)
	parentIDs := kinShardIDs(kinListShards(t, c, name))

	type ack struct {
		shard, seq string
		after      bool // acknowledged after UpdateShardCount returned
	}
	var (
		mu       sync.Mutex
		acked    = map[string]ack{} // data -> where it went
		failures []error
		resized  atomic.Bool
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	cx := ctx(t)
	for p := range producers {
		wg.Go(func() {
			for n := 0; !stop.Load(); {
				after := resized.Load()
				var entries []types.PutRecordsRequestEntry
				for range batch {
					entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("lp%d-%d", p, n%keysEach)),
						Data: fmt.Appendf(nil, "%d/%d", p, n)})
					n++
				}
				res, err := c.PutRecords(cx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
				mu.Lock()
				if err == nil && aws.ToInt32(res.FailedRecordCount) != 0 {
					err = fmt.Errorf("%d records failed", aws.ToInt32(res.FailedRecordCount))
				}
				if err != nil {
					failures = append(failures, fmt.Errorf("producer %d: %w", p, err))
					mu.Unlock()
					return
				}
				for i, r := range res.Records {
					acked[string(entries[i].Data)] = ack{aws.ToString(r.ShardId), aws.ToString(r.SequenceNumber), after}
				}
				mu.Unlock()
			}
		})
	}
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for count() < n && time.Now().Before(deadline) {
			mu.Lock()
			failed := len(failures) > 0
			mu.Unlock()
			if failed {
				break
			}
			time.Sleep(5 * time.Millisecond) // polling the producers' progress
		}
	}
	waitFor(2000)
	_, err := c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: aws.String(name),
		TargetShardCount: aws.Int32(3), ScalingType: types.ScalingTypeUniformScaling})
	resized.Store(true)
	if err == nil {
		waitFor(count() + 2000)
	}
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatalf("UpdateShardCount while producers put: %v", err)
	}
	if len(failures) > 0 {
		t.Fatalf("puts failed: %v", failures)
	}
	kinWaitActive(t, c, name)

	// Read as a Kinesis consumer must: every parent to its end, then the
	// children.
	var parents, children []types.Shard
	for _, sh := range kinListShards(t, c, name) {
		if slices.Contains(parentIDs, aws.ToString(sh.ShardId)) {
			parents = append(parents, sh)
		} else {
			children = append(children, sh)
		}
	}
	if len(children) != 3 {
		t.Fatalf("%d shards besides the parents, want 3", len(children))
	}
	found := map[string]ack{}
	last := map[string]int{} // partition key -> counter read last
	for _, sh := range append(parents, children...) {
		id := aws.ToString(sh.ShardId)
		r := kinReadShard(t, c, name, id, 0)
		if slices.Contains(parentIDs, id) != r.closed {
			t.Fatalf("shard %s: read to its end: %v; it is a parent: %v", id, r.closed, slices.Contains(parentIDs, id))
		}
		for _, rec := range r.records {
			data, key := string(rec.Data), aws.ToString(rec.PartitionKey)
			if prev, dup := found[data]; dup {
				t.Errorf("record %s read twice: %s seq %s and %s seq %s", data, prev.shard, prev.seq, id, aws.ToString(rec.SequenceNumber))
			}
			found[data] = ack{shard: id, seq: aws.ToString(rec.SequenceNumber)}
			var p, n int
			if _, err := fmt.Sscanf(data, "%d/%d", &p, &n); err != nil {
				t.Fatalf("record %q: %v", data, err)
			}
			if prev, ok := last[key]; ok && prev >= n {
				t.Errorf("key %s: record %s read after its record %d/%d", key, data, p, prev)
			}
			last[key] = n
		}
	}
	for data, a := range acked {
		got, ok := found[data]
		switch {
		case !ok:
			t.Errorf("acknowledged record %s (%s seq %s) is not readable", data, a.shard, a.seq)
		case got.shard != a.shard || got.seq != a.seq:
			t.Errorf("record %s acknowledged as %s seq %s, read as %s seq %s", data, a.shard, a.seq, got.shard, got.seq)
		case a.after && slices.Contains(parentIDs, a.shard):
			t.Errorf("record %s put after the reshard went to parent %s", data, a.shard)
		}
	}
	if len(found) != len(acked) {
		t.Errorf("read %d records, %d were acknowledged", len(found), len(acked))
	}
}

// kinReopened returns shards without their ending sequence numbers, so
// that kinShardFor can look up which of them held a hash key.
func kinReopened(shards []types.Shard) []types.Shard {
	out := make([]types.Shard, len(shards))
	for i, sh := range shards {
		sh.SequenceNumberRange = &types.SequenceNumberRange{StartingSequenceNumber: sh.SequenceNumberRange.StartingSequenceNumber}
		out[i] = sh
	}
	return out
}

// kinTestTarnStream pipes lines through `tarn stream put` and reads them
// back with `tarn stream tail --raw`, before and after a reshard.
func kinTestTarnStream(t *testing.T, srv *server, c *kinesis.Client) {
	name := kinStreamName("tarncli")
	kinCreateStream(t, t, c, name, 2)
	var first, second []string
	for i := range 1234 { // more than two PutRecords batches
		first = append(first, fmt.Sprintf("line %04d", i))
		second = append(second, fmt.Sprintf("again %04d", i))
	}
	first = append(first, "ünïcødé ✓", "   spaces   ", `{"json": true}`)
	second = append(second, "ünïcødé ✓ again", "   spaces again   ", `{"json": "again"}`)
	put := func(t *testing.T, lines []string) {
		t.Helper()
		kinTarnCmd(t, srv, strings.Join(lines, "\n")+"\n", "stream", "put", name, "--endpoint", srv.URL())
	}
	tail := func(t *testing.T, want ...string) []string {
		t.Helper()
		out := kinTarnCmd(t, srv, "", "stream", "tail", name, "--raw", "--endpoint", srv.URL())
		got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if sorted := slices.Sorted(slices.Values(got)); !slices.Equal(sorted, slices.Sorted(slices.Values(want))) {
			t.Fatalf("tail --raw gave %d lines, want %d; first lines: %q", len(got), len(want), got[:min(5, len(got))])
		}
		return got
	}
	runSteps(t, []step{
		{"put and tail", func(t *testing.T) {
			put(t, first)
			tail(t, first...)
			total := 0
			for id, recs := range kinReadAll(t, c, name) {
				if len(recs) == 0 {
					t.Errorf("shard %s got none of the lines", id)
				}
				total += len(recs)
			}
			if total != len(first) {
				t.Fatalf("the stream holds %d records, %d lines were put", total, len(first))
			}
		}},
		{"tail after a reshard keeps each key in order", func(t *testing.T) {
			if _, err := c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: aws.String(name),
				TargetShardCount: aws.Int32(3), ScalingType: types.ScalingTypeUniformScaling}); err != nil {
				t.Fatal(err)
			}
			kinWaitActive(t, c, name)
			// put keys each line by its number, so line n of both puts
			// shares a partition key: the first's must come out first.
			put(t, second)
			// Which shard tail reads first may vary from run to run: tail
			// a number of times.
			const tails = 20
			bad := 0
			for range tails {
				got := tail(t, append(slices.Clone(first), second...)...)
				at := map[string]int{}
				for i, line := range got {
					at[line] = i
				}
				wrong := 0
				for n := range first {
					if at[first[n]] > at[second[n]] {
						if wrong++; wrong <= 3 && bad == 0 {
							t.Errorf("tail printed %q (key %d, put after the reshard) before %q (same key, put before)", second[n], n, first[n])
						}
					}
				}
				if wrong > 0 {
					bad++
					t.Logf("tail put %d of %d keys out of order", wrong, len(first))
				}
			}
			if bad > 0 {
				t.Fatalf("%d of %d tails put keys out of order", bad, tails)
			}
		}},
	})
}

// kinTarnCmd runs the tarn binary with the root key in its environment and
// returns its standard output.
func kinTarnCmd(t *testing.T, srv *server, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx(t), tarnBin, args...)
	cmd.Env = append(os.Environ(), "TARN_ACCESS_KEY_ID="+rootID, "TARN_SECRET_ACCESS_KEY="+rootSecret)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("tarn %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

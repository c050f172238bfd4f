package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// Crash records: the data of a record says who sent it and is checkable
// on its own, so that anything read back after a crash can be told whole,
// torn or foreign.
//
//	cycle (1 byte) | producer (1 byte) | counter (4 bytes) | filler | CRC-32C of all before (4 bytes)
//
// The filler is a pseudo-random 0..300 bytes that depends on the first
// three fields only, and so does the partition key: a record's whole
// content follows from (cycle, producer, counter).
type kinCrashID struct {
	cycle, producer uint8
	counter         uint32
}

var kinCRC = crc32.MakeTable(crc32.Castagnoli)

func kinCrashData(id kinCrashID) []byte {
	seed := uint64(id.cycle)<<40 | uint64(id.producer)<<32 | uint64(id.counter)
	n := int(rand.New(rand.NewPCG(seed, 0x6b696e)).IntN(301))
	b := []byte{id.cycle, id.producer}
	b = binary.BigEndian.AppendUint32(b, id.counter)
	b = append(b, genBytes(seed, n)...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, kinCRC))
}

// kinCrashParse returns the id a record's data claims and whether the data
// is exactly what was sent for that id.
func kinCrashParse(b []byte) (kinCrashID, bool) {
	if len(b) < 10 {
		return kinCrashID{}, false
	}
	id := kinCrashID{b[0], b[1], binary.BigEndian.Uint32(b[2:])}
	return id, bytes.Equal(b, kinCrashData(id))
}

// kinCrashKeys gives each producer partition keys that reach every shard,
// at least two keys per shard.
func kinCrashKeys(t *testing.T, shards []types.Shard, producer int) []string {
	t.Helper()
	per := map[string]int{}
	var keys []string
	for i := 0; len(per) < len(shards) || kinMinValue(per) < 2; i++ {
		k := fmt.Sprintf("p%d-key%d", producer, i)
		sh := kinShardFor(t, shards, kinHashKey(k))
		if per[sh] < 4 {
			per[sh]++
			keys = append(keys, k)
		}
	}
	return keys
}

func kinMinValue(m map[string]int) int {
	first, v := true, 0
	for _, x := range m {
		if first || x < v {
			first, v = false, x
		}
	}
	return v
}

// kinAck is where an acknowledged record was stored.
type kinAck struct{ shard, seq string }

// kinCrashLog is what the producers sent and what was acknowledged, over
// every cycle.
type kinCrashLog struct {
	mu     sync.Mutex
	tried  map[kinCrashID]string // id -> partition key, for every record sent
	acked  map[kinCrashID]kinAck
	early  []error // failures before the kill
	killed atomic.Bool
}

func (l *kinCrashLog) failed(err error) {
	if l.killed.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.early = append(l.early, err)
}

func (l *kinCrashLog) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

func TestKinesisCrashDuringPuts(t *testing.T) {
	const (
		producers = 8
		cycles    = 2
		shards    = 4
	)
	srv := startServer(t)
	name := kinStreamName("crash")
	// Created without kinCreateStream: its deletion at the end would go to
	// the ports of the first server process.
	if _, err := kinClient(srv).CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatal(err)
	}
	kinWaitActive(t, kinClient(srv), name)
	layout := kinListShards(t, kinClient(srv), name)
	keys := make([][]string, producers)
	for p := range producers {
		keys[p] = kinCrashKeys(t, layout, p)
	}
	log := &kinCrashLog{tried: map[kinCrashID]string{}, acked: map[kinCrashID]kinAck{}}

	for cycle := range cycles {
		t.Run(fmt.Sprintf("cycle %d", cycle), func(t *testing.T) {
			// No retries: a retried batch could legitimately be stored twice.
			c := kinClient(srv, func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })
			log.killed.Store(false)
			ackedBefore := log.ackedCount()
			var stop atomic.Bool
			var wg sync.WaitGroup
			cx := ctx(t)
			for p := range producers {
				wg.Go(func() { kinCrashProducer(cx, c, name, uint8(cycle), uint8(p), keys[p], log, &stop) })
			}

			// Let the producers run for a second or more and until a fair
			// number of records were acknowledged, then kill the server
			// with batches in flight.
			start := time.Now()
			deadline := start.Add(2 * time.Minute)
			for time.Since(start) < time.Second || log.ackedCount()-ackedBefore < 2000 {
				if time.Now().After(deadline) {
					stop.Store(true)
					wg.Wait()
					t.Fatalf("puts too slow: %d acknowledged; errors: %v", log.ackedCount()-ackedBefore, log.early)
				}
				time.Sleep(20 * time.Millisecond) // polling the producers' progress
			}
			log.killed.Store(true)
			srv.kill()
			stop.Store(true)
			wg.Wait()
			if len(log.early) > 0 {
				t.Fatalf("puts failed before the kill: %v", log.early[:min(5, len(log.early))])
			}
			srv.restart()
			kinCheckAfterCrash(t, kinClient(srv), name, layout, log)
		})
	}
}

// kinCrashProducer sends PutRecords batches of 50-500 records until stop,
// one at a time, noting what was sent and what acknowledged.
func kinCrashProducer(cx context.Context, c *kinesis.Client, name string, cycle, producer uint8, keys []string, log *kinCrashLog, stop *atomic.Bool) {
	r := rand.New(rand.NewPCG(uint64(cycle), uint64(producer)))
	var counter uint32
	for !stop.Load() {
		n := 50 + r.IntN(451)
		ids := make([]kinCrashID, n)
		entries := make([]types.PutRecordsRequestEntry, n)
		log.mu.Lock()
		for i := range n {
			id := kinCrashID{cycle, producer, counter}
			counter++
			key := keys[r.IntN(len(keys))]
			ids[i] = id
			entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(key), Data: kinCrashData(id)}
			log.tried[id] = key
		}
		log.mu.Unlock()
		res, err := c.PutRecords(cx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
		if err != nil {
			log.failed(fmt.Errorf("producer %d: %w", producer, err))
			if log.killed.Load() {
				return
			}
			continue
		}
		if len(res.Records) != n {
			log.failed(fmt.Errorf("producer %d: %d results for %d records", producer, len(res.Records), n))
			continue
		}
		log.mu.Lock()
		for i, rr := range res.Records {
			if rr.ErrorCode != nil {
				log.mu.Unlock()
				log.failed(fmt.Errorf("producer %d record %v: %s: %s", producer, ids[i], aws.ToString(rr.ErrorCode), aws.ToString(rr.ErrorMessage)))
				log.mu.Lock()
				continue
			}
			log.acked[ids[i]] = kinAck{aws.ToString(rr.ShardId), aws.ToString(rr.SequenceNumber)}
		}
		log.mu.Unlock()
	}
}

// kinCheckAfterCrash reads every shard from TRIM_HORIZON and checks it
// against the producers' log.
func kinCheckAfterCrash(t *testing.T, c *kinesis.Client, name string, layout []types.Shard, log *kinCrashLog) {
	t.Helper()
	listed := kinListShards(t, c, name)
	if got, want := kinShardIDs(listed), kinShardIDs(layout); !slices.Equal(got, want) {
		t.Fatalf("shards after the restart: %v, before: %v", got, want)
	}
	found := map[kinCrashID]kinAck{}
	seqs := map[string]kinCrashID{}
	unacked, bad := 0, 0
	for shard, recs := range kinReadAll(t, c, name) { // also checks seqs grow per shard
		last := map[uint8]kinCrashID{} // producer -> its record read last in this shard
		for _, rec := range recs {
			seq := aws.ToString(rec.SequenceNumber)
			id, whole := kinCrashParse(rec.Data)
			key, sent := log.tried[id]
			switch {
			case !whole || !sent:
				if bad++; bad <= 10 {
					t.Errorf("shard %s seq %s: %d bytes that are no record sent (claims %+v)", shard, seq, len(rec.Data), id)
				}
				continue
			case aws.ToString(rec.PartitionKey) != key:
				t.Errorf("record %+v: partition key %q, sent %q", id, aws.ToString(rec.PartitionKey), key)
			case kinShardFor(t, layout, kinHashKey(key)) != shard:
				t.Errorf("record %+v (key %q) is in %s, its key belongs to %s", id, key, shard, kinShardFor(t, layout, kinHashKey(key)))
			}
			if prev, dup := found[id]; dup {
				t.Errorf("record %+v is stored twice: %s seq %s and %s seq %s", id, prev.shard, prev.seq, shard, seq)
			}
			if other, dup := seqs[seq]; dup {
				t.Errorf("sequence number %s is given to %+v and %+v", seq, other, id)
			}
			found[id], seqs[seq] = kinAck{shard, seq}, id
			// A producer sends one batch at a time and a batch keeps its
			// order, so its records follow each other in a shard.
			if p, ok := last[id.producer]; ok && (p.cycle > id.cycle || p.cycle == id.cycle && p.counter >= id.counter) {
				t.Errorf("shard %s: producer %d's record %+v follows its record %+v", shard, id.producer, id, p)
			}
			last[id.producer] = id
			if _, ok := log.acked[id]; !ok {
				unacked++
			}
		}
	}
	lost := 0
	for id, ack := range log.acked {
		got, ok := found[id]
		switch {
		case !ok:
			if lost++; lost <= 10 {
				t.Errorf("acknowledged record %+v (%s seq %s) is gone after the crash", id, ack.shard, ack.seq)
			}
		case got != ack:
			t.Errorf("acknowledged record %+v was %s seq %s, is now %s seq %s", id, ack.shard, ack.seq, got.shard, got.seq)
		}
	}
	if lost > 10 || bad > 10 {
		t.Errorf("%d acknowledged records lost, %d bad records in all", lost, bad)
	}
	t.Logf("%d records sent, %d acknowledged, %d stored; %d stored without an acknowledgement",
		len(log.tried), len(log.acked), len(found), unacked)
}

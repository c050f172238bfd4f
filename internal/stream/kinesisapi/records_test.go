package kinesisapi

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

func iter(e *env, name, shard, typ string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"StreamName": name, "ShardId": shard, "ShardIteratorType": typ}
	for k, v := range extra {
		body[k] = v
	}
	return str(e.ok("GetShardIterator", body)["ShardIterator"])
}

// readShard follows NextShardIterator until a read returns nothing
// (open shard) or the shard ends; it returns the records and the last answer.
func readShard(e *env, it string, limit int) ([]map[string]any, map[string]any) {
	e.t.Helper()
	var recs []map[string]any
	for range 1000 {
		out := e.ok("GetRecords", map[string]any{"ShardIterator": it, "Limit": limit})
		for _, r := range list(out["Records"]) {
			recs = append(recs, obj(r))
		}
		next, ok := out["NextShardIterator"].(string)
		if !ok || len(list(out["Records"])) == 0 {
			return recs, out
		}
		it = next
	}
	e.t.Fatal("shard never ended")
	return nil, nil
}

func data(r map[string]any) string {
	b, _ := base64.StdEncoding.DecodeString(str(r["Data"]))
	return string(b)
}

func put(e *env, name, key, payload string) map[string]any {
	e.t.Helper()
	return e.ok("PutRecord", map[string]any{"StreamName": name, "PartitionKey": key, "Data": []byte(payload)})
}

func TestPartitionKeyRouting(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 4)
	for _, key := range []string{"alpha", "beta", "user-42", "ünïcode", strings.Repeat("k", 256)} {
		sum := md5.Sum([]byte(key))
		h, _ := new(big.Int).SetString(hex.EncodeToString(sum[:]), 16)
		want := -1
		for i, r := range kinesisRanges[4] {
			lo, _ := new(big.Int).SetString(r[0], 10)
			hi, _ := new(big.Int).SetString(r[1], 10)
			if lo.Cmp(h) <= 0 && h.Cmp(hi) <= 0 {
				want = i
			}
		}
		out := put(e, "s", key, "x")
		if got := str(out["ShardId"]); got != fmt.Sprintf("shardId-%012d", want) {
			t.Errorf("key %q (hash %s) went to %s, want shard %d", key, h, got, want)
		}
		if out["EncryptionType"] != "NONE" || len(str(out["SequenceNumber"])) != 56 {
			t.Errorf("answer %v", out)
		}
	}
	// An explicit hash key overrides the partition key, boundaries included.
	for key, shard := range map[string]string{
		"0": "shardId-000000000000", "85070591730234615865843651857942052863": "shardId-000000000000",
		"85070591730234615865843651857942052864": "shardId-000000000001", maxHashKey: "shardId-000000000003",
	} {
		out := e.ok("PutRecord", map[string]any{"StreamName": "s", "PartitionKey": "alpha", "ExplicitHashKey": key, "Data": "eA=="})
		if out["ShardId"] != shard {
			t.Errorf("explicit hash key %s went to %v, want %s", key, out["ShardId"], shard)
		}
	}
}

func TestPutRecordsGetRecords(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 4)
	var recs []map[string]any
	for i := range 500 {
		recs = append(recs, map[string]any{"PartitionKey": fmt.Sprintf("key-%d", i%37), "Data": []byte(fmt.Sprintf("%d", i))})
	}
	out := e.ok("PutRecords", map[string]any{"StreamName": "s", "Records": recs})
	if out["FailedRecordCount"] != json.Number("0") || len(list(out["Records"])) != 500 {
		t.Fatalf("put: %v", out["FailedRecordCount"])
	}
	byShard := map[string][]string{} // sequence numbers as put, per shard
	for _, r := range list(out["Records"]) {
		r := obj(r)
		byShard[str(r["ShardId"])] = append(byShard[str(r["ShardId"])], str(r["SequenceNumber"]))
	}
	if len(byShard) != 4 {
		t.Fatalf("500 records over %d shards", len(byShard))
	}
	total := 0
	for shard, seqs := range byShard {
		got, last := readShard(e, iter(e, "s", shard, "TRIM_HORIZON", nil), 64)
		if len(got) != len(seqs) {
			t.Fatalf("%s: read %d records, put %d", shard, len(got), len(seqs))
		}
		for i, r := range got {
			if str(r["SequenceNumber"]) != seqs[i] {
				t.Fatalf("%s record %d: seq %v, want %s", shard, i, r["SequenceNumber"], seqs[i])
			}
			n := 0
			fmt.Sscan(data(r), &n)
			if want := fmt.Sprintf("key-%d", n%37); r["PartitionKey"] != want || r["ApproximateArrivalTimestamp"] == nil || r["EncryptionType"] != "NONE" {
				t.Fatalf("%s record %d: %v", shard, i, r)
			}
			if i > 0 && str(r["SequenceNumber"]) <= seqs[i-1] {
				t.Fatalf("%s: out of order", shard)
			}
		}
		if last["MillisBehindLatest"] != json.Number("0") || last["NextShardIterator"] == nil {
			t.Fatalf("caught up: %v", last)
		}
		total += len(got)
	}
	if total != 500 {
		t.Fatalf("read %d records", total)
	}
}

func TestIteratorTypes(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 1)
	const shard = "shardId-000000000000"
	var seqs []string
	for i := range 3 {
		seqs = append(seqs, str(put(e, "s", "k", fmt.Sprintf("early-%d", i))["SequenceNumber"]))
	}
	e.clock.Add(10 * time.Second)
	middle := e.clock.Now()
	latest := iter(e, "s", shard, "LATEST", nil)
	for i := range 3 {
		seqs = append(seqs, str(put(e, "s", "k", fmt.Sprintf("late-%d", i))["SequenceNumber"]))
	}
	datas := func(recs []map[string]any) string {
		var out []string
		for _, r := range recs {
			out = append(out, data(r))
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		name string
		it   string
		want string
	}{
		{"TRIM_HORIZON", iter(e, "s", shard, "TRIM_HORIZON", nil), "early-0 early-1 early-2 late-0 late-1 late-2"},
		{"LATEST", latest, "late-0 late-1 late-2"},
		{"AT_SEQUENCE_NUMBER", iter(e, "s", shard, "AT_SEQUENCE_NUMBER", map[string]any{"StartingSequenceNumber": seqs[2]}), "early-2 late-0 late-1 late-2"},
		{"AFTER_SEQUENCE_NUMBER", iter(e, "s", shard, "AFTER_SEQUENCE_NUMBER", map[string]any{"StartingSequenceNumber": seqs[2]}), "late-0 late-1 late-2"},
		{"AFTER_SEQUENCE_NUMBER last", iter(e, "s", shard, "AFTER_SEQUENCE_NUMBER", map[string]any{"StartingSequenceNumber": seqs[5]}), ""},
		{"AT_TIMESTAMP", iter(e, "s", shard, "AT_TIMESTAMP", map[string]any{"Timestamp": float64(middle.UnixMilli()) / 1000}), "late-0 late-1 late-2"},
		{"AT_TIMESTAMP past", iter(e, "s", shard, "AT_TIMESTAMP", map[string]any{"Timestamp": 0}), "early-0 early-1 early-2 late-0 late-1 late-2"},
		{"AT_TIMESTAMP future", iter(e, "s", shard, "AT_TIMESTAMP", map[string]any{"Timestamp": middle.Add(time.Hour).Unix()}), ""},
		{"short shard id", iter(e, "s", "shardId-0", "AT_SEQUENCE_NUMBER", map[string]any{"StartingSequenceNumber": seqs[5]}), "late-2"},
	} {
		got, _ := readShard(e, c.it, 2)
		if datas(got) != c.want {
			t.Errorf("%s: read %q, want %q", c.name, datas(got), c.want)
		}
	}

	// Nothing new: the next iterator stays where it was; then it picks up
	// what comes.
	out := e.ok("GetRecords", map[string]any{"ShardIterator": latest, "Limit": 10})
	out = e.ok("GetRecords", map[string]any{"ShardIterator": out["NextShardIterator"]})
	if len(list(out["Records"])) != 0 {
		t.Fatalf("read again: %v", out)
	}
	put(e, "s", "k", "new")
	out = e.ok("GetRecords", map[string]any{"ShardIterator": out["NextShardIterator"]})
	if len(list(out["Records"])) != 1 || data(obj(list(out["Records"])[0])) != "new" {
		t.Fatalf("new record: %v", out)
	}
}

func TestMillisBehindLatest(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 1)
	put(e, "s", "k", "a")
	e.clock.Add(3 * time.Second)
	put(e, "s", "k", "b")
	e.clock.Add(2 * time.Second)
	it := iter(e, "s", "shardId-000000000000", "TRIM_HORIZON", nil)
	out := e.ok("GetRecords", map[string]any{"ShardIterator": it, "Limit": 1})
	if out["MillisBehindLatest"] != json.Number("5000") {
		t.Fatalf("behind after the first of two: %v", out["MillisBehindLatest"])
	}
	out = e.ok("GetRecords", map[string]any{"ShardIterator": out["NextShardIterator"], "Limit": 1})
	out = e.ok("GetRecords", map[string]any{"ShardIterator": out["NextShardIterator"], "Limit": 1})
	if out["MillisBehindLatest"] != json.Number("0") {
		t.Fatalf("behind when caught up: %v", out["MillisBehindLatest"])
	}
}

func TestExpiredIterator(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 1)
	it := iter(e, "s", "shardId-000000000000", "TRIM_HORIZON", nil)
	e.clock.Add(4 * time.Minute)
	out := e.ok("GetRecords", map[string]any{"ShardIterator": it})
	e.clock.Add(time.Minute)
	e.ok("GetRecords", map[string]any{"ShardIterator": it}) // five minutes: still good
	e.clock.Add(time.Millisecond)
	e.ok("GetRecords", map[string]any{"ShardIterator": out["NextShardIterator"]}) // a fresh one
	msg := e.fail("GetRecords", map[string]any{"ShardIterator": it}, "ExpiredIteratorException")
	if !strings.Contains(msg, "300000 milliseconds") {
		t.Fatalf("message %q", msg)
	}
}

func TestIteratorTampering(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 1)
	it := iter(e, "s", "shardId-000000000000", "TRIM_HORIZON", nil)
	for i := range it {
		b := []byte(it)
		b[i] ^= 1
		if b[i] == '-' || b[i] == '_' || b[i] >= '0' && b[i] <= '9' || b[i] >= 'A' && b[i] <= 'Z' || b[i] >= 'a' && b[i] <= 'z' {
			e.fail("GetRecords", map[string]any{"ShardIterator": string(b)}, "InvalidArgumentException")
		}
	}
	e.fail("GetRecords", map[string]any{"ShardIterator": it[:len(it)-3]}, "InvalidArgumentException")
}

func TestGetRecordsDeletedStream(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 1)
	it := iter(e, "s", "shardId-000000000000", "TRIM_HORIZON", nil)
	e.ok("DeleteStream", `{"StreamName":"s"}`)
	e.fail("GetRecords", map[string]any{"ShardIterator": it}, "ResourceNotFoundException")
	// A new stream of the same name does not take old iterators.
	e.clock.Add(time.Second)
	e.create("s", 1)
	e.fail("GetRecords", map[string]any{"ShardIterator": it}, "ResourceNotFoundException")
}

func TestThroughputLimits(t *testing.T) {
	e := newEnv(t, Options{ShardWriteRecordsPerSec: 2, ShardWriteBytesPerSec: 100})
	e.create("s", 1)
	put(e, "s", "k", "1")
	put(e, "s", "k", "2")
	msg := e.fail("PutRecord", `{"StreamName":"s","PartitionKey":"k","Data":"eA=="}`, "ProvisionedThroughputExceededException")
	if !strings.Contains(msg, "shardId-000000000000") {
		t.Fatalf("message %q", msg)
	}
	e.clock.Add(time.Second)
	out := e.ok("PutRecords", putRecordsBody("s", 3, 1))
	recs := list(out["Records"])
	if out["FailedRecordCount"] != json.Number("1") || obj(recs[0])["SequenceNumber"] == nil ||
		obj(recs[2])["ErrorCode"] != "ProvisionedThroughputExceededException" || obj(recs[2])["SequenceNumber"] != nil {
		t.Fatalf("per-record throttling: %v", out)
	}
	// The byte rate: 100 bytes a second.
	e.clock.Add(time.Second)
	e.fail("PutRecord", map[string]any{"StreamName": "s", "PartitionKey": "k", "Data": make([]byte, 101)}, "ProvisionedThroughputExceededException")
	e.ok("PutRecord", map[string]any{"StreamName": "s", "PartitionKey": "k", "Data": make([]byte, 90)})
}

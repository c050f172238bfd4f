package kinesisapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

func shardIDs(v any) string {
	var ids []string
	for _, s := range list(v) {
		ids = append(ids, strings.TrimPrefix(str(obj(s)["ShardId"]), "shardId-0000000000"))
	}
	return strings.Join(ids, ",")
}

func reshard(e *env, name string, n int) map[string]any {
	e.t.Helper()
	return e.ok("UpdateShardCount", map[string]any{"StreamName": name, "TargetShardCount": n, "ScalingType": "UNIFORM_SCALING"})
}

// Records put before and after a reshard from 2 to 3 shards come out in
// order per key when a reader finishes parents before children, as the
// KCL does.
func TestReshardKeepsKeyOrder(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 2)
	const keys = 40
	putRound := func(round int) {
		var recs []map[string]any
		for k := range keys {
			recs = append(recs, map[string]any{"PartitionKey": fmt.Sprintf("key-%d", k), "Data": []byte(fmt.Sprintf("key-%d:%d", k, round))})
		}
		e.ok("PutRecords", map[string]any{"StreamName": "s", "Records": recs})
	}
	for round := range 3 {
		putRound(round)
	}
	tail, _ := e.store.Tail(t.Context(), "s")
	e.clock.Add(time.Minute)
	after := e.clock.Now()
	out := reshard(e, "s", 3)
	if out["CurrentShardCount"].(interface{ String() string }).String() != "2" || out["StreamName"] != "s" {
		t.Fatalf("UpdateShardCount: %v", out)
	}
	for round := 3; round < 6; round++ {
		putRound(round)
	}

	d := obj(e.ok("DescribeStream", `{"StreamName":"s"}`)["StreamDescription"])
	shards := list(d["Shards"])
	if shardIDs(shards) != "00,01,02,03,04" || d["StreamStatus"] != "ACTIVE" {
		t.Fatalf("shards %s, status %v", shardIDs(shards), d["StreamStatus"])
	}
	parents := map[string][2]any{}
	for _, s := range shards {
		s := obj(s)
		seq := obj(s["SequenceNumberRange"])
		id := str(s["ShardId"])
		parents[id] = [2]any{s["ParentShardId"], s["AdjacentParentShardId"]}
		switch id {
		case "shardId-000000000000", "shardId-000000000001":
			if str(seq["EndingSequenceNumber"]) != formatSeq(tail) {
				t.Fatalf("closed shard %s: %v", id, seq)
			}
		default:
			if str(seq["StartingSequenceNumber"]) != formatSeq(tail+1) || seq["EndingSequenceNumber"] != nil {
				t.Fatalf("new shard %s: %v", id, seq)
			}
		}
	}
	want := map[string][2]any{
		"shardId-000000000002": {"shardId-000000000000", nil},
		"shardId-000000000003": {"shardId-000000000000", "shardId-000000000001"},
		"shardId-000000000004": {"shardId-000000000001", nil},
	}
	for id, w := range want {
		if parents[id] != w {
			t.Errorf("%s: parents %v, want %v", id, parents[id], w)
		}
	}

	// Read as the KCL does: a shard only once its parents are done.
	done := map[string]bool{}
	seen := map[string][]int{}
	for len(done) < 5 {
		progressed := false
		for _, s := range list(e.ok("ListShards", `{"StreamName":"s"}`)["Shards"]) {
			s := obj(s)
			id := str(s["ShardId"])
			p, ap := str(s["ParentShardId"]), str(s["AdjacentParentShardId"])
			if done[id] || p != "" && !done[p] || ap != "" && !done[ap] {
				continue
			}
			recs, last := readShard(e, iter(e, "s", id, "TRIM_HORIZON", nil), 7)
			closed := obj(s["SequenceNumberRange"])["EndingSequenceNumber"] != nil
			if closed {
				if last["NextShardIterator"] != nil || len(list(last["ChildShards"])) == 0 {
					t.Fatalf("end of closed %s: %v", id, last)
				}
				for _, c := range list(last["ChildShards"]) {
					c := obj(c)
					if _, ok := want[str(c["ShardId"])]; !ok || !strings.Contains(fmt.Sprint(c["ParentShards"]), id) {
						t.Fatalf("child %v of %s", c, id)
					}
				}
			}
			for _, r := range recs {
				var k, round int
				fmt.Sscanf(data(r), "key-%d:%d", &k, &round)
				seen[fmt.Sprint(k)] = append(seen[fmt.Sprint(k)], round)
			}
			done[id], progressed = true, true
		}
		if !progressed {
			t.Fatal("no shard could be read")
		}
	}
	for k := range keys {
		if got := fmt.Sprint(seen[fmt.Sprint(k)]); got != "[0 1 2 3 4 5]" {
			t.Errorf("key %d read in order %s", k, got)
		}
	}

	// Shard filters.
	for filter, want := range map[string]string{
		`{"Type":"AT_LATEST"}`:                                                "02,03,04",
		`{"Type":"FROM_TRIM_HORIZON"}`:                                        "00,01,02,03,04",
		`{"Type":"AT_TRIM_HORIZON"}`:                                          "00,01",
		`{"Type":"AFTER_SHARD_ID","ShardId":"shardId-000000000002"}`:          "03,04",
		fmt.Sprintf(`{"Type":"AT_TIMESTAMP","Timestamp":%d}`, after.Unix()):   "02,03,04",
		fmt.Sprintf(`{"Type":"FROM_TIMESTAMP","Timestamp":%d}`, after.Unix()): "02,03,04",
		`{"Type":"FROM_TIMESTAMP","Timestamp":0}`:                             "00,01,02,03,04",
	} {
		out := e.ok("ListShards", `{"StreamName":"s","ShardFilter":`+filter+`}`)
		if got := shardIDs(out["Shards"]); got != want {
			t.Errorf("filter %s: %s, want %s", filter, got, want)
		}
	}
	// Paging.
	out = e.ok("ListShards", `{"StreamName":"s","MaxResults":2}`)
	var pages []string
	for {
		pages = append(pages, shardIDs(out["Shards"]))
		tok, ok := out["NextToken"].(string)
		if !ok {
			break
		}
		out = e.ok("ListShards", map[string]any{"NextToken": tok, "MaxResults": 2})
	}
	if fmt.Sprint(pages) != "[00,01 02,03 04]" {
		t.Fatalf("pages %v", pages)
	}
	if got := shardIDs(e.ok("ListShards", `{"StreamName":"s","ExclusiveStartShardId":"shardId-000000000003"}`)["Shards"]); got != "04" {
		t.Fatalf("after 3: %s", got)
	}

	// Once past retention, closed shards are no longer listed.
	e.clock.Add(25 * time.Hour)
	if got := shardIDs(e.ok("ListShards", `{"StreamName":"s"}`)["Shards"]); got != "02,03,04" {
		t.Fatalf("after retention: %s", got)
	}
	it := iter(e, "s", "shardId-000000000000", "TRIM_HORIZON", nil)
	e.clock.Add(time.Second)
	if out := e.ok("GetRecords", map[string]any{"ShardIterator": it}); out["NextShardIterator"] != nil || len(list(out["Records"])) != 0 {
		t.Fatalf("trimmed closed shard: %v", out)
	}
}

func TestReshardShapes(t *testing.T) {
	e := newEnv(t, Options{})
	// Halving merges exact pairs.
	e.create("h", 4)
	put(e, "h", "k", "x")
	reshard(e, "h", 2)
	shards := list(e.ok("ListShards", `{"StreamName":"h","ShardFilter":{"Type":"AT_LATEST"}}`)["Shards"])
	for i, s := range shards {
		s := obj(s)
		hr := obj(s["HashKeyRange"])
		if hr["StartingHashKey"] != kinesisRanges[4][2*i][0] || hr["EndingHashKey"] != kinesisRanges[4][2*i+1][1] ||
			s["ParentShardId"] != fmt.Sprintf("shardId-%012d", 2*i) || s["AdjacentParentShardId"] != fmt.Sprintf("shardId-%012d", 2*i+1) {
			t.Fatalf("halved shard %d: %v", i, s)
		}
	}
	// Doubling splits each in two.
	reshard(e, "h", 4)
	for _, s := range list(e.ok("ListShards", `{"StreamName":"h","ShardFilter":{"Type":"AT_LATEST"}}`)["Shards"]) {
		if obj(s)["AdjacentParentShardId"] != nil {
			t.Fatalf("split shard with two parents: %v", s)
		}
	}
	// A count that would give a shard three parents is refused, with a
	// count that works.
	e.create("f", 5)
	put(e, "f", "k", "x")
	msg := e.fail("UpdateShardCount", `{"StreamName":"f","TargetShardCount":3,"ScalingType":"UNIFORM_SCALING"}`, "InvalidArgumentException")
	if !strings.Contains(msg, "to 4 first") {
		t.Fatalf("message %q", msg)
	}
	reshard(e, "f", 4)
	reshard(e, "f", 3)
	// 6 to 3 works although the even split is off by rounding.
	e.create("six", 6)
	put(e, "six", "k", "x")
	reshard(e, "six", 3)
	// The same count changes nothing.
	out := reshard(e, "six", 3)
	if len(list(e.ok("ListShards", `{"StreamName":"six"}`)["Shards"])) != 9 || fmt.Sprint(out["TargetShardCount"]) != "3" {
		t.Fatalf("no-op reshard: %v", out)
	}
	// Every layout still covers the space exactly.
	for _, name := range []string{"h", "f", "six"} {
		next := new(big.Int)
		for _, s := range list(e.ok("ListShards", `{"StreamName":"`+name+`","ShardFilter":{"Type":"AT_LATEST"}}`)["Shards"]) {
			hr := obj(obj(s)["HashKeyRange"])
			start, _ := new(big.Int).SetString(str(hr["StartingHashKey"]), 10)
			end, _ := new(big.Int).SetString(str(hr["EndingHashKey"]), 10)
			if start.Cmp(next) != 0 {
				t.Fatalf("%s: gap or overlap at %s", name, start)
			}
			next = end.Add(end, big.NewInt(1))
		}
		if next.Cmp(hashSpace()) != 0 {
			t.Fatalf("%s ends at %s", name, next)
		}
	}
	// An empty stream's shards are replaced outright.
	e.create("empty", 2)
	reshard(e, "empty", 3)
	shards = list(e.ok("ListShards", `{"StreamName":"empty"}`)["Shards"])
	if shardIDs(shards) != "02,03,04" || obj(shards[0])["ParentShardId"] != nil {
		t.Fatalf("empty stream reshard: %v", shards)
	}
	put(e, "empty", "k", "x")
}

// hookStore runs hook before the next Append.
type hookStore struct {
	stream.Store
	hook func()
}

func (h *hookStore) Append(ctx context.Context, name string, recs []stream.Record) ([]uint64, error) {
	if hook := h.hook; hook != nil {
		h.hook = nil
		hook()
	}
	return h.Store.Append(ctx, name, recs)
}

// A record routed to a shard that a reshard closes before the record is
// appended lands beyond the shard's end; put notices and appends it again
// to the child that holds its key.
func TestPutDuringReshard(t *testing.T) {
	e := newEnv(t, Options{})
	hs := &hookStore{Store: e.store}
	e.api = New(hs, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: e.clock.Now})
	e.create("s", 2)
	put(e, "s", "k", "before")
	hs.hook = func() { reshard(e, "s", 3) }
	out := put(e, "s", "k", "during")
	if id := str(out["ShardId"]); id < "shardId-000000000002" || out["SequenceNumber"] != formatSeq(3) {
		t.Fatalf("put during reshard: %v", out)
	}
	var all []string
	for _, s := range list(e.ok("ListShards", `{"StreamName":"s"}`)["Shards"]) {
		recs, _ := readShard(e, iter(e, "s", str(obj(s)["ShardId"]), "TRIM_HORIZON", nil), 10)
		for _, r := range recs {
			all = append(all, data(r))
		}
	}
	if fmt.Sprint(all) != "[before during]" && fmt.Sprint(all) != "[during before]" {
		t.Fatalf("read %v", all)
	}

	// While a reshard is half way (UPDATING), a writer waits for it to end
	// before it trusts the shards it appended to.
	hs.hook = func() {
		e.store.UpdateInfo(t.Context(), "s", func(i *stream.Info) error { i.Status = "UPDATING"; return nil })
		go func() {
			time.Sleep(50 * time.Millisecond)
			e.store.UpdateInfo(context.Background(), "s", func(i *stream.Info) error { i.Status = "ACTIVE"; return nil })
		}()
	}
	start := time.Now()
	put(e, "s", "k", "waits")
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("put did not wait for the reshard to end")
	}

	// A reshard of an empty stream replaces its shards: the append is
	// refused (ErrNoSuchShard) and put routes the record again.
	e.create("empty", 2)
	hs.hook = func() { reshard(e, "empty", 3) }
	if id := str(put(e, "empty", "k", "replaced")["ShardId"]); id < "shardId-000000000002" {
		t.Fatalf("put during an empty stream's reshard went to %s", id)
	}
}

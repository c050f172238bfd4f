package kinesisapi

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

const maxHashKey = "340282366920938463463374607431768211455"

// Kinesis's ranges for 1 to 4 shards, as DescribeStream shows them.
var kinesisRanges = map[int][][2]string{
	1: {{"0", maxHashKey}},
	2: {{"0", "170141183460469231731687303715884105727"}, {"170141183460469231731687303715884105728", maxHashKey}},
	3: {
		{"0", "113427455640312821154458202477256070484"},
		{"113427455640312821154458202477256070485", "226854911280625642308916404954512140969"},
		{"226854911280625642308916404954512140970", maxHashKey},
	},
	4: {
		{"0", "85070591730234615865843651857942052863"},
		{"85070591730234615865843651857942052864", "170141183460469231731687303715884105727"},
		{"170141183460469231731687303715884105728", "255211775190703847597530955573826158591"},
		{"255211775190703847597530955573826158592", maxHashKey},
	},
}

func TestHashKeyRanges(t *testing.T) {
	e := newEnv(t, Options{})
	for n, want := range kinesisRanges {
		name := fmt.Sprintf("s%d", n)
		e.create(name, n)
		d := obj(e.ok("DescribeStream", map[string]any{"StreamName": name})["StreamDescription"])
		shards := list(d["Shards"])
		if len(shards) != n {
			t.Fatalf("%d shards: got %d", n, len(shards))
		}
		for i, s := range shards {
			hr := obj(obj(s)["HashKeyRange"])
			if got := [2]string{str(hr["StartingHashKey"]), str(hr["EndingHashKey"])}; got != want[i] {
				t.Errorf("%d shards, shard %d: %v, want %v", n, i, got, want[i])
			}
			if id := str(obj(s)["ShardId"]); id != fmt.Sprintf("shardId-%012d", i) {
				t.Errorf("shard id %s", id)
			}
		}
	}
	// Any count covers the space exactly: no gaps, no overlaps.
	one := big.NewInt(1)
	for n := 1; n <= 70; n++ {
		next := new(big.Int)
		for _, r := range evenRanges(n) {
			if r.start.Cmp(next) != 0 || r.end.Cmp(r.start) < 0 {
				t.Fatalf("%d shards: range [%s, %s] after %s", n, r.start, r.end, next)
			}
			next = new(big.Int).Add(r.end, one)
		}
		if next.Cmp(hashSpace()) != 0 {
			t.Fatalf("%d shards end at %s", n, next)
		}
	}
}

func TestCreateDescribe(t *testing.T) {
	e := newEnv(t, Options{Region: "eu-west-1"})
	e.ok("CreateStream", `{"StreamName":"od","StreamModeDetails":{"StreamMode":"ON_DEMAND"}}`)
	d := obj(e.ok("DescribeStream", `{"StreamName":"od"}`)["StreamDescription"])
	if d["StreamStatus"] != "ACTIVE" || len(list(d["Shards"])) != 4 || str(obj(d["StreamModeDetails"])["StreamMode"]) != "ON_DEMAND" ||
		d["StreamARN"] != "arn:aws:kinesis:eu-west-1:000000000000:stream/od" || d["RetentionPeriodHours"] != json.Number("24") ||
		d["EncryptionType"] != "NONE" || d["HasMoreShards"] != false || len(list(d["EnhancedMonitoring"])) != 1 {
		t.Fatalf("description: %v", d)
	}
	if ts := d["StreamCreationTimestamp"].(json.Number).String(); ts != fmt.Sprint(e.clock.Now().Unix()) {
		t.Fatalf("creation timestamp %s", ts)
	}
	sh := obj(list(d["Shards"])[0])
	seq := obj(sh["SequenceNumberRange"])
	if str(seq["StartingSequenceNumber"]) != formatSeq(1) || seq["EndingSequenceNumber"] != nil || sh["ParentShardId"] != nil {
		t.Fatalf("open shard: %v", sh)
	}
	// By ARN, and paged.
	d = obj(e.ok("DescribeStream", `{"StreamARN":"arn:aws:kinesis:eu-west-1:000000000000:stream/od","Limit":3}`)["StreamDescription"])
	if len(list(d["Shards"])) != 3 || d["HasMoreShards"] != true {
		t.Fatalf("page 1: %v", d)
	}
	d = obj(e.ok("DescribeStream", `{"StreamName":"od","Limit":3,"ExclusiveStartShardId":"shardId-000000000002"}`)["StreamDescription"])
	if len(list(d["Shards"])) != 1 || d["HasMoreShards"] != false {
		t.Fatalf("page 2: %v", d)
	}
	s := obj(e.ok("DescribeStreamSummary", `{"StreamName":"od"}`)["StreamDescriptionSummary"])
	if s["OpenShardCount"] != json.Number("4") || s["StreamStatus"] != "ACTIVE" || s["ConsumerCount"] != json.Number("0") {
		t.Fatalf("summary: %v", s)
	}
	e.ok("DeleteStream", `{"StreamName":"od","EnforceConsumerDeletion":true}`)
	e.fail("DescribeStreamSummary", `{"StreamName":"od"}`, "ResourceNotFoundException")
}

func TestListStreams(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"c", "a", "e", "b", "d"} {
		e.create(n, 1)
	}
	out := e.ok("ListStreams", `{"Limit":2}`)
	if fmt.Sprint(out["StreamNames"]) != "[a b]" || out["HasMoreStreams"] != true || str(out["NextToken"]) == "" {
		t.Fatalf("page 1: %v", out)
	}
	sum := obj(list(out["StreamSummaries"])[0])
	if sum["StreamName"] != "a" || sum["StreamStatus"] != "ACTIVE" || !strings.HasSuffix(str(sum["StreamARN"]), ":stream/a") {
		t.Fatalf("summary: %v", sum)
	}
	out = e.ok("ListStreams", map[string]any{"NextToken": out["NextToken"], "Limit": 2})
	if fmt.Sprint(out["StreamNames"]) != "[c d]" || out["HasMoreStreams"] != true {
		t.Fatalf("page 2: %v", out)
	}
	out = e.ok("ListStreams", `{"ExclusiveStartStreamName":"d"}`)
	if fmt.Sprint(out["StreamNames"]) != "[e]" || out["HasMoreStreams"] != false || out["NextToken"] != nil {
		t.Fatalf("after d: %v", out)
	}
	if out := e.ok("ListStreams", ""); len(list(out["StreamNames"])) != 5 {
		t.Fatalf("empty body: %v", out)
	}
}

func TestRetention(t *testing.T) {
	e := newEnv(t, Options{})
	e.create("s", 1)
	e.ok("IncreaseStreamRetentionPeriod", `{"StreamName":"s","RetentionPeriodHours":168}`)
	e.fail("IncreaseStreamRetentionPeriod", `{"StreamName":"s","RetentionPeriodHours":48}`, "InvalidArgumentException")
	e.ok("DecreaseStreamRetentionPeriod", `{"StreamName":"s","RetentionPeriodHours":48}`)
	d := obj(e.ok("DescribeStream", `{"StreamName":"s"}`)["StreamDescription"])
	if d["RetentionPeriodHours"] != json.Number("48") {
		t.Fatalf("retention %v", d["RetentionPeriodHours"])
	}
	e.fail("IncreaseStreamRetentionPeriod", `{"StreamName":"nope","RetentionPeriodHours":48}`, "ResourceNotFoundException")
}

func TestTags(t *testing.T) {
	e := newEnv(t, Options{})
	e.ok("CreateStream", `{"StreamName":"s","ShardCount":1,"Tags":{"team":"data"}}`)
	e.ok("AddTagsToStream", `{"StreamName":"s","Tags":{"env":"prod","cost":"42"}}`)
	out := e.ok("ListTagsForStream", `{"StreamName":"s","Limit":2}`)
	if fmt.Sprint(out["Tags"]) != "[map[Key:cost Value:42] map[Key:env Value:prod]]" || out["HasMoreTags"] != true {
		t.Fatalf("tags page 1: %v", out)
	}
	out = e.ok("ListTagsForStream", `{"StreamName":"s","ExclusiveStartTagKey":"env"}`)
	if fmt.Sprint(out["Tags"]) != "[map[Key:team Value:data]]" || out["HasMoreTags"] != false {
		t.Fatalf("tags page 2: %v", out)
	}
	e.ok("RemoveTagsFromStream", `{"StreamName":"s","TagKeys":["env","absent"]}`)
	if out := e.ok("ListTagsForStream", `{"StreamName":"s"}`); len(list(out["Tags"])) != 2 {
		t.Fatalf("after remove: %v", out)
	}
	for i := range 4 {
		tags := map[string]string{}
		for j := range 10 {
			tags[fmt.Sprintf("k%d-%d", i, j)] = "v"
		}
		e.ok("AddTagsToStream", map[string]any{"StreamName": "s", "Tags": tags})
	}
	e.fail("AddTagsToStream", `{"StreamName":"s","Tags":{"x1":"","x2":"","x3":"","x4":"","x5":"","x6":"","x7":"","x8":"","x9":""}}`, "InvalidArgumentException")
}

package kinesisapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

// The hand-written GetRecords encoding decodes to what encoding/json would
// have written.
func TestGetRecordsEncoding(t *testing.T) {
	it := "AAAA"
	out := getRecordsOut{
		Records: []stream.Record{
			{Seq: 7, PartitionKey: "plain", Data: []byte("hello"), Arrival: time.UnixMilli(1764000000123)},
			{Seq: 8, PartitionKey: "qu\"ote\\ <&> é \x01", Data: []byte{0, 255, 10}, Arrival: time.UnixMilli(1764000000000)},
		},
		NextShardIterator: &it, MillisBehindLatest: 42,
		ChildShards: []childShard{{ShardId: "shardId-000000000002", ParentShards: []string{"shardId-000000000000"}}},
	}
	var got map[string]any
	if err := json.Unmarshal(out.AppendJSON(nil), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.AppendJSON(nil))
	}
	want := map[string]any{
		"Records": []any{
			map[string]any{"SequenceNumber": formatSeq(7), "ApproximateArrivalTimestamp": 1764000000.123, "Data": "aGVsbG8=", "PartitionKey": "plain", "EncryptionType": "NONE"},
			map[string]any{"SequenceNumber": formatSeq(8), "ApproximateArrivalTimestamp": 1764000000.0, "Data": "AP8K", "PartitionKey": "qu\"ote\\ <&> é \x01", "EncryptionType": "NONE"},
		},
		"NextShardIterator": "AAAA", "MillisBehindLatest": 42.0,
		"ChildShards": []any{map[string]any{"ShardId": "shardId-000000000002", "ParentShards": []any{"shardId-000000000000"},
			"HashKeyRange": map[string]any{"StartingHashKey": "", "EndingHashKey": ""}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
	if b := (getRecordsOut{Records: []stream.Record{}}).AppendJSON(nil); string(b) != `{"Records":[],"NextShardIterator":null,"MillisBehindLatest":0}` {
		t.Fatalf("empty: %s", b)
	}
}

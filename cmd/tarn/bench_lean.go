package main

import (
	"context"
)

// leanGetRecords reads a one-shard stream with signed JSON requests and
// encoding/json instead of the SDK's client, whose response decoding costs
// more CPU than the server's whole GetRecords: on a shared two-core machine
// the SDK figure measures the client as much as tarn.
func leanGetRecords(ctx context.Context, t *benchTarget, name string) (int, error) {
	c := newJSONClient(t.cfg, t.http, "Kinesis_20131202", "kinesis")
	call := func(op string, in, out any) error { return c.call(ctx, op, in, out) }
	var it struct{ ShardIterator string }
	if err := call("GetShardIterator", map[string]string{"StreamName": name, "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}, &it); err != nil {
		return 0, err
	}
	n, iter := 0, it.ShardIterator
	for {
		var out struct {
			Records []struct {
				SequenceNumber string
				Data           []byte
				PartitionKey   string
			}
			NextShardIterator string
		}
		if err := call("GetRecords", map[string]any{"ShardIterator": iter, "Limit": 10000}, &out); err != nil {
			return n, err
		}
		n += len(out.Records)
		if len(out.Records) == 0 {
			return n, nil
		}
		iter = out.NextShardIterator
	}
}

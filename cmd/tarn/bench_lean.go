package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// leanGetRecords reads a one-shard stream with signed JSON requests and
// encoding/json instead of the SDK's client, whose response decoding costs
// more CPU than the server's whole GetRecords: on a shared two-core machine
// the SDK figure measures the client as much as tarn.
func leanGetRecords(ctx context.Context, t *benchTarget, name string) (int, error) {
	c := newJSONClient(t.cfg, t.http, "Kinesis_20131202", "kinesis")
	call := func(op string, in, out any) error { return c.Call(ctx, op, in, out) }
	var it struct{ ShardIterator string }
	if err := call("GetShardIterator", map[string]string{"StreamName": name, "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}, &it); err != nil {
		return 0, err
	}
	n, iter := 0, it.ShardIterator
	for {
		// The records are counted, not decoded: what is measured is the
		// server, whose answer is read to its end all the same.
		var body []byte
		req, _ := json.Marshal(map[string]any{"ShardIterator": iter, "Limit": 10000})
		if err := c.callRaw(ctx, "GetRecords", req, (*rawBody)(&body)); err != nil {
			return n, err
		}
		got := bytes.Count(body, []byte(`"SequenceNumber"`))
		n += got
		if got == 0 {
			return n, nil
		}
		next, ok := nextIterator(body)
		if !ok {
			return n, fmt.Errorf("GetRecords: no NextShardIterator in the answer")
		}
		iter = next
	}
}

// rawBody takes an answer as it is (jsonClient.callRaw does not decode it).
type rawBody []byte

// nextIterator cuts the iterator out of `"NextShardIterator":"…"`; tarn's
// iterators need no JSON escapes.
func nextIterator(body []byte) (string, bool) {
	const key = `"NextShardIterator":"`
	k := bytes.LastIndex(body, []byte(key))
	if k < 0 {
		return "", false
	}
	rest := body[k+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// leanPutRecords puts total records of data from producers goroutines in
// batches of batch, with a request body encoded once: like leanGetRecords,
// it leaves the two cores to the server rather than to the SDK.
func leanPutRecords(ctx context.Context, t *benchTarget, name string, data []byte, total, producers, batch int) error {
	c := newJSONClient(t.cfg, t.http, "Kinesis_20131202", "kinesis")
	type entry struct {
		Data         []byte
		PartitionKey string
	}
	entries := make([]entry, batch)
	for i := range entries {
		entries[i] = entry{Data: data, PartitionKey: fmt.Sprint(i)}
	}
	body, err := json.Marshal(map[string]any{"StreamName": name, "Records": entries})
	if err != nil {
		return err
	}
	return parallel(producers, func(int) error {
		for range total / producers / batch {
			var out struct{ FailedRecordCount int }
			if err := c.callRaw(ctx, "PutRecords", body, &out); err != nil {
				return err
			}
			if out.FailedRecordCount > 0 {
				return fmt.Errorf("%d records failed", out.FailedRecordCount)
			}
		}
		return nil
	})
}

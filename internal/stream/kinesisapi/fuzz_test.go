package kinesisapi

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi/awsapitest"
	"github.com/tarnlake/tarn/internal/stream"
	"github.com/tarnlake/tarn/internal/stream/memstream"
)

// FuzzDecode feeds arbitrary bodies to every operation of a stream that
// exists and holds records: no input may panic, and every answer is JSON,
// a 200 or a 400 error with a type.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"StreamName":"s"}`, `{"StreamName":"s","ShardCount":2}`,
		`{"StreamName":"s","Data":"eA==","PartitionKey":"k","ExplicitHashKey":"5"}`,
		`{"StreamName":"s","Records":[{"Data":"eA==","PartitionKey":"k"}]}`,
		`{"StreamName":"s","ShardId":"shardId-1","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"49000000000000000000000000000000000000000000000000000001"}`,
		`{"StreamName":"s","ShardId":"1","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1e300}`,
		`{"ShardIterator":"AQAAAAAAAAAA","Limit":1}`,
		`{"StreamName":"s","TargetShardCount":3,"ScalingType":"UNIFORM_SCALING"}`,
		`{"StreamName":"s","ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":-1e20}}`,
		`{"NextToken":"eyJTdHJlYW0iOiJzIn0","MaxResults":1}`,
		`{"StreamName":"s","Tags":{"a":"b"},"TagKeys":["a"],"RetentionPeriodHours":48}`,
		`{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Limit":1}`,
	} {
		f.Add(seed)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ops := slices.Sorted(maps.Keys(New(memstream.New(), log, Options{}).srv.Ops))
	f.Fuzz(func(t *testing.T, body string) {
		for _, op := range ops {
			store := memstream.New()
			ctx := context.Background()
			store.Create(ctx, stream.Info{Name: "s", Retention: time.Hour, Status: "ACTIVE", Shards: newShards(2, 0, 1, nil), Created: time.Now()})
			store.Append(ctx, "s", []stream.Record{{Shard: "shardId-000000000000", Data: []byte("x")}, {Shard: "shardId-000000000001", Data: []byte("y")}})
			api := New(store, log, Options{ShardWriteRecordsPerSec: 5})
			awsapitest.DoFuzz(t, api, "Kinesis_20131202."+op, body)
		}
	})
}

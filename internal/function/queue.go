package function

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

// QueueStream is the stream that holds events (asynchronous
// invocations) until they have run.
const QueueStream = "tarn-invocations"

const queueShard = "shardId-000000000000"

// Queue keeps events durable between Invoke's 202 and their run: they are
// appended to a stream and run by Run, with the function's retries.
type Queue struct {
	streams     stream.Store
	svc         *Service
	concurrency int
}

// NewQueue runs svc's events through a stream of streams.
func NewQueue(streams stream.Store, svc *Service, concurrency int) *Queue {
	return &Queue{streams: streams, svc: svc, concurrency: max(concurrency, 1)}
}

type queued struct {
	Function string          `json:"function"`
	Payload  json.RawMessage `json:"payload"`
	Received time.Time       `json:"received"`
}

// Start makes the queue's stream.
func (q *Queue) Start(ctx context.Context) error {
	err := q.streams.Create(ctx, stream.Info{Name: QueueStream, Created: time.Now().UTC(), Retention: 7 * 24 * time.Hour,
		Status: "ACTIVE", Shards: []stream.Shard{{ID: queueShard, HashStart: "0", HashEnd: "340282366920938463463374607431768211455"}}})
	if err != nil && !errors.Is(err, stream.ErrExists) {
		return fmt.Errorf("event queue: %w", err)
	}
	return nil
}

// Enqueue keeps an event for a function; it returns once it is durable.
func (q *Queue) Enqueue(ctx context.Context, function string, payload []byte, received time.Time) error {
	data, err := json.Marshal(queued{Function: function, Payload: payload, Received: received})
	if err != nil {
		return err
	}
	_, err = q.streams.Append(ctx, QueueStream, []stream.Record{{Shard: queueShard, PartitionKey: function, Data: data}})
	if err != nil {
		return fmt.Errorf("event queue: %w", err)
	}
	return nil
}

// Run runs queued events until ctx ends.
func (q *Queue) Run(ctx context.Context) error {
	c, err := q.streams.Consumer(ctx, QueueStream, "tarn-invoke")
	if err != nil {
		return fmt.Errorf("event queue: %w", err)
	}
	defer c.Close()
	stream.Work(ctx, c, q.concurrency, q.svc.opts.Log, func(ctx context.Context, r stream.Record) error {
		var e queued
		if err := json.Unmarshal(r.Data, &e); err != nil {
			q.svc.opts.Log.Error("queued event skipped", "seq", r.Seq, "err", err)
			return nil
		}
		return q.svc.InvokeEvent(ctx, e.Function, e.Payload, e.Received)
	})
	return nil
}

// Close implements the part lifecycle.
func (q *Queue) Close() error { return nil }

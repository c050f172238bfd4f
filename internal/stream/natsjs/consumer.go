package natsjs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tarnlake/tarn/internal/stream"
)

// Consumer opens a durable JetStream pull consumer over every shard, with
// acknowledgements that cover all records up to the one acknowledged.
//
// Opening it again (after a crash, say) starts right after the last
// acknowledged record: JetStream would otherwise hold back what the previous
// instance fetched until its AckWait ran out, and an acknowledgement of a
// later record would cover them unread. One instance per name at a time.
func (s *Store) Consumer(ctx context.Context, name, consumer string) (stream.Consumer, error) {
	cfg := jetstream.ConsumerConfig{
		Durable: consumer, FilterSubject: allShards(name),
		DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckAllPolicy,
		AckWait: time.Minute, MaxAckPending: 100000,
	}
	if old, err := s.js.Consumer(ctx, jsName(name), consumer); err == nil {
		floor := old.CachedInfo().AckFloor.Stream
		if err := s.js.DeleteConsumer(ctx, jsName(name), consumer); err != nil {
			return nil, fmt.Errorf("consumer %s of %s: %w", consumer, name, err)
		}
		if floor > 0 {
			cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, floor+1
		}
	}
	cons, err := s.js.CreateOrUpdateConsumer(ctx, jsName(name), cfg)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, fmt.Errorf("%w: %s", stream.ErrNotFound, name)
		}
		return nil, fmt.Errorf("consumer %s of %s: %w", consumer, name, err)
	}
	return &durable{cons: cons, pending: map[uint64]jetstream.Msg{}}, nil
}

func (s *Store) DeleteConsumer(ctx context.Context, name, consumer string) error {
	err := s.js.DeleteConsumer(ctx, jsName(name), consumer)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		return fmt.Errorf("%w: %s of %s", stream.ErrNoSuchConsumer, consumer, name)
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return fmt.Errorf("%w: %s", stream.ErrNotFound, name)
	}
	return err
}

type durable struct {
	cons    jetstream.Consumer
	mu      sync.Mutex
	pending map[uint64]jetstream.Msg // fetched, not yet acknowledged, by stream seq
}

func (d *durable) Fetch(ctx context.Context, max int, wait time.Duration) ([]stream.Record, error) {
	if wait <= 0 {
		wait = time.Millisecond
	}
	batch, err := d.cons.Fetch(max, jetstream.FetchMaxWait(wait))
	if err != nil {
		return nil, err
	}
	var recs []stream.Record
	d.mu.Lock()
	defer d.mu.Unlock()
	for m := range batch.Messages() {
		md, err := m.Metadata()
		if err != nil {
			continue
		}
		d.pending[md.Sequence.Stream] = m
		key, data, ok := decodeRecord(m.Data())
		if !ok {
			continue
		}
		recs = append(recs, stream.Record{Shard: shardOf(m.Subject()), Seq: md.Sequence.Stream,
			PartitionKey: key, Data: data, Arrival: md.Timestamp})
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
		return recs, err
	}
	return recs, nil
}

func (d *durable) Ack(ctx context.Context, r stream.Record) error {
	d.mu.Lock()
	m := d.pending[r.Seq]
	for seq := range d.pending {
		if seq <= r.Seq {
			delete(d.pending, seq)
		}
	}
	d.mu.Unlock()
	if m == nil {
		return fmt.Errorf("ack %d: not a record this consumer fetched", r.Seq)
	}
	return m.DoubleAck(ctx) // confirmed, so a crash right after cannot redeliver it
}

func (d *durable) Close() error { return nil }

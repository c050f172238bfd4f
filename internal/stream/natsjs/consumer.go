package natsjs

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
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
//
// JetStream acknowledges whole messages, and a message holds a batch of
// records; an acknowledgement that ends inside a batch acknowledges the
// messages before it and keeps the exact position in a key-value bucket,
// so that a reopened consumer skips the batch's records it already had.
func (s *Store) Consumer(ctx context.Context, name, consumer string) (stream.Consumer, error) {
	if !stream.ValidName(consumer) {
		return nil, fmt.Errorf("open consumer %q: %w: not a valid name", consumer, stream.ErrInvalid)
	}
	info, err := s.Info(ctx, name)
	if err != nil {
		return nil, err
	}
	durableName := escape(consumer)
	cfg := jetstream.ConsumerConfig{
		Durable: durableName, FilterSubject: allShards(name),
		DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckAllPolicy,
		AckWait: time.Minute, MaxAckPending: 100000,
	}
	d := &durable{s: s, stream: name, name: consumer, key: ackKey(name, consumer), created: info.Created.UnixNano()}
	if old, err := s.js.Consumer(ctx, jsName(name), durableName); err == nil {
		floor := old.CachedInfo().AckFloor.Stream
		if err := s.js.DeleteConsumer(ctx, jsName(name), durableName); err != nil {
			return nil, fmt.Errorf("consumer %s of %s: %w", consumer, name, err)
		}
		if floor > 0 {
			cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, floor+1
		}
		if p, ok := d.partial(ctx); ok && msgSeqOf(p) > floor {
			d.skip = p
		}
	}
	d.cons, err = s.js.CreateOrUpdateConsumer(ctx, jsName(name), cfg)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, notFound(name)
		}
		return nil, fmt.Errorf("consumer %s of %s: %w", consumer, name, err)
	}
	return d, nil
}

func (s *Store) DeleteConsumer(ctx context.Context, name, consumer string) error {
	if !stream.ValidName(name) {
		return notFound(name)
	}
	if !stream.ValidName(consumer) {
		return noConsumer(name, consumer)
	}
	err := s.js.DeleteConsumer(ctx, jsName(name), escape(consumer))
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		return noConsumer(name, consumer)
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return notFound(name)
	case err != nil:
		return fmt.Errorf("delete consumer %s of %s: %w", consumer, name, err)
	}
	if err := s.acks.Purge(ctx, ackKey(name, consumer)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("consumer %s of %s: %w", consumer, name, err)
	}
	return nil
}

func noConsumer(name, consumer string) error {
	return fmt.Errorf("%w: %s of stream %s", stream.ErrNoSuchConsumer, consumer, name)
}

// ackKey names a consumer's position in the acks bucket, whose keys allow
// fewer characters than stream and consumer names.
func ackKey(name, consumer string) string {
	return hex.EncodeToString([]byte(name)) + "-" + hex.EncodeToString([]byte(consumer))
}

type durable struct {
	s       *Store
	stream  string
	name    string
	cons    jetstream.Consumer
	key     string
	created int64  // the stream's creation: a position saved for an older stream of the name is void
	skip    uint64 // records up to this one were acknowledged before a reopen

	mu      sync.Mutex
	per     perMessage
	left    []stream.Record // fetched, not yet returned
	pending []fetchedMsg    // fetched, not yet acknowledged, in order
}

type fetchedMsg struct {
	m           jetstream.Msg
	first, last uint64 // its records' sequence numbers
}

func (d *durable) Fetch(ctx context.Context, limit int, wait time.Duration) ([]stream.Record, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.left) > 0 {
		return d.take(limit), nil
	}
	if wait <= 0 {
		wait = time.Millisecond
	}
	// What is there now, without waiting; else the first message to come
	// within wait, and what came with it: a Fetch of n waits for all n.
	n := d.per.messagesFor(limit)
	got, err := d.fetch(d.cons.FetchNoWait(n))
	if err == nil && got == 0 {
		if got, err = d.fetch(d.cons.Fetch(1, jetstream.FetchMaxWait(wait))); err == nil && got == 1 && n > 1 {
			_, err = d.fetch(d.cons.FetchNoWait(n - 1))
		}
	}
	if len(d.left) == 0 {
		// Also without an error: an older server does not answer a fetch
		// from a deleted consumer at all.
		return nil, d.gone(ctx, "fetch", err)
	}
	return d.take(limit), nil
}

// gone tells a stream or consumer deleted under a fetch or an ack (which
// JetStream reports as nobody answering, or not at all) apart from other
// failures: it returns err, wrapped, when both are there.
func (d *durable) gone(ctx context.Context, op string, err error) error {
	if _, cerr := d.cons.Info(ctx); errors.Is(cerr, jetstream.ErrConsumerNotFound) || errors.Is(cerr, jetstream.ErrStreamNotFound) {
		if _, ierr := d.s.Info(ctx, d.stream); ierr != nil {
			return fmt.Errorf("%s: %w", op, ierr)
		}
		return fmt.Errorf("%s: %w", op, noConsumer(d.stream, d.name))
	}
	if err != nil {
		return fmt.Errorf("%s %s of stream %s: %w", op, d.name, d.stream, err)
	}
	return nil
}

// fetch decodes a batch of messages onto left and counts them.
func (d *durable) fetch(batch jetstream.MessageBatch, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	got := 0
	for m := range batch.Messages() {
		got++
		md, err := m.Metadata()
		if err != nil {
			continue
		}
		seq := md.Sequence.Stream
		count := max(batchCount(m.Data()), 1)
		d.pending = append(d.pending, fetchedMsg{m, recordSeq(seq, 0), recordSeq(seq, count-1)})
		before := len(d.left)
		d.left, _ = decodeBatch(d.left, m.Data(), shardOf(m.Subject()), seq, d.skip+1, md.Timestamp)
		d.per.add(1, len(d.left)-before)
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) {
		return got, err
	}
	return got, nil
}

func (d *durable) take(max int) []stream.Record {
	n := min(max, len(d.left))
	out := d.left[:n:n]
	if d.left = d.left[n:]; len(d.left) == 0 {
		d.left = nil
	}
	return out
}

func (d *durable) Ack(ctx context.Context, r stream.Record) error {
	d.mu.Lock()
	var whole jetstream.Msg // the last message wholly acknowledged
	inside := false         // r ends inside a message
	known := false
	k := 0
	for _, p := range d.pending {
		if p.first > r.Seq {
			break
		}
		known = true
		if p.last <= r.Seq {
			whole = p.m
			k++
			continue
		}
		inside = true
		break
	}
	d.pending = d.pending[k:]
	d.mu.Unlock()
	if !known {
		return fmt.Errorf("ack %d: not a record this consumer fetched", r.Seq)
	}
	if whole != nil {
		// Confirmed, so that a crash right after cannot redeliver it.
		if err := whole.DoubleAck(ctx); err != nil {
			return d.gone(ctx, "ack", err)
		}
	}
	if inside {
		// Only JetStream's acknowledgements notice a consumer deleted
		// meanwhile; the position of a deleted one must not be kept.
		if whole == nil {
			if err := d.gone(ctx, "ack", nil); err != nil {
				return err
			}
		}
		v := strconv.FormatInt(d.created, 10) + " " + strconv.FormatUint(r.Seq, 10)
		if _, err := d.s.acks.PutString(ctx, d.key, v); err != nil {
			return fmt.Errorf("ack %d: %w", r.Seq, err)
		}
	}
	return nil
}

// partial is the position a previous instance acknowledged inside a batch.
func (d *durable) partial(ctx context.Context) (uint64, bool) {
	e, err := d.s.acks.Get(ctx, d.key)
	if err != nil {
		return 0, false
	}
	created, seq, ok := strings.Cut(string(e.Value()), " ")
	if !ok || created != strconv.FormatInt(d.created, 10) {
		return 0, false
	}
	p, err := strconv.ParseUint(seq, 10, 64)
	return p, err == nil
}

func (d *durable) Close() error { return nil }

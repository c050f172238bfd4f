package natsjs

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tarnlake/tarn/internal/stream"
)

// Append publishes the records asynchronously, waits for every
// acknowledgement, and, on the embedded server, makes them durable with one
// fsync shared by every concurrent Append to the stream (group commit).
// An external server's acknowledgement is its own durability promise.
func (s *Store) Append(ctx context.Context, name string, recs []stream.Record) ([]uint64, error) {
	js := jsName(name)
	futures := make([]jetstream.PubAckFuture, len(recs))
	for i, r := range recs {
		f, err := s.js.PublishAsync(subject(name, r.Shard), encodeRecord(r.PartitionKey, r.Data))
		if err != nil {
			return nil, fmt.Errorf("append to %s: %w", name, err)
		}
		futures[i] = f
	}
	seqs := make([]uint64, len(recs))
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			// Checked here rather than with an expected-stream header on
			// every message, which costs the server a header parse each.
			if ack.Stream != js {
				return nil, fmt.Errorf("append to %s: stored in JetStream stream %s, not %s", name, ack.Stream, js)
			}
			seqs[i] = ack.Sequence
		case err := <-f.Err():
			return nil, s.appendErr(ctx, name, err)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.srv != nil {
		if err := s.syncer(name).do(func() error { return s.syncFiles(name) }); err != nil {
			return nil, fmt.Errorf("append to %s: sync: %w", name, err)
		}
	}
	return seqs, nil
}

// appendErr tells a missing stream apart from other failures.
func (s *Store) appendErr(ctx context.Context, name string, err error) error {
	if _, ierr := s.Info(ctx, name); ierr != nil {
		return ierr
	}
	return fmt.Errorf("append to %s: %w", name, err)
}

func (s *Store) syncer(name string) *groupSync {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.syncs[name]
	if g == nil {
		g = newGroupSync()
		s.syncs[name] = g
	}
	return g
}

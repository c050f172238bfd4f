package natsjs

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tarnlake/tarn/internal/stream"
)

// Append publishes the records, one message per shard's run of records
// (split by count and size), waits for every acknowledgement, and, on the
// embedded server, makes them durable with one fsync shared by every
// concurrent Append to the stream (group commit). An external server's
// acknowledgement is its own durability promise.
func (s *Store) Append(ctx context.Context, name string, recs []stream.Record) ([]uint64, error) {
	shards := func(yield func(string) bool) {
		for _, r := range recs {
			if !yield(r.Shard) {
				return
			}
		}
	}
	if err := s.checkShards(ctx, name, shards); err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	js := jsName(name)
	type pending struct {
		f   jetstream.PubAckFuture
		idx []int // the records it holds, by index in recs
	}
	var pubs []pending
	publish := func(shard string, idx []int) error {
		batch := make([]stream.Record, len(idx))
		for i, k := range idx {
			batch[i] = recs[k]
		}
		f, err := s.js.PublishAsync(subject(name, shard), encodeBatch(batch))
		if err != nil {
			return fmt.Errorf("append to %s: %w", name, err)
		}
		pubs = append(pubs, pending{f, idx})
		return nil
	}
	limit := int(s.nc.MaxPayload()) - 1024
	for _, group := range byShard(recs) {
		start, size := 0, 0
		for i, k := range group {
			n := batchSize(recs[k])
			if i > start && (i-start == maxBatch || size+n > limit) {
				if err := publish(recs[k].Shard, group[start:i]); err != nil {
					return nil, err
				}
				start, size = i, 0
			}
			size += n
		}
		if err := publish(recs[group[0]].Shard, group[start:]); err != nil {
			return nil, err
		}
	}
	seqs := make([]uint64, len(recs))
	for _, p := range pubs {
		select {
		case ack := <-p.f.Ok():
			// Checked here rather than with an expected-stream header on
			// every message, which costs the server a header parse each.
			if ack.Stream != js {
				return nil, fmt.Errorf("append to %s: stored in JetStream stream %s, not %s", name, ack.Stream, js)
			}
			for i, k := range p.idx {
				seqs[k] = recordSeq(ack.Sequence, i)
			}
		case err := <-p.f.Err():
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

// byShard groups the indexes of recs by shard, in order, shards in order
// of first appearance.
func byShard(recs []stream.Record) [][]int {
	if len(recs) > 0 && allOneShard(recs) {
		idx := make([]int, len(recs))
		for i := range idx {
			idx[i] = i
		}
		return [][]int{idx}
	}
	var groups [][]int
	at := map[string]int{}
	for i, r := range recs {
		g, ok := at[r.Shard]
		if !ok {
			g = len(groups)
			at[r.Shard] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

func allOneShard(recs []stream.Record) bool {
	for _, r := range recs[1:] {
		if r.Shard != recs[0].Shard {
			return false
		}
	}
	return true
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

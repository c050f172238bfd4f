package memstream

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

// Consumer opens a durable consumer. Its position lives with the stream,
// so a new Consumer of the same name redelivers whatever was not acked.
func (s *Store) Consumer(ctx context.Context, name, consumer string) (stream.Consumer, error) {
	if !stream.ValidName(consumer) {
		return nil, fmt.Errorf("open consumer %q: %w: not a valid name", consumer, stream.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return nil, fmt.Errorf("open consumer %q: %w", consumer, err)
	}
	acked, ok := ms.acked[consumer]
	if !ok {
		ms.acked[consumer] = 0
	}
	return &memConsumer{s: s, stream: name, name: consumer, next: acked + 1}, nil
}

func (s *Store) DeleteConsumer(ctx context.Context, name, consumer string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return fmt.Errorf("delete consumer %q: %w", consumer, err)
	}
	if _, ok := ms.acked[consumer]; !ok {
		return fmt.Errorf("delete consumer %q of stream %q: %w", consumer, name, stream.ErrNoSuchConsumer)
	}
	delete(ms.acked, consumer)
	return nil
}

type memConsumer struct {
	s      *Store
	stream string
	name   string

	mu     sync.Mutex
	next   uint64 // first Seq not yet fetched through this handle
	closed bool
}

func (c *memConsumer) Fetch(ctx context.Context, max int, wait time.Duration) ([]stream.Record, error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		recs, grew, err := c.fetch(max)
		if err != nil || len(recs) > 0 || max <= 0 {
			return recs, err
		}
		select {
		case <-grew:
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// fetch takes what is there now, or returns the channel that says more came.
func (c *memConsumer) fetch(max int) ([]stream.Record, <-chan struct{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, nil, fmt.Errorf("consumer %q: closed", c.name)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(c.stream)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch: %w", err)
	}
	if _, ok := ms.acked[c.name]; !ok {
		return nil, nil, fmt.Errorf("fetch %q of stream %q: %w", c.name, c.stream, stream.ErrNoSuchConsumer)
	}
	horizon := s.horizon(ms)
	i := sort.Search(len(ms.all), func(i int) bool { return ms.all[i].Seq >= c.next })
	var out []stream.Record
	for ; i < len(ms.all) && len(out) < max; i++ {
		r := ms.all[i]
		c.next = r.Seq + 1
		if ms.visible(r, horizon) {
			out = append(out, r)
		}
	}
	return out, ms.grew, nil
}

// Ack acknowledges everything up to r.Seq; acks never move backwards.
func (c *memConsumer) Ack(ctx context.Context, r stream.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("consumer %q: closed", c.name)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(c.stream)
	if err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	acked, ok := ms.acked[c.name]
	if !ok {
		return fmt.Errorf("ack %q of stream %q: %w", c.name, c.stream, stream.ErrNoSuchConsumer)
	}
	if r.Seq > acked {
		ms.acked[c.name] = r.Seq
	}
	return nil
}

func (c *memConsumer) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

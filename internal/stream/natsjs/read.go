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

// Read serves GetRecords. A reader that goes on where its last call ended
// (the usual case) reuses that call's JetStream consumer, already
// positioned, and finds the next records already fetched: each full read
// starts fetching the next batch while the caller sends this one on.
func (s *Store) Read(ctx context.Context, name, shard string, from uint64, max int) ([]stream.Record, error) {
	if err := s.checkShards(ctx, name, func(yield func(string) bool) { yield(shard) }); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return s.read(ctx, name, shard, from, max)
}

// Scan reads every shard at once, in stream order, as Read does one: its
// readers are those of the shard "".
func (s *Store) Scan(ctx context.Context, name string, from uint64, max int) ([]stream.Record, error) {
	if !stream.ValidName(name) {
		return nil, notFound(name)
	}
	return s.read(ctx, name, "", from, max)
}

func (s *Store) read(ctx context.Context, name, shard string, from uint64, max int) ([]stream.Record, error) {
	if max <= 0 {
		return nil, nil
	}
	r, err := s.readers.get(ctx, name, shard, from)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, notFound(name)
		}
		return nil, fmt.Errorf("read %s/%s: %w", name, shard, err)
	}
	recs, err := r.read(ctx, max)
	if err != nil {
		s.readers.drop(r)
		return nil, fmt.Errorf("read %s/%s: %w", name, shard, err)
	}
	next := from
	if len(recs) > 0 {
		next = recs[len(recs)-1].Seq + 1
	}
	if len(recs) == max && r.ahead == nil && r.more {
		r.prefetch(recs)
	}
	s.readers.put(r, next)
	return recs, nil
}

// fetched is a batch read ahead of its request.
type fetched struct {
	recs []stream.Record
	full bool // as many messages as asked for: more may follow
	err  error
}

// read returns up to max records: those left from the last call first,
// then what was read ahead, then what the consumer has now.
func (r *reader) read(ctx context.Context, max int) ([]stream.Record, error) {
	out := r.take(nil, max)
	if len(out) == max {
		return out, nil
	}
	if r.ahead != nil {
		var f fetched
		select {
		case f = <-r.ahead:
		case <-ctx.Done():
			return nil, ctx.Err() // the read-ahead is lost with the reader
		}
		r.ahead = nil
		if f.err != nil {
			return nil, f.err
		}
		// Short, the read-ahead still does not say the consumer is at its
		// end: it may have been made before more records came. A short
		// answer must mean "nothing more now" (a closed shard's reader
		// takes it for the shard's end), so the consumer is asked again.
		r.left = f.recs
		if out = r.take(out, max); len(out) == max {
			r.more = f.full
			return out, nil
		}
	}
	// Fetches are sized by how many records a message held so far, so
	// more may be needed: a short answer must mean the shard has no more.
	for {
		recs, full, err := r.fetch(max - len(out))
		if err != nil {
			return nil, err
		}
		r.left, r.more = recs, full
		if out = r.take(out, max); len(out) == max || !full {
			return out, nil
		}
	}
}

// take moves up to max-len(out) of the records left over onto out.
func (r *reader) take(out []stream.Record, max int) []stream.Record {
	n := min(len(r.left), max-len(out))
	if out == nil && n == len(r.left) {
		out, r.left = r.left, nil
		return out
	}
	out = append(out, r.left[:n]...)
	r.left = r.left[n:]
	if len(r.left) == 0 {
		r.left = nil
	}
	return out
}

// readAheadBytes bounds what one idle reader holds.
const readAheadBytes = 10 << 20

// prefetch starts reading the records after recs, about as many.
func (r *reader) prefetch(recs []stream.Record) {
	size := 0
	for _, rec := range recs {
		size += len(rec.Data) + len(rec.PartitionKey)
	}
	n := len(recs)
	if avg := size / len(recs); avg > 0 {
		n = min(n, max(1, readAheadBytes/avg))
	}
	ch := make(chan fetched, 1)
	r.ahead = ch
	go func() {
		recs, full, err := r.fetch(n)
		ch <- fetched{recs: recs, full: full, err: err}
	}()
}

// fetch takes about n records, whole messages, from the consumer without
// waiting for more; full reports that it got every message it asked for.
func (r *reader) fetch(n int) ([]stream.Record, bool, error) {
	want := r.per.messagesFor(n)
	batch, err := r.cons.FetchNoWait(want)
	if err != nil {
		return nil, false, err
	}
	recs := make([]stream.Record, 0, n)
	msgs := 0
	for m := range batch.Messages() {
		msgs++
		md, err := m.Metadata()
		if err != nil {
			continue
		}
		shard := r.key.shard
		if shard == "" { // a scan of every shard
			shard = shardOf(m.Subject())
		}
		before := len(recs)
		recs, _ = decodeBatch(recs, m.Data(), shard, md.Sequence.Stream, r.from, md.Timestamp)
		r.per.add(1, len(recs)-before)
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
		return nil, false, err
	}
	return recs, msgs == want, nil
}

// Tail is the stream's last sequence number.
func (s *Store) Tail(ctx context.Context, name string) (uint64, error) {
	if !stream.ValidName(name) {
		return 0, notFound(name)
	}
	st, err := s.js.Stream(ctx, jsName(name))
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return 0, notFound(name)
		}
		return 0, err
	}
	last := st.CachedInfo().State.LastSeq
	if last == 0 {
		return 0, nil
	}
	m, err := st.GetMsg(ctx, last)
	if err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) { // dropped meanwhile by retention
			return recordSeq(last, maxBatch-1), nil
		}
		return 0, fmt.Errorf("tail of %s: %w", name, err)
	}
	return recordSeq(last, max(1, batchCount(m.Data))-1), nil
}

// SeqAt finds the first record stored at or after t.
func (s *Store) SeqAt(ctx context.Context, name string, t time.Time) (uint64, error) {
	if !stream.ValidName(name) {
		return 0, notFound(name)
	}
	cons, err := s.js.CreateConsumer(ctx, jsName(name), jetstream.ConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &t,
		AckPolicy: jetstream.AckNonePolicy, MemoryStorage: true, InactiveThreshold: 10 * time.Second,
	})
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return 0, notFound(name)
		}
		return 0, err
	}
	defer s.js.DeleteConsumer(context.WithoutCancel(ctx), jsName(name), cons.CachedInfo().Name)
	batch, err := cons.FetchNoWait(1)
	if err != nil {
		return 0, err
	}
	for m := range batch.Messages() {
		if md, err := m.Metadata(); err == nil {
			return recordSeq(md.Sequence.Stream, 0), nil
		}
	}
	tail, err := s.Tail(ctx, name)
	return tail + 1, err
}

// readerCache keeps idle per-shard consumers keyed by where they stand.
type readerCache struct {
	js   jetstream.JetStream
	mu   sync.Mutex
	idle map[readerKey]*reader
	quit chan struct{}
}

type readerKey struct {
	name, shard string
	next        uint64
}

type reader struct {
	key   readerKey
	from  uint64 // records before this are skipped (a start inside a message)
	cons  jetstream.Consumer
	used  time.Time
	left  []stream.Record // fetched, not yet returned: they start at key.next
	more  bool            // the last fetch was full: the consumer may hold more
	per   perMessage
	ahead chan fetched // the records after left, being read or read; nil if none
}

// readerIdle is how long an unused consumer is kept; JetStream removes it
// itself a little later if tarn dies.
const readerIdle = 30 * time.Second

func newReaderCache(js jetstream.JetStream) *readerCache {
	c := &readerCache{js: js, idle: map[readerKey]*reader{}, quit: make(chan struct{})}
	go c.expire()
	return c
}

func (c *readerCache) get(ctx context.Context, name, shard string, from uint64) (*reader, error) {
	k := readerKey{name, shard, from}
	c.mu.Lock()
	r := c.idle[k]
	delete(c.idle, k)
	c.mu.Unlock()
	if r != nil {
		return r, nil
	}
	filter := subject(name, shard)
	if shard == "" {
		filter = allShards(name)
	}
	cons, err := c.js.CreateConsumer(ctx, jsName(name), jetstream.ConsumerConfig{
		FilterSubject: filter,
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: max(msgSeqOf(from), 1),
		AckPolicy: jetstream.AckNonePolicy, MemoryStorage: true, InactiveThreshold: 2 * readerIdle,
	})
	if err != nil {
		return nil, err
	}
	return &reader{key: k, from: from, cons: cons}, nil
}

// put keeps r for a reader that continues at next.
func (c *readerCache) put(r *reader, next uint64) {
	r.key.next, r.used = next, time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.idle[r.key]; old != nil {
		go c.delete(old)
	}
	c.idle[r.key] = r
}

func (c *readerCache) drop(r *reader) { go c.delete(r) }

func (c *readerCache) delete(r *reader) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.js.DeleteConsumer(ctx, jsName(r.key.name), r.cons.CachedInfo().Name)
}

// forget drops every reader of a deleted stream.
func (c *readerCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.idle {
		if k.name == name {
			delete(c.idle, k)
		}
	}
}

func (c *readerCache) expire() {
	t := time.NewTicker(readerIdle / 2)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
		}
		c.mu.Lock()
		for k, r := range c.idle {
			if time.Since(r.used) > readerIdle {
				delete(c.idle, k)
				go c.delete(r)
			}
		}
		c.mu.Unlock()
	}
}

func (c *readerCache) close() { close(c.quit) }

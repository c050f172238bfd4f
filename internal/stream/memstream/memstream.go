// Package memstream is an in-memory stream.Store for tests: every stream,
// record and consumer lives in one process and is gone when it exits.
package memstream

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/stream"
)

// errClosed is returned by every call after Close.
var errClosed = errors.New("memstream: store closed")

// Store keeps streams in memory. It is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	now     func() time.Time
	streams map[string]*memStream
	closed  bool
}

type memStream struct {
	info    stream.Info
	tail    uint64                     // last sequence number handed out
	all     []stream.Record            // every record, in Seq order
	byShard map[string][]stream.Record // the same records per shard
	// acked holds each durable consumer's last acknowledged Seq.
	acked map[string]uint64
	// grew is closed and replaced whenever records are appended, waking
	// consumers waiting in Fetch.
	grew chan struct{}
}

// New returns an empty store.
func New() *Store {
	return &Store{now: time.Now, streams: map[string]*memStream{}}
}

// SetClock replaces the clock used for arrival times and retention.
func (s *Store) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// get returns the stream; the caller holds s.mu.
func (s *Store) get(name string) (*memStream, error) {
	if s.closed {
		return nil, errClosed
	}
	ms, ok := s.streams[name]
	if !ok {
		return nil, fmt.Errorf("stream %q: %w", name, stream.ErrNotFound)
	}
	return ms, nil
}

func (s *Store) Create(ctx context.Context, info stream.Info) error {
	if err := stream.Check(info); err != nil {
		return fmt.Errorf("create stream: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if _, ok := s.streams[info.Name]; ok {
		return fmt.Errorf("create stream %q: %w", info.Name, stream.ErrExists)
	}
	info = clone(info)
	if info.Created.IsZero() {
		info.Created = s.now()
	}
	if info.Status == "" {
		info.Status = "ACTIVE"
	}
	info.Revision = 1
	s.streams[info.Name] = &memStream{
		info:    info,
		byShard: map[string][]stream.Record{},
		acked:   map[string]uint64{},
		grew:    make(chan struct{}),
	}
	return nil
}

func (s *Store) Delete(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	delete(s.streams, name)
	close(ms.grew) // wake consumers so they notice
	return nil
}

func (s *Store) Info(ctx context.Context, name string) (stream.Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return stream.Info{}, err
	}
	return clone(ms.info), nil
}

// UpdateInfo calls fn on a copy without holding the lock, so fn may call
// the store, and stores the result only if the revision did not move.
func (s *Store) UpdateInfo(ctx context.Context, name string, fn func(*stream.Info) error) (stream.Info, error) {
	for {
		if err := ctx.Err(); err != nil {
			return stream.Info{}, err
		}
		cur, err := s.Info(ctx, name)
		if err != nil {
			return stream.Info{}, err
		}
		next := clone(cur)
		if err := fn(&next); err != nil {
			return stream.Info{}, err
		}
		next.Name, next.Revision = cur.Name, cur.Revision+1
		if err := stream.Check(next); err != nil {
			return stream.Info{}, fmt.Errorf("update stream: %w", err)
		}
		s.mu.Lock()
		ms, err := s.get(name)
		if err != nil {
			s.mu.Unlock()
			return stream.Info{}, err
		}
		if ms.info.Revision != cur.Revision {
			s.mu.Unlock()
			continue // changed meanwhile: apply fn to the new state
		}
		ms.info = clone(next)
		s.mu.Unlock()
		return next, nil
	}
}

func (s *Store) List(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	names := slices.Collect(maps.Keys(s.streams))
	sort.Strings(names)
	return names, nil
}

func (s *Store) Append(ctx context.Context, name string, recs []stream.Record) ([]uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	for _, r := range recs {
		if _, ok := ms.shard(r.Shard); !ok {
			return nil, fmt.Errorf("append to %s of stream %q: %w", r.Shard, name, stream.ErrNoSuchShard)
		}
	}
	now := s.now()
	seqs := make([]uint64, len(recs))
	for i, r := range recs {
		ms.tail++
		r.Seq, r.Arrival = ms.tail, now
		r.Data = slices.Clone(r.Data) // the caller may reuse its buffer
		ms.all = append(ms.all, r)
		ms.byShard[r.Shard] = append(ms.byShard[r.Shard], r)
		seqs[i] = r.Seq
	}
	if len(recs) > 0 {
		close(ms.grew)
		ms.grew = make(chan struct{})
	}
	return seqs, nil
}

func (s *Store) Read(ctx context.Context, name, shard string, from uint64, max int) ([]stream.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	sh, ok := ms.shard(shard)
	if !ok {
		return nil, fmt.Errorf("read %s of stream %q: %w", shard, name, stream.ErrNoSuchShard)
	}
	recs := ms.byShard[shard]
	i := sort.Search(len(recs), func(i int) bool { return recs[i].Seq >= from })
	var out []stream.Record
	horizon := s.horizon(ms)
	for ; i < len(recs) && len(out) < max; i++ {
		r := recs[i]
		if !sh.Open() && r.Seq > sh.EndSeq {
			break // appended after the shard closed: never visible
		}
		if r.Arrival.Before(horizon) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Store) Scan(ctx context.Context, name string, from uint64, max int) ([]stream.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	horizon := s.horizon(ms)
	var out []stream.Record
	for i := sort.Search(len(ms.all), func(i int) bool { return ms.all[i].Seq >= from }); i < len(ms.all) && len(out) < max; i++ {
		r := ms.all[i]
		if ms.visible(r, horizon) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Store) Tail(ctx context.Context, name string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return 0, err
	}
	return ms.tail, nil
}

func (s *Store) SeqAt(ctx context.Context, name string, t time.Time) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, err := s.get(name)
	if err != nil {
		return 0, err
	}
	i := sort.Search(len(ms.all), func(i int) bool { return !ms.all[i].Arrival.Before(t) })
	if i == len(ms.all) {
		return ms.tail + 1, nil
	}
	return ms.all[i].Seq, nil
}

func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for _, ms := range s.streams {
		close(ms.grew)
	}
	s.streams = nil
	return nil
}

// horizon is the arrival time before which records are past retention;
// the caller holds s.mu.
func (s *Store) horizon(ms *memStream) time.Time {
	if ms.info.Retention <= 0 {
		return time.Time{}
	}
	return s.now().Add(-ms.info.Retention)
}

func (ms *memStream) shard(id string) (stream.Shard, bool) {
	for _, sh := range ms.info.Shards {
		if sh.ID == id {
			return sh, true
		}
	}
	return stream.Shard{}, false
}

// visible reports whether r can be read: not past retention and not
// appended to a shard after it closed.
func (ms *memStream) visible(r stream.Record, horizon time.Time) bool {
	sh, ok := ms.shard(r.Shard)
	if !ok || !sh.Open() && r.Seq > sh.EndSeq {
		return false
	}
	return !r.Arrival.Before(horizon)
}

// clone deep-copies info so callers never share its slices or map.
func clone(info stream.Info) stream.Info {
	info.Shards = slices.Clone(info.Shards)
	info.Tags = maps.Clone(info.Tags)
	return info
}

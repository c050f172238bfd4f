package mirror

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/lake"
)

// Options configures a Mirror.
type Options struct {
	// Dir holds the copies, the index and downloads in progress.
	Dir string
	// MaxBytes bounds the copies' total size; 0: no bound.
	MaxBytes int64
	// Downloads is how many objects one sync fetches at once; default 8
	// (downloads wait on the network, not on the CPU).
	Downloads int
	Log       *slog.Logger
	// Registerer receives the mirror's metrics; nil registers nothing.
	Registerer prometheus.Registerer
}

// Mirror keeps local copies of objects of a lake.
// The query engine reads the copies in place.
var _ lake.LocalFiles = (*Mirror)(nil)

type Mirror struct {
	store     lake.Objects
	opts      Options
	dir, tmp  string
	indexFile string
	log       *slog.Logger
	metrics   *metrics

	mu      sync.Mutex
	files   map[string]*entry // "bucket/key" → its local copy
	ids     []string          // the keys of files, sorted; rebuilt when stale (see underLocked)
	stale   bool              // copies came or went since ids was sorted
	total   int64             // bytes of all copies
	pins    map[string]int    // "bucket/prefix" → syncs and callers using it
	flights map[string]*flights
	gen     uint64 // counts syncs; see sync
	dirty   bool   // files changed since the index was written

	saveMu sync.Mutex // one index write at a time
}

// entry is what the mirror knows of one local copy.
type entry struct {
	ETag  string `json:"etag"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime"` // the file's, unix ns: a copy changed behind our back is not trusted
	Used  int64  `json:"used"`  // unix ns of the last sync that covered it: the LRU order
	gen   uint64 // the sync whose listing last confirmed it
}

// New opens the cache in opts.Dir over store, keeping what a previous
// process left that its index vouches for.
func New(store lake.Objects, opts Options) (*Mirror, error) {
	if opts.Downloads <= 0 {
		opts.Downloads = 8
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("lake cache %q: %w", opts.Dir, err)
	}
	// Bucket names never start with a dot: ".tmp" and ".index.json" cannot
	// collide with a bucket's folder.
	m := &Mirror{store: store, opts: opts, dir: dir, tmp: filepath.Join(dir, ".tmp"), indexFile: filepath.Join(dir, ".index.json"),
		log: opts.Log.With("component", "lake-mirror"), metrics: newMetrics(opts.Registerer),
		files: map[string]*entry{}, pins: map[string]int{}, flights: map[string]*flights{}}
	if err := os.RemoveAll(m.tmp); err != nil {
		return nil, fmt.Errorf("lake cache: clean %s: %w", m.tmp, err)
	}
	if err := os.MkdirAll(m.tmp, 0o755); err != nil {
		return nil, fmt.Errorf("lake cache: %w", err)
	}
	if err := m.load(); err != nil {
		return nil, fmt.Errorf("lake cache %s: %w", dir, err)
	}
	return m, nil
}

// Sync brings the local copy of every object under prefix in bucket up to
// date with the lake (see the package doc). The copies under prefix are
// kept from eviction until ctx ends, so a statement that reads them after
// Sync returns should pass a context that ends with it.
func (m *Mirror) Sync(ctx context.Context, bucket, prefix string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	id := bucket + "/" + prefix
	m.pin(id)
	context.AfterFunc(ctx, func() { m.unpin(id) })
	f := m.join(bucket, prefix)
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Bytes is the size of all local copies.
func (m *Mirror) Bytes() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.total
}

// flight is one sync of a prefix; its callers share its result.
type flight struct {
	done chan struct{}
	err  error
}

// flights of one prefix: the sync running and the one queued behind it.
type flights struct {
	running, next *flight
}

// join returns the sync a caller arriving now waits for: the running one
// if none runs, else the next one, which starts when the running one ends
// (a sync already listing may have missed a change the caller made).
func (m *Mirror) join(bucket, prefix string) *flight {
	id := bucket + "/" + prefix
	m.mu.Lock()
	defer m.mu.Unlock()
	fs := m.flights[id]
	if fs == nil {
		fs = &flights{running: &flight{done: make(chan struct{})}}
		m.flights[id] = fs
		go m.run(id, bucket, prefix, fs.running)
		return fs.running
	}
	if fs.next == nil {
		fs.next = &flight{done: make(chan struct{})}
	}
	return fs.next
}

// run runs the syncs of one prefix one after the other. They run on their
// own context: a caller that gives up does not fail the others waiting.
func (m *Mirror) run(id, bucket, prefix string, f *flight) {
	for f != nil {
		f.err = m.sync(context.Background(), bucket, prefix)
		close(f.done)
		m.mu.Lock()
		fs := m.flights[id]
		f, fs.running, fs.next = fs.next, fs.next, nil
		if f == nil {
			delete(m.flights, id)
		}
		m.mu.Unlock()
	}
}

func (m *Mirror) pin(id string) {
	m.mu.Lock()
	m.pins[id]++
	m.mu.Unlock()
}

// unpin releases a prefix; copies over the bound that it kept go now.
func (m *Mirror) unpin(id string) {
	m.mu.Lock()
	if m.pins[id]--; m.pins[id] <= 0 {
		delete(m.pins, id)
	}
	m.evictLocked(0)
	m.mu.Unlock()
	if err := m.save(); err != nil {
		m.log.Warn("cache index not written", "err", err)
	}
}

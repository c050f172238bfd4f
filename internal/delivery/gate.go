package delivery

import (
	"context"
	"sync"
	"time"
)

// gate keeps queries of a delivery's pending records and the delivery's
// writes apart, so that a query sees each record either in the lake or
// pending, never in both or neither: a buffer's objects are written, and
// its position saved, while no such query runs.
type gate struct {
	mu      sync.Mutex
	readers int
	writing bool
	changed chan struct{} // closed and replaced at every change
}

func newGate() *gate { return &gate{changed: make(chan struct{})} }

// signal wakes the waiters; the caller holds g.mu.
func (g *gate) signal() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// read waits for a write in progress to end, then lets one query in.
func (g *gate) read(ctx context.Context) (release func(), err error) {
	for {
		g.mu.Lock()
		if !g.writing {
			g.readers++
			g.mu.Unlock()
			var once sync.Once
			return func() {
				once.Do(func() {
					g.mu.Lock()
					g.readers--
					g.signal()
					g.mu.Unlock()
				})
			}, nil
		}
		ch := g.changed
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// write keeps new queries out and waits for those in to end, for up to
// wait: a query left open (a client that stopped reading its rows) must
// not stop a delivery. It reports whether queries were still in.
func (g *gate) write(wait time.Duration) (release func(), crowded bool) {
	deadline := time.After(wait)
	g.mu.Lock()
	g.writing = true
	for g.readers > 0 && !crowded {
		ch := g.changed
		g.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			crowded = true
		}
		g.mu.Lock()
	}
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		g.writing = false
		g.signal()
		g.mu.Unlock()
	}, crowded
}

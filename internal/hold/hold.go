// Package hold keeps readers that must see a consistent moment out of the
// way of a writer that changes two places at once: a query of a table and
// of what is not in it yet (a delivery's pending records, an archive's
// rows) sees each row in one place, never in both or neither.
package hold

import (
	"context"
	"sync"
	"time"
)

// Gate lets readers in together, and a writer alone.
type Gate struct {
	mu      sync.Mutex
	readers int
	writing bool
	changed chan struct{} // closed and replaced at every change
}

// New returns an open gate.
func New() *Gate { return &Gate{changed: make(chan struct{})} }

// signal wakes the waiters; the caller holds g.mu.
func (g *Gate) signal() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// Read waits for a write in progress to end, then lets one reader in
// until release.
func (g *Gate) Read(ctx context.Context) (release func(), err error) {
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

// Write keeps new readers out and waits for those in to leave, for up to
// wait: a reader left open (a client that stopped reading its rows) must
// not stop the writer for good. It reports whether readers were still in.
func (g *Gate) Write(wait time.Duration) (release func(), crowded bool) {
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

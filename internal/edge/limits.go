package edge

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// budget bounds the bytes all requests together may hold before their
// signatures are checked: a key id is no secret, so whoever knows one can
// make the edge read a body it will refuse.
type budget struct {
	size int64

	mu    sync.Mutex
	used  int64
	freed chan struct{} // closed, and replaced, whenever bytes come back
}

func newBudget(size int64) *budget {
	return &budget{size: size, freed: make(chan struct{})}
}

// acquire takes n bytes, waiting up to wait for others to give some back.
func (b *budget) acquire(ctx context.Context, n int64, wait time.Duration) bool {
	var timeout <-chan time.Time
	for {
		b.mu.Lock()
		if b.used+n <= b.size {
			b.used += n
			b.mu.Unlock()
			return true
		}
		freed := b.freed
		b.mu.Unlock()
		if n > b.size {
			return false
		}
		if timeout == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-freed:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (b *budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

func errSlowDown() *awsapi.Error {
	return awsapi.Errorf(http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate: too many request bodies are waiting for their signature to be checked.")
}

// errBodyTimeout is S3's answer to a body that stopped arriving.
func errBodyTimeout() *awsapi.Error {
	return awsapi.Errorf(http.StatusBadRequest, "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period.")
}

// stallGuard ends a body that stops arriving: each Read may wait up to
// timeout for bytes, so a slow upload that keeps moving goes on while one
// that stalls fails, and its connection closes. The read deadline is set as
// the guard is made, so it also bounds what net/http reads of a body the
// handler left unread; it is cleared at the body's end, as a handler that
// streams a long answer must not be cut by it.
type stallGuard struct {
	rc      *http.ResponseController
	src     io.ReadCloser
	timeout time.Duration
	set     time.Time // when the deadline was last pushed back
	err     error
}

func newStallGuard(w http.ResponseWriter, src io.ReadCloser, timeout time.Duration) *stallGuard {
	g := &stallGuard{rc: http.NewResponseController(w), src: src, timeout: timeout}
	g.push(time.Now())
	return g
}

func (g *stallGuard) push(now time.Time) {
	g.set = now
	g.rc.SetReadDeadline(now.Add(g.timeout)) // not supported: no guard
}

func (g *stallGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	// Pushing the deadline at every read would cost a timer update per
	// read; pushing it when an eighth of it has passed keeps the wait for
	// the next byte between 7/8 and all of timeout.
	if now := time.Now(); now.Sub(g.set) > g.timeout/8 {
		g.push(now)
	}
	n, err := g.src.Read(p)
	switch {
	case err == io.EOF:
		g.rc.SetReadDeadline(time.Time{})
	case isTimeout(err):
		// The deadline stays: net/http's own reads of what is left fail at
		// once, and the connection closes.
		g.err = errBodyTimeout()
		return n, g.err
	}
	return n, err
}

func (g *stallGuard) Close() error { return g.src.Close() }

func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}

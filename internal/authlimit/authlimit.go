// Package authlimit slows down password guessing: every listener asks it
// before checking a credential, and tells it how the check went.
//
// Failures are counted per (key, source): after Free failures the pair is
// refused for a backoff that doubles with each further failure, up to Max,
// and a success resets it. Keying on the source as well as the key means an
// attacker who guesses at a key from one address never locks its owner out
// at another. Each source is also counted across all keys, with a larger
// allowance, so that one address cannot try many keys (or flood the table
// with made-up ones) to get around the per-key count.
package authlimit

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Options tune a Limiter; zero fields take the defaults.
type Options struct {
	Free       int           // failures per (key, source) before backoff (default 5)
	SourceFree int           // failures per source over all keys before backoff (default 50)
	Base       time.Duration // the first backoff (default 1s), doubled per further failure
	Max        time.Duration // the longest backoff (default 1m)
	// Forget clears the count of a pair or source that has not failed for
	// this long (default 15m).
	Forget     time.Duration
	MaxEntries int              // pairs and sources tracked at most (default 65536)
	Now        func() time.Time // nil: time.Now
}

// Limiter counts failed logins. Its methods are safe for concurrent use; a
// nil *Limiter allows everything.
type Limiter struct {
	opts Options

	mu        sync.Mutex
	entries   map[entryKey]*entry
	lastSweep time.Time
}

type entryKey struct {
	key    string // "" for the source's count over all keys
	source string
}

type entry struct {
	fails   int
	last    time.Time // the last failure
	until   time.Time // refused until then
	refused int       // attempts refused since until was last set
}

// maxKeyLen bounds the part of a claimed key id kept in the table; real
// ids are 20 characters.
const maxKeyLen = 128

// New returns a Limiter.
func New(opts Options) *Limiter {
	if opts.Free <= 0 {
		opts.Free = 5
	}
	if opts.SourceFree <= 0 {
		opts.SourceFree = 50
	}
	if opts.Base <= 0 {
		opts.Base = time.Second
	}
	if opts.Max <= 0 {
		opts.Max = time.Minute
	}
	if opts.Max < opts.Base {
		opts.Max = opts.Base
	}
	if opts.Forget <= 0 {
		opts.Forget = 15 * time.Minute
	}
	opts.Forget = max(opts.Forget, opts.Max)
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 1 << 16
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Limiter{opts: opts, entries: map[entryKey]*entry{}}
}

// Decision is the answer to Allow.
type Decision struct {
	OK bool
	// Wait is how long until an attempt may be checked again (when !OK).
	Wait time.Duration
	// Refused counts the attempts refused in a row for this backoff, this
	// one included: 1 on the first. Callers log the first and stay quiet
	// on the rest, so an attacker cannot flood the log.
	Refused int
}

// Allow reports whether a login attempt by key from source may be checked
// now. A refused attempt is not a failure: it does not lengthen the
// backoff.
func (l *Limiter) Allow(key, source string) Decision {
	if l == nil {
		return Decision{OK: true}
	}
	now := l.opts.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	d := Decision{OK: true}
	ks, n := keysOf(key, source)
	for _, k := range ks[:n] {
		e := l.entries[k]
		if e == nil {
			continue
		}
		if now.Sub(e.last) > l.opts.Forget {
			delete(l.entries, k)
			continue
		}
		if wait := e.until.Sub(now); wait > 0 && wait > d.Wait {
			e.refused++
			d = Decision{Wait: wait, Refused: e.refused}
		}
	}
	return d
}

// Fail records a failed attempt and returns the backoff now in force for
// the pair (0 while it has failures to spare).
func (l *Limiter) Fail(key, source string) time.Duration {
	if l == nil {
		return 0
	}
	now := l.opts.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	ks, n := keysOf(key, source)
	for _, k := range ks[:n] {
		free := l.opts.Free
		if k.key == "" {
			free = l.opts.SourceFree
		}
		e := l.entries[k]
		if e == nil {
			if len(l.entries) >= l.opts.MaxEntries && !l.sweep(now) {
				continue // full of backoffs in force: not tracked
			}
			e = &entry{}
			l.entries[k] = e
		} else if now.Sub(e.last) > l.opts.Forget {
			*e = entry{}
		}
		e.fails++
		e.last = now
		if e.fails >= free {
			b := l.opts.Max
			if shift := e.fails - free; shift < 30 {
				b = min(l.opts.Base<<shift, l.opts.Max)
			}
			e.until, e.refused = now.Add(b), 0
			wait = max(wait, b)
		}
	}
	return wait
}

// Succeed forgets the failures of the pair. The source's count over all
// keys stays: one good key must not buy guesses at the others.
func (l *Limiter) Succeed(key, source string) {
	if l == nil {
		return
	}
	if key = clip(key); key == "" {
		return // the source's count stays, as above
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, entryKey{key, source})
}

// sweep makes room when the table is full: it drops entries that are
// forgotten or not backing off, and reports whether there is room now. It
// walks the table at most once a second, so a full table of backoffs does
// not make every failure cost a walk.
func (l *Limiter) sweep(now time.Time) bool {
	if now.Sub(l.lastSweep) < time.Second {
		return false
	}
	l.lastSweep = now
	for k, e := range l.entries {
		if now.Sub(e.last) > l.opts.Forget || !now.Before(e.until) {
			delete(l.entries, k)
		}
	}
	return len(l.entries) < l.opts.MaxEntries
}

// keysOf is the entries an attempt counts in: its pair and its source's
// count over all keys (once, for an attempt that names no key).
func keysOf(key, source string) ([2]entryKey, int) {
	if key = clip(key); key == "" {
		return [2]entryKey{{"", source}}, 1
	}
	return [2]entryKey{{key, source}, {"", source}}, 2
}

func clip(key string) string {
	if len(key) > maxKeyLen {
		return key[:maxKeyLen]
	}
	return key
}

// Source is the part of a remote address ("host:port") attempts are
// counted by: the IPv4 address, or the /64 of an IPv6 one (what one
// subscriber usually holds).
func Source(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}

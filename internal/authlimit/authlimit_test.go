package authlimit

import (
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newTest(o Options) (*Limiter, *clock) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	o.Now = c.now
	return New(o), c
}

func TestBackoffGrowsAndSuccessResets(t *testing.T) {
	l, c := newTest(Options{Free: 3, Base: time.Second, Max: 8 * time.Second})
	for i := range 2 {
		if !l.Allow("K", "1.2.3.4").OK {
			t.Fatalf("attempt %d refused", i)
		}
		if w := l.Fail("K", "1.2.3.4"); w != 0 {
			t.Fatalf("failure %d: backoff %v", i, w)
		}
	}
	// The third failure starts the backoff: 1s, then 2s, 4s, 8s, 8s.
	for i, want := range []time.Duration{1, 2, 4, 8, 8} {
		if w := l.Fail("K", "1.2.3.4"); w != want*time.Second {
			t.Fatalf("failure %d: backoff %v, want %vs", i+3, w, want)
		}
		d := l.Allow("K", "1.2.3.4")
		if d.OK || d.Wait != want*time.Second || d.Refused != 1 {
			t.Fatalf("during backoff: %+v", d)
		}
		if d := l.Allow("K", "1.2.3.4"); d.Refused != 2 {
			t.Fatalf("second refusal: %+v", d)
		}
		c.add(want * time.Second)
		if !l.Allow("K", "1.2.3.4").OK {
			t.Fatal("refused after the backoff")
		}
	}
	l.Succeed("K", "1.2.3.4")
	if w := l.Fail("K", "1.2.3.4"); w != 0 {
		t.Fatalf("after a success the count starts over: %v", w)
	}
}

// An attacker at one source never locks the key's owner out elsewhere.
func TestOtherSourcesUnaffected(t *testing.T) {
	l, _ := newTest(Options{Free: 2})
	for range 20 {
		l.Fail("K", "10.0.0.1")
	}
	if l.Allow("K", "10.0.0.1").OK {
		t.Fatal("attacker not slowed")
	}
	if !l.Allow("K", "10.0.0.2").OK || !l.Allow("OTHER", "10.0.0.2").OK {
		t.Fatal("another source is locked out")
	}
}

// One source trying many keys is slowed on all of them, and a success on
// one key does not clear that.
func TestSourceOverAllKeys(t *testing.T) {
	l, c := newTest(Options{Free: 5, SourceFree: 10})
	for i := range 10 {
		l.Fail(fmt.Sprint("K", i), "10.0.0.1")
	}
	l.Succeed("K0", "10.0.0.1")
	if d := l.Allow("fresh", "10.0.0.1"); d.OK {
		t.Fatal("a source past its allowance may try a fresh key")
	}
	if !l.Allow("fresh", "10.0.0.2").OK {
		t.Fatal("another source is slowed")
	}
	c.add(time.Hour)
	if !l.Allow("fresh", "10.0.0.1").OK {
		t.Fatal("failures not forgotten")
	}
}

func TestForget(t *testing.T) {
	l, c := newTest(Options{Free: 2, Forget: time.Minute, Max: time.Second})
	l.Fail("K", "s")
	c.add(2 * time.Minute)
	if w := l.Fail("K", "s"); w != 0 {
		t.Fatalf("an old failure still counted: %v", w)
	}
}

// A full table drops what is not backing off; backoffs in force stay.
func TestTableBound(t *testing.T) {
	l, c := newTest(Options{Free: 1, SourceFree: 1 << 20, MaxEntries: 64})
	l.Fail("victim", "10.0.0.1") // backing off
	for i := range 1000 {
		c.add(2 * time.Second) // the victim's 1s backoff ended: it becomes droppable
		l.Fail("victim", "10.0.0.1")
		l.Fail(fmt.Sprint("junk", i), fmt.Sprint("10.1.", i/250, ".", i%250))
		if n := len(l.entries); n > 64 {
			t.Fatalf("%d entries", n)
		}
	}
	if l.Allow("victim", "10.0.0.1").OK {
		t.Fatal("a backoff in force was dropped")
	}
}

func TestNilAllows(t *testing.T) {
	var l *Limiter
	if !l.Allow("k", "s").OK || l.Fail("k", "s") != 0 {
		t.Fatal("nil limiter refused")
	}
	l.Succeed("k", "s")
}

func TestSource(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3.4:5678":                 "1.2.3.4",
		"[::ffff:1.2.3.4]:1":           "1.2.3.4",
		"[2001:db8:1:2:3:4:5:6]:443":   "2001:db8:1:2::/64",
		"[2001:db8:1:2:ff::1%eth0]:80": "2001:db8:1:2::/64",
		"pipe":                         "pipe",
	} {
		if got := Source(in); got != want {
			t.Errorf("Source(%q) = %q, want %q", in, got, want)
		}
	}
}

// An attempt naming no key counts once, in its source's count.
func TestNoKey(t *testing.T) {
	l, _ := newTest(Options{SourceFree: 2})
	if w := l.Fail("", "s"); w != 0 {
		t.Fatalf("one failure with no key: backoff %v", w)
	}
	l.Fail("", "s")
	if d := l.Allow("", "s"); d.OK || d.Refused != 1 {
		t.Fatalf("decision %+v", d)
	}
	l.Succeed("", "s")
	if l.Allow("K", "s").OK {
		t.Fatal("a success with no key cleared the source's count")
	}
}

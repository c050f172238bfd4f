package crawl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/lake"
)

// Pending event operations, each stored as op + " " + time so that a newer
// event for the same object is told from the one a crawl consumed.
const (
	opPut = "put"
	opDel = "del"
)

// AddEvents records object events for the event-mode crawlers
// (CRAWL_EVENT_MODE) whose targets hold the objects, and returns once they
// are saved in the catalog store. The event log's consumer calls it, and
// acknowledges the events only after: none is lost between a write and
// the crawl that should see it.
func (s *Service) AddEvents(ctx context.Context, evs []lake.Event) error {
	watch, err := s.events.watchers(ctx)
	if err != nil {
		return err
	}
	buf := map[string]map[string]string{} // crawler → bucket/key → op
	for _, e := range evs {
		op := opPut
		if strings.HasPrefix(e.Name, "ObjectRemoved") {
			op = opDel
		}
		op += " " + e.Time.Format(time.RFC3339Nano)
		for _, w := range watch {
			if e.Bucket == w.bucket && strings.HasPrefix(e.Key, w.prefix) {
				if buf[w.crawler] == nil {
					buf[w.crawler] = map[string]string{}
				}
				buf[w.crawler][e.Bucket+"/"+e.Key] = op
			}
		}
	}
	for name, evs := range buf {
		err := s.events.modify(ctx, name, func(m map[string]string) {
			for id, op := range evs {
				m[id] = op
			}
		})
		if err != nil {
			return fmt.Errorf("crawl events of %s: %w", name, err)
		}
	}
	return nil
}

type watched struct{ crawler, bucket, prefix string }

// pendingEvents keeps event-mode crawlers' pending events in the catalog
// store, and which crawlers watch which prefixes.
type pendingEvents struct {
	s       *Service
	mu      sync.Mutex
	watch   []watched
	checked time.Time // when watch was read
}

func newPendingEvents(s *Service) *pendingEvents { return &pendingEvents{s: s} }

// watchers returns which crawlers watch which prefixes, read again when a
// few seconds old: a new event-mode crawler lists everything on its first
// crawl anyway.
func (p *pendingEvents) watchers(ctx context.Context) ([]watched, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.checked) < 2*time.Second {
		return p.watch, nil
	}
	cs, err := p.s.ListCrawlers(ctx)
	if err != nil {
		return nil, fmt.Errorf("event-mode crawlers: %w", err)
	}
	var w []watched
	for _, c := range cs {
		if c.RecrawlBehavior != RecrawlEvents {
			continue
		}
		for _, t := range c.Targets {
			if b, pre, err := parseS3Path(t.Path); err == nil {
				w = append(w, watched{c.Name, b, pre})
			}
		}
	}
	p.watch, p.checked = w, time.Now()
	return w, nil
}

// forget makes the next watchers call read the crawlers again.
func (p *pendingEvents) forget() {
	p.mu.Lock()
	p.checked = time.Time{}
	p.mu.Unlock()
}

// take returns the pending events of a crawler as id → opPut or opDel.
func (p *pendingEvents) take(ctx context.Context, name string) (map[string]string, error) {
	var m map[string]string
	if _, err := p.s.getDoc(ctx, kindPending, name, &m); err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return nil, fmt.Errorf("pending events of %s: %w", name, err)
	}
	return m, nil
}

// done forgets the events a crawl consumed, keeping any newer ones.
func (p *pendingEvents) done(ctx context.Context, name string, taken map[string]string) {
	if len(taken) == 0 {
		return
	}
	p.modify(ctx, name, func(m map[string]string) {
		for id, op := range taken {
			if m[id] == op {
				delete(m, id)
			}
		}
	})
}

// modify applies fn to a crawler's pending events by compare-and-set,
// making the document the first time.
func (p *pendingEvents) modify(ctx context.Context, name string, fn func(map[string]string)) error {
	_, err := catalog.UpdateDoc(ctx, p.s.opts.Catalog, kindPending, name, func(m *map[string]string, _ bool) error {
		if *m == nil {
			*m = map[string]string{}
		}
		fn(*m)
		return nil
	})
	return err
}

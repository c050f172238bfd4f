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

// Notify takes the lake's object events: those under the targets of
// CRAWL_EVENT_MODE crawlers are kept for their next crawl. They are
// buffered and saved to the catalog store within a second (the triggers
// part is what makes events themselves durable).
func (s *Service) Notify(ctx context.Context, e lake.Event) error {
	s.events.add(e)
	return nil
}

var _ lake.Notifier = (*Service)(nil)

type watched struct{ crawler, bucket, prefix string }

type pendingEvents struct {
	s     *Service
	mu    sync.Mutex
	buf   map[string]map[string]string // crawler → bucket/key → op
	watch []watched
}

func newPendingEvents(s *Service) *pendingEvents {
	return &pendingEvents{s: s, buf: map[string]map[string]string{}}
}

func (p *pendingEvents) add(e lake.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	op := "" // made for the first crawler that watches the key: most writes concern none
	for _, w := range p.watch {
		if e.Bucket == w.bucket && strings.HasPrefix(e.Key, w.prefix) {
			if op == "" {
				op = opPut
				if strings.HasPrefix(e.Name, "ObjectRemoved") {
					op = opDel
				}
				op += " " + e.Time.Format(time.RFC3339Nano)
			}
			if p.buf[w.crawler] == nil {
				p.buf[w.crawler] = map[string]string{}
			}
			p.buf[w.crawler][e.Bucket+"/"+e.Key] = op
		}
	}
}

// flushLoop saves buffered events every second and refreshes which
// crawlers listen every few.
func (p *pendingEvents) flushLoop(ctx context.Context) {
	p.refresh(ctx)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			p.flush(context.WithoutCancel(ctx)) // what arrived until now is kept
			return
		case <-t.C:
		}
		if i%5 == 0 {
			p.refresh(ctx)
		}
		p.flush(ctx)
	}
}

func (p *pendingEvents) refresh(ctx context.Context) {
	cs, err := p.s.ListCrawlers(ctx)
	if err != nil {
		p.s.log.Warn("event-mode crawlers not refreshed", "err", err)
		return
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
	p.mu.Lock()
	p.watch = w
	p.mu.Unlock()
}

// flush merges buffered events into each crawler's pending document.
func (p *pendingEvents) flush(ctx context.Context) {
	p.mu.Lock()
	buf := p.buf
	p.buf = map[string]map[string]string{}
	p.mu.Unlock()
	for name, evs := range buf {
		err := p.modify(ctx, name, func(m map[string]string) {
			for id, op := range evs {
				m[id] = op
			}
		})
		if err != nil {
			p.s.log.Error("crawl events not saved", "crawler", name, "events", len(evs), "err", err)
		}
	}
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

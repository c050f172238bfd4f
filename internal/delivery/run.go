package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
)

// lease says which tarn process runs a delivery, until when.
type lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

const (
	docLease  = "delivery-lease"
	leaseTime = 30 * time.Second
)

// Run starts and stops workers as deliveries come, change and go, until
// ctx ends or Close.
func (s *Service) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		s.supervise(ctx)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-time.After(2 * time.Second): // changes made by other processes
		}
		if ctx.Err() != nil {
			s.stopAll()
			return nil
		}
	}
}

// Close stops the workers (a buffer being written is finished first).
func (s *Service) Close() error {
	s.once.Do(func() { close(s.closed) })
	s.stopAll()
	return nil
}

func (s *Service) supervise(ctx context.Context) {
	cs, err := s.st.list(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("deliveries not listed", "err", err)
		}
		return
	}
	want := map[string]Config{}
	for _, c := range cs {
		want[c.Name] = c
	}
	s.mu.Lock()
	var stale []string
	for name, r := range s.workers {
		if c, ok := want[name]; !ok || c.Version != r.version {
			stale = append(stale, name)
		}
	}
	s.mu.Unlock()
	for _, name := range stale {
		s.stopWorker(name)
	}
	for _, c := range cs {
		s.mu.Lock()
		_, on := s.workers[c.Name]
		s.mu.Unlock()
		if on {
			s.renew(ctx, c.Name)
			continue
		}
		if s.renew(ctx, c.Name) {
			s.startWorker(ctx, c)
		}
	}
}

// renew takes or extends this process's lease on a delivery.
func (s *Service) renew(ctx context.Context, name string) bool {
	mine := false
	_, err := catalog.UpdateDoc(ctx, s.opts.Docs, docLease, name, func(l *lease, _ bool) error {
		if l.Owner != s.owner && time.Now().Before(l.Until) {
			return errHeld
		}
		l.Owner, l.Until, mine = s.owner, time.Now().Add(leaseTime), true
		return nil
	})
	if err != nil && !errors.Is(err, errHeld) && ctx.Err() == nil {
		s.log.Warn("delivery lease", "delivery", name, "err", err)
	}
	return err == nil && mine
}

var errHeld = errors.New("held by another process")

func (s *Service) startWorker(ctx context.Context, c Config) {
	wctx, cancel := context.WithCancel(ctx)
	w := &worker{s: s, cfg: c, docs: s.opts.Docs, streams: s.opts.Streams, source: c.SourceStream(),
		log: s.log.With("delivery", c.Name), stop: make(chan struct{})}
	r := &running{w: w, version: c.Version, cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.workers[c.Name] = r
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(r.done)
		defer cancel()
		if err := w.run(wctx); err != nil && wctx.Err() == nil {
			s.fail(c.Name, err.Error())
			s.log.Error("delivery stopped", "delivery", c.Name, "err", err)
		}
		s.mu.Lock()
		if s.workers[c.Name] == r {
			delete(s.workers, c.Name)
		}
		s.mu.Unlock()
	}()
}

// stopWorker asks a worker to stop after the buffer it is writing, and
// waits for it (a minute at most, then it is cancelled).
func (s *Service) stopWorker(name string) {
	s.mu.Lock()
	r := s.workers[name]
	delete(s.workers, name)
	s.mu.Unlock()
	if r == nil {
		return
	}
	close(r.w.stop)
	select {
	case <-r.done:
	case <-time.After(time.Minute):
		r.cancel()
		<-r.done
	}
	s.opts.Docs.DeleteDoc(context.Background(), docLease, name)
}

func (s *Service) stopAll() {
	s.mu.Lock()
	var names []string
	for n := range s.workers {
		names = append(names, n)
	}
	s.mu.Unlock()
	for _, n := range names {
		s.stopWorker(n)
	}
	s.wg.Wait()
}

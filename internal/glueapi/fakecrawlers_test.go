package glueapi

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/crawl"
)

// fakeCrawlers is an in-memory crawler service with the errors the real
// one returns. fail, when set, is what the next StartCrawler returns
// instead.
type fakeCrawlers struct {
	mu          sync.Mutex
	crawlers    map[string]crawl.Crawler
	classifiers map[string]crawl.Classifier
	runs        map[string][]crawl.Run // newest first
	fail        error
	clock       time.Time
}

var _ Crawlers = (*fakeCrawlers)(nil)

func newFakeCrawlers() *fakeCrawlers {
	return &fakeCrawlers{
		crawlers:    map[string]crawl.Crawler{},
		classifiers: map[string]crawl.Classifier{},
		runs:        map[string][]crawl.Run{},
		clock:       time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

// lock locks f and moves its clock on, so that each call has its own time.
func (f *fakeCrawlers) lock() {
	f.mu.Lock()
	f.clock = f.clock.Add(time.Second)
}

func notFound(kind, name string) error {
	return fmt.Errorf("%s %s: %w", kind, name, catalog.ErrNotFound)
}

// get returns the crawler or classifier name of m.
func get[T any](m map[string]T, kind, name string) (T, error) {
	v, ok := m[name]
	if !ok {
		return v, notFound(kind, name)
	}
	return v, nil
}

// sorted returns the crawlers or classifiers of m by name.
func sorted[T any](m map[string]T) []T {
	var out []T
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[name])
	}
	return out
}

func (f *fakeCrawlers) CreateCrawler(_ context.Context, c crawl.Crawler) error {
	f.lock()
	defer f.mu.Unlock()
	if _, ok := f.crawlers[c.Name]; ok {
		return fmt.Errorf("crawler %s: %w", c.Name, catalog.ErrExists)
	}
	if len(c.Targets) == 0 {
		return fmt.Errorf("%w: crawler %s has no targets", catalog.ErrInvalid, c.Name)
	}
	c.State, c.Created, c.Updated, c.Version = crawl.StateReady, f.clock, f.clock, 1
	f.crawlers[c.Name] = c
	return nil
}

func (f *fakeCrawlers) GetCrawler(_ context.Context, name string) (crawl.Crawler, error) {
	f.lock()
	defer f.mu.Unlock()
	return get(f.crawlers, "crawler", name)
}

func (f *fakeCrawlers) ListCrawlers(context.Context) ([]crawl.Crawler, error) {
	f.lock()
	defer f.mu.Unlock()
	return sorted(f.crawlers), nil
}

func (f *fakeCrawlers) UpdateCrawler(_ context.Context, c crawl.Crawler) error {
	f.lock()
	defer f.mu.Unlock()
	cur, err := get(f.crawlers, "crawler", c.Name)
	if err != nil {
		return err
	}
	if cur.State != crawl.StateReady {
		return crawl.ErrRunning
	}
	c.State, c.LastCrawl, c.Created, c.Version, c.Updated = cur.State, cur.LastCrawl, cur.Created, cur.Version+1, f.clock
	f.crawlers[c.Name] = c
	return nil
}

func (f *fakeCrawlers) DeleteCrawler(_ context.Context, name string) error {
	f.lock()
	defer f.mu.Unlock()
	c, ok := f.crawlers[name]
	switch {
	case !ok:
		return notFound("crawler", name)
	case c.State != crawl.StateReady:
		return crawl.ErrRunning
	}
	delete(f.crawlers, name)
	return nil
}

// StartCrawler starts a run that stays running until StopCrawler.
func (f *fakeCrawlers) StartCrawler(_ context.Context, name string) error {
	f.lock()
	defer f.mu.Unlock()
	if err := f.fail; err != nil {
		f.fail = nil
		return err
	}
	c, ok := f.crawlers[name]
	switch {
	case !ok:
		return notFound("crawler", name)
	case c.State == crawl.StateRunning:
		return crawl.ErrRunning
	case c.State == crawl.StateStopping:
		return crawl.ErrStopping
	}
	c.State, c.ElapsedMillis = crawl.StateRunning, 1500
	f.crawlers[name] = c
	run := crawl.Run{ID: fmt.Sprintf("run-%d", len(f.runs[name])+1), Crawler: name, State: crawl.RunRunning, Start: f.clock}
	f.runs[name] = append([]crawl.Run{run}, f.runs[name]...)
	return nil
}

// StopCrawler finishes the running crawl as a stopped one.
func (f *fakeCrawlers) StopCrawler(_ context.Context, name string) error {
	f.lock()
	defer f.mu.Unlock()
	c, ok := f.crawlers[name]
	switch {
	case !ok:
		return notFound("crawler", name)
	case c.State == crawl.StateReady:
		return crawl.ErrNotRunning
	case c.State == crawl.StateStopping:
		return crawl.ErrStopping
	}
	run := &f.runs[name][0]
	run.State, run.End, run.ErrorMessage = crawl.RunStopped, f.clock, "stopped by request"
	run.Summary = crawl.Summary{FilesListed: 3, TablesCreated: 1}
	c.State, c.ElapsedMillis = crawl.StateReady, 0
	c.LastCrawl = &crawl.LastCrawl{Status: crawl.LastCancelled, ErrorMessage: "stopped by request", StartTime: run.Start}
	f.crawlers[name] = c
	return nil
}

func (f *fakeCrawlers) CrawlerMetrics(_ context.Context, names []string) ([]crawl.Metrics, error) {
	f.lock()
	defer f.mu.Unlock()
	var out []crawl.Metrics
	for name, c := range f.crawlers {
		if len(names) == 0 || slices.Contains(names, name) {
			out = append(out, crawl.Metrics{CrawlerName: c.Name, LastRuntimeSeconds: 2.5, TablesCreated: len(f.runs[name])})
		}
	}
	return out, nil
}

func (f *fakeCrawlers) ListCrawls(_ context.Context, name string) ([]crawl.Run, error) {
	f.lock()
	defer f.mu.Unlock()
	if _, ok := f.crawlers[name]; !ok {
		return nil, notFound("crawler", name)
	}
	return slices.Clone(f.runs[name]), nil
}

func (f *fakeCrawlers) CreateClassifier(_ context.Context, c crawl.Classifier) error {
	f.lock()
	defer f.mu.Unlock()
	if _, ok := f.classifiers[c.Name]; ok {
		return fmt.Errorf("classifier %s: %w", c.Name, catalog.ErrExists)
	}
	c.Created, c.Updated, c.Version = f.clock, f.clock, 1
	f.classifiers[c.Name] = c
	return nil
}

func (f *fakeCrawlers) GetClassifier(_ context.Context, name string) (crawl.Classifier, error) {
	f.lock()
	defer f.mu.Unlock()
	return get(f.classifiers, "classifier", name)
}

func (f *fakeCrawlers) ListClassifiers(context.Context) ([]crawl.Classifier, error) {
	f.lock()
	defer f.mu.Unlock()
	return sorted(f.classifiers), nil
}

func (f *fakeCrawlers) UpdateClassifier(_ context.Context, c crawl.Classifier) error {
	f.lock()
	defer f.mu.Unlock()
	cur, err := get(f.classifiers, "classifier", c.Name)
	if err != nil {
		return err
	}
	c.Created, c.Updated, c.Version = cur.Created, f.clock, cur.Version+1
	f.classifiers[c.Name] = c
	return nil
}

func (f *fakeCrawlers) DeleteClassifier(_ context.Context, name string) error {
	f.lock()
	defer f.mu.Unlock()
	if _, ok := f.classifiers[name]; !ok {
		return notFound("classifier", name)
	}
	delete(f.classifiers, name)
	return nil
}

package crawl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/warehouse"
)

// Document kinds in the catalog store.
const (
	kindCrawler    = "crawler"
	kindClassifier = "classifier"
	kindRun        = "crawl-run"     // name: crawler/run id (ids sort by start time)
	kindState      = "crawl-state"   // name: crawler; what the last crawl saw
	kindPending    = "crawl-pending" // name: crawler; objects named by events
)

// Catalog is what crawls use of the catalog: the databases, tables and
// partitions they make, and the documents holding crawlers, classifiers
// and what their crawls saw.
type Catalog interface {
	catalog.Metadata
	catalog.Documents
}

// Options configures a Service.
type Options struct {
	Catalog Catalog
	Lake    lake.Objects
	// Warehouse is what JDBC targets crawl; nil: they fail.
	Warehouse interface {
		Tables(ctx context.Context, schema string) ([]warehouse.Table, error)
	}
	Log *slog.Logger
	// Registerer receives the crawl metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Workers is how many files are classified at once; default 8 (reads
	// wait on storage more than on the CPU).
	Workers int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// ScheduleEvery is how often schedules are checked; default 10s.
	ScheduleEvery time.Duration
	// Exclusive says no other process shares the catalog store (the
	// embedded one is locked to one): a crawl left RUNNING at start died
	// with the previous process and is ended at once, not after staleAfter.
	Exclusive bool
}

// Service keeps crawler and classifier definitions and runs crawls.
type Service struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics

	mu        sync.Mutex
	running   map[string]context.CancelFunc // crawls this process runs
	wg        sync.WaitGroup
	closed    chan struct{}
	closeOnce sync.Once
	events    *pendingEvents
}

// New starts a service: its scheduler and its event buffer.
func New(opts Options) *Service {
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ScheduleEvery <= 0 {
		opts.ScheduleEvery = 10 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		opts:    opts,
		log:     opts.Log.With("component", "crawl"),
		metrics: newMetrics(opts.Registerer),
		running: map[string]context.CancelFunc{},
		closed:  make(chan struct{}),
	}
	s.events = newPendingEvents(s)
	return s
}

// Recover marks the crawls a killed process left RUNNING as failed, on a
// store of this process's own (Options.Exclusive); a shared store's
// crawls are ended by heartbeat. Call it before serving.
func (s *Service) Recover(ctx context.Context) error {
	if s.opts.Exclusive {
		s.endOrphans(ctx)
	}
	return nil
}

// Run starts scheduled crawlers when their time comes, until ctx ends or
// Close. Crawls
// started by StartCrawler run with or without it.
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
	var wg sync.WaitGroup
	wg.Go(func() { s.schedule(ctx) })
	wg.Wait()
	return nil
}

// Close stops running crawls (they end STOPPED) and Run, and waits for
// them. Closing again does nothing.
func (s *Service) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	s.mu.Lock()
	for _, cancel := range s.running {
		cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// endOrphans marks crawls a previous process left running as failed.
func (s *Service) endOrphans(ctx context.Context) {
	cs, err := s.ListCrawlers(ctx)
	if err != nil {
		s.log.Error("crawler states not checked", "err", err)
		return
	}
	for _, c := range cs {
		if c.State == StateReady {
			continue
		}
		s.endStaleRun(ctx, c.Name)
		s.setReady(ctx, c.Name, &LastCrawl{Status: LastFailed, ErrorMessage: "tarn stopped during this crawl", StartTime: s.now()})
		s.log.Warn("crawl left running by a stopped tarn marked failed", "crawler", c.Name)
	}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC() }

// getDoc decodes a document into v and returns its revision.
func (s *Service) getDoc(ctx context.Context, kind, name string, v any) (int64, error) {
	d, err := s.opts.Catalog.GetDoc(ctx, kind, name)
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(d.Body, v); err != nil {
		return 0, fmt.Errorf("decode %s %s: %w", kind, name, err)
	}
	return d.Rev, nil
}

func (s *Service) putDoc(ctx context.Context, kind, name string, v any, rev int64) (int64, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encode %s %s: %w", kind, name, err)
	}
	d, err := s.opts.Catalog.PutDoc(ctx, catalog.Doc{Kind: kind, Name: name, Body: body}, rev)
	return d.Rev, err
}

// CreateCrawler stores a new crawler, READY.
func (s *Service) CreateCrawler(ctx context.Context, c Crawler) error {
	if err := s.validate(ctx, &c); err != nil {
		return err
	}
	c.State, c.Created, c.Updated, c.Version, c.LastCrawl = StateReady, s.now(), s.now(), 1, nil
	_, err := s.putDoc(ctx, kindCrawler, c.Name, c, 0)
	if errors.Is(err, catalog.ErrExists) {
		return fmt.Errorf("crawler %s: %w", c.Name, catalog.ErrExists)
	}
	return err
}

// GetCrawler returns a crawler with its state.
func (s *Service) GetCrawler(ctx context.Context, name string) (Crawler, error) {
	var c Crawler
	if _, err := s.getDoc(ctx, kindCrawler, name, &c); err != nil {
		return c, notFound("crawler", name, err)
	}
	if c.State != StateReady {
		if run, err := s.latestRun(ctx, name); err == nil && run.State == RunRunning {
			c.ElapsedMillis = s.now().Sub(run.Start).Milliseconds()
		}
	}
	return c, nil
}

// ListCrawlers returns every crawler, ordered by name.
func (s *Service) ListCrawlers(ctx context.Context) ([]Crawler, error) {
	docs, err := s.opts.Catalog.ListDocs(ctx, kindCrawler, "")
	if err != nil {
		return nil, err
	}
	out := make([]Crawler, 0, len(docs))
	for _, d := range docs {
		var c Crawler
		if err := json.Unmarshal(d.Body, &c); err != nil {
			return nil, fmt.Errorf("decode crawler %s: %w", d.Name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// UpdateCrawler replaces a crawler's definition; not while it runs.
func (s *Service) UpdateCrawler(ctx context.Context, c Crawler) error {
	if err := s.validate(ctx, &c); err != nil {
		return err
	}
	return s.modifyCrawler(ctx, c.Name, func(cur *Crawler) error {
		if cur.State != StateReady {
			return fmt.Errorf("update crawler %s: %w", c.Name, ErrRunning)
		}
		c.State, c.Created, c.LastCrawl, c.Version, c.Updated = cur.State, cur.Created, cur.LastCrawl, cur.Version+1, s.now()
		*cur = c
		return nil
	})
}

// modifyCrawler applies fn to the stored crawler by compare-and-set.
func (s *Service) modifyCrawler(ctx context.Context, name string, fn func(*Crawler) error) error {
	_, err := catalog.UpdateDoc(ctx, s.opts.Catalog, kindCrawler, name, func(c *Crawler, exists bool) error {
		if !exists {
			return notFound("crawler", name, catalog.ErrNotFound)
		}
		return fn(c)
	})
	return err
}

// DeleteCrawler deletes a crawler with its history; not while it runs.
func (s *Service) DeleteCrawler(ctx context.Context, name string) error {
	c, err := s.GetCrawler(ctx, name)
	if err != nil {
		return err
	}
	if c.State != StateReady && !s.stale(ctx, name) {
		return fmt.Errorf("delete crawler %s: %w", name, ErrRunning)
	}
	runs, _ := s.opts.Catalog.ListDocs(ctx, kindRun, name+"/")
	for _, r := range runs {
		s.opts.Catalog.DeleteDoc(ctx, kindRun, r.Name)
	}
	s.opts.Catalog.DeleteDoc(ctx, kindState, name)
	s.opts.Catalog.DeleteDoc(ctx, kindPending, name)
	return notFound("crawler", name, s.opts.Catalog.DeleteDoc(ctx, kindCrawler, name))
}

func (s *Service) validate(ctx context.Context, c *Crawler) error {
	if _, err := catalog.Name("crawler name", c.Name); err != nil {
		return err
	}
	if strings.ContainsAny(c.Name, "/") {
		return fmt.Errorf("%w: crawler name %q holds '/'", catalog.ErrInvalid, c.Name)
	}
	if c.DatabaseName == "" {
		return fmt.Errorf("%w: crawler %s names no database (DatabaseName)", catalog.ErrInvalid, c.Name)
	}
	if len(c.Targets) == 0 && len(c.JdbcTargets) == 0 {
		return fmt.Errorf("%w: crawler %s has no S3 or JDBC targets", catalog.ErrInvalid, c.Name)
	}
	for i, t := range c.JdbcTargets {
		if strings.Count(t.Path, "/") != 2 {
			return fmt.Errorf("%w: JDBC target %d: path %q is not database/schema/table", catalog.ErrInvalid, i, t.Path)
		}
	}
	for i, t := range c.Targets {
		if _, _, err := parseS3Path(t.Path); err != nil {
			return fmt.Errorf("%w: target %d: %v", catalog.ErrInvalid, i, err)
		}
		for _, ex := range t.Exclusions {
			if _, err := compileGlob(ex); err != nil {
				return fmt.Errorf("%w: target %d exclusion %q: %v", catalog.ErrInvalid, i, ex, err)
			}
		}
		if t.SampleSize < 0 || t.SampleSize > 249 {
			return fmt.Errorf("%w: target %d SampleSize %d is not within 1..249", catalog.ErrInvalid, i, t.SampleSize)
		}
	}
	p := &c.SchemaChangePolicy
	p.UpdateBehavior = orDefault(p.UpdateBehavior, UpdateInDB)
	p.DeleteBehavior = orDefault(p.DeleteBehavior, DeprecateInDB)
	c.RecrawlBehavior = orDefault(c.RecrawlBehavior, RecrawlAll)
	if err := oneOf("UpdateBehavior", p.UpdateBehavior, UpdateLog, UpdateInDB); err != nil {
		return err
	}
	if err := oneOf("DeleteBehavior", p.DeleteBehavior, DeleteLog, DeleteFromDB, DeprecateInDB); err != nil {
		return err
	}
	if err := oneOf("RecrawlBehavior", c.RecrawlBehavior, RecrawlAll, RecrawlNew, RecrawlEvents); err != nil {
		return err
	}
	if c.RecrawlBehavior != RecrawlAll && (p.UpdateBehavior != UpdateLog || p.DeleteBehavior != DeleteLog) {
		// Glue's rule: an incremental crawl sees too little to change or
		// delete what exists.
		return fmt.Errorf("%w: RecrawlBehavior %s needs SchemaChangePolicy LOG/LOG", catalog.ErrInvalid, c.RecrawlBehavior)
	}
	if c.Schedule != "" {
		if _, err := parseSchedule(c.Schedule); err != nil {
			return fmt.Errorf("%w: schedule %q: %v", catalog.ErrInvalid, c.Schedule, err)
		}
	}
	if _, err := parseConfiguration(c.Configuration); err != nil {
		return fmt.Errorf("%w: Configuration: %v", catalog.ErrInvalid, err)
	}
	for _, name := range c.Classifiers {
		if _, err := s.GetClassifier(ctx, name); err != nil {
			return fmt.Errorf("%w: crawler %s names classifier %s: %v", catalog.ErrInvalid, c.Name, name, err)
		}
	}
	// The database need not exist: Glue creates it on the first crawl, and
	// so does tarn.
	return nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func oneOf(field, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%w: %s %q is not one of %s", catalog.ErrInvalid, field, v, strings.Join(allowed, ", "))
}

// notFound words a missing document as the entity it holds.
func notFound(what, name string, err error) error {
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%s %s: %w", what, name, catalog.ErrNotFound)
	}
	return err
}

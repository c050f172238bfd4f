package crawl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
)

const (
	// heartbeat is how often a running crawl saves its progress; a RUNNING
	// crawl silent for staleAfter died with its process.
	heartbeat  = 2 * time.Second
	staleAfter = 30 * time.Second
	maxSkipped = 1000
)

// run is one crawl in progress.
type run struct {
	s           *Service
	c           Crawler
	id          string
	start       time.Time
	prev        state
	classifiers []namedClassifier
	fingerprint string
	sum         Summary

	listed, classified, bytesRead atomic.Int64
}

type namedClassifier struct {
	name string
	fn   classifierFunc
}

// StartCrawler starts a crawl in the background. ErrRunning if one runs.
func (s *Service) StartCrawler(ctx context.Context, name string) error {
	select {
	case <-s.closed:
		return fmt.Errorf("start crawler %s: tarn is shutting down", name)
	default:
	}
	var c Crawler
	err := s.modifyCrawler(ctx, name, func(cur *Crawler) error {
		if cur.State != StateReady {
			if !s.stale(ctx, name) {
				if cur.State == StateStopping {
					return fmt.Errorf("crawler %s: %w", name, ErrStopping)
				}
				return fmt.Errorf("crawler %s: %w", name, ErrRunning)
			}
			s.endStaleRun(ctx, name)
		}
		cur.State = StateRunning
		c = *cur
		return nil
	})
	if err != nil {
		return err
	}
	r := &run{s: s, c: c, start: s.now()}
	r.id = r.start.Format("20060102T150405.000000Z") + "-" + randomHex(4)
	if err := r.save(ctx, RunRunning, ""); err != nil {
		s.setReady(context.WithoutCancel(ctx), name, &LastCrawl{Status: LastFailed, ErrorMessage: err.Error(), StartTime: r.start})
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.running[name] = cancel
	s.mu.Unlock()
	s.wg.Go(func() {
		defer cancel()
		r.execute(runCtx)
		s.mu.Lock()
		delete(s.running, name)
		s.mu.Unlock()
	})
	return nil
}

// StopCrawler asks a running crawl to stop; it ends STOPPED and changes
// nothing more in the catalog.
func (s *Service) StopCrawler(ctx context.Context, name string) error {
	err := s.modifyCrawler(ctx, name, func(cur *Crawler) error {
		switch cur.State {
		case StateReady:
			return fmt.Errorf("crawler %s: %w", name, ErrNotRunning)
		case StateStopping:
			if !s.stale(ctx, name) {
				return fmt.Errorf("crawler %s: %w", name, ErrStopping)
			}
		}
		cur.State = StateStopping
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	cancel := s.running[name]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	} else if s.stale(ctx, name) { // nobody runs it any more
		s.endStaleRun(ctx, name)
		s.setReady(ctx, name, &LastCrawl{Status: LastCancelled, ErrorMessage: "stopped after its process ended", StartTime: s.now()})
	}
	return nil
}

// stale reports whether a crawler marked running has no live crawl: not
// here, and its newest run silent for staleAfter.
func (s *Service) stale(ctx context.Context, name string) bool {
	s.mu.Lock()
	_, here := s.running[name]
	s.mu.Unlock()
	if here {
		return false
	}
	d, run, err := s.latestRunDoc(ctx, name)
	if errors.Is(err, catalog.ErrNotFound) {
		return true
	}
	return err == nil && (run.State != RunRunning || s.now().Sub(d.Updated) > staleAfter)
}

func (s *Service) endStaleRun(ctx context.Context, name string) {
	d, run, err := s.latestRunDoc(ctx, name)
	if err != nil || run.State != RunRunning {
		return
	}
	run.State, run.End, run.ErrorMessage = RunFailed, s.now(), "the tarn process running this crawl stopped"
	s.putDoc(ctx, kindRun, d.Name, run, d.Rev)
}

func (s *Service) setReady(ctx context.Context, name string, last *LastCrawl) {
	err := s.modifyCrawler(ctx, name, func(c *Crawler) error {
		c.State, c.LastCrawl = StateReady, last
		return nil
	})
	if err != nil {
		s.log.Error("crawler state not saved", "crawler", name, "err", err)
	}
}

// execute runs the crawl and records how it ended.
func (r *run) execute(ctx context.Context) {
	s := r.s
	s.log.Info("crawl started", "crawler", r.c.Name, "run", r.id)
	done := make(chan struct{})
	go r.beat(ctx, done)
	err := r.crawl(ctx)
	close(done)
	end := context.WithoutCancel(ctx)
	elapsed := s.now().Sub(r.start)
	state, last := RunCompleted, &LastCrawl{Status: LastSucceeded, StartTime: r.start}
	msg := ""
	switch {
	case err == nil:
	case ctx.Err() != nil:
		state, last.Status, msg = RunStopped, LastCancelled, "stopped by StopCrawler or shutdown"
	default:
		state, last.Status, msg = RunFailed, LastFailed, err.Error()
	}
	last.ErrorMessage = msg
	if err := r.save(end, state, msg); err != nil {
		s.log.Error("crawl run not saved", "crawler", r.c.Name, "err", err)
	}
	s.pruneRuns(end, r.c.Name) // before READY: whoever waits for it sees the pruned history
	s.setReady(end, r.c.Name, last)
	s.metrics.runs.WithLabelValues(state).Inc()
	s.metrics.duration.Observe(elapsed.Seconds())
	s.log.Info("crawl ended", "crawler", r.c.Name, "run", r.id, "state", state, "err", msg,
		"seconds", elapsed.Seconds(), "files", r.sum.FilesListed, "classified", r.sum.FilesClassified,
		"skipped", r.sum.FilesSkipped, "bytes_read", r.sum.BytesRead, "tables_created", r.sum.TablesCreated,
		"tables_updated", r.sum.TablesUpdated, "partitions_added", r.sum.PartitionsAdded)
}

// beat saves progress while the crawl runs and stops it when another
// process asked (StopCrawler sets STOPPING in the shared store).
func (r *run) beat(ctx context.Context, done chan struct{}) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		r.save(ctx, RunRunning, "")
		if c, err := r.s.GetCrawler(ctx, r.c.Name); err == nil && c.State == StateStopping {
			r.s.mu.Lock()
			if cancel := r.s.running[r.c.Name]; cancel != nil {
				cancel()
			}
			r.s.mu.Unlock()
		}
	}
}

// save writes the run document with the progress so far.
func (r *run) save(ctx context.Context, state, msg string) error {
	sum := r.sum
	sum.FilesListed = int(r.listed.Load())
	sum.FilesClassified = int(r.classified.Load())
	sum.BytesRead = r.bytesRead.Load()
	doc := Run{ID: r.id, Crawler: r.c.Name, State: state, Start: r.start, ErrorMessage: msg, Summary: sum}
	if state != RunRunning {
		doc.End = r.s.now()
	}
	_, err := r.s.putDoc(ctx, kindRun, r.c.Name+"/"+r.id, doc, catalog.AnyRev)
	return err
}

// crawl does the work: classify, group, apply, remember.
func (r *run) crawl(ctx context.Context) error {
	if len(r.c.JdbcTargets) > 0 {
		if err := r.crawlWarehouse(ctx); err != nil || len(r.c.Targets) == 0 {
			return err
		}
	}
	if err := r.loadClassifiers(ctx); err != nil {
		return err
	}
	if err := r.loadState(ctx); err != nil {
		return err
	}
	cfg, err := parseConfiguration(r.c.Configuration)
	if err != nil {
		return err
	}
	files, taken, err := r.files(ctx)
	if err != nil {
		return err
	}
	byTarget := make([][]*file, len(r.c.Targets))
	for _, f := range files {
		byTarget[f.target] = append(byTarget[f.target], f)
	}
	for i, t := range r.c.Targets {
		r.sampleFiles(ctx, byTarget[i], t.SampleSize)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	next := state{Classifiers: r.fingerprint, Files: make(map[string]*sample, len(files))}
	var specs []tableSpec
	for i, t := range r.c.Targets {
		for _, f := range byTarget[i] {
			next.Files[f.id()] = f.s
			if f.s.Skip != "" {
				r.skip(f.id(), f.s.Skip)
			}
		}
		bucket, prefix, _ := parseS3Path(t.Path)
		specs = append(specs, newGrouper(cfg).group(bucket, prefix, byTarget[i])...)
	}
	r.sum.FilesListed = int(r.listed.Load())
	r.sum.FilesClassified = int(r.classified.Load())
	r.sum.BytesRead = r.bytesRead.Load()
	if err := r.apply(ctx, specs); err != nil {
		return err
	}
	if _, err := r.s.putDoc(ctx, kindState, r.c.Name, next, catalog.AnyRev); err != nil {
		return fmt.Errorf("save crawl state: %w", err)
	}
	r.s.events.done(ctx, r.c.Name, taken)
	r.s.metrics.files.WithLabelValues("classified").Add(float64(r.sum.FilesClassified))
	r.s.metrics.files.WithLabelValues("skipped").Add(float64(r.sum.FilesSkipped))
	r.s.metrics.bytes.Add(float64(r.sum.BytesRead))
	return nil
}

func (r *run) skip(id, why string) {
	r.sum.FilesSkipped++
	if len(r.sum.Skipped) < maxSkipped {
		r.sum.Skipped = append(r.sum.Skipped, Skip{Path: "s3://" + id, Reason: why})
	}
}

func (r *run) loadClassifiers(ctx context.Context) error {
	var fp []string
	for _, name := range r.c.Classifiers {
		c, err := r.s.GetClassifier(ctx, name)
		if err != nil {
			return err
		}
		fn, err := compileClassifier(c)
		if err != nil {
			return err
		}
		r.classifiers = append(r.classifiers, namedClassifier{name: c.Name, fn: fn})
		fp = append(fp, fmt.Sprintf("%s@%d", c.Name, c.Version))
	}
	r.fingerprint = strings.Join(fp, ",")
	return nil
}

// loadState reads what the last crawl saw. Samples are reused only while
// the custom classifiers are the same.
func (r *run) loadState(ctx context.Context) error {
	_, err := r.s.getDoc(ctx, kindState, r.c.Name, &r.prev)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	if r.prev.Files == nil || r.prev.Classifiers != r.fingerprint && r.c.RecrawlBehavior == RecrawlAll {
		r.prev.Files = map[string]*sample{}
	}
	return nil
}

// files returns the files of this crawl per the recrawl policy, and the
// pending events it consumed.
func (r *run) files(ctx context.Context) ([]*file, map[string]string, error) {
	first := len(r.prev.Files) == 0
	if r.c.RecrawlBehavior == RecrawlEvents && !first {
		return r.eventFiles(ctx)
	}
	var files []*file
	for i, t := range r.c.Targets {
		fs, err := r.listTarget(ctx, i, t)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, fs...)
	}
	if r.c.RecrawlBehavior == RecrawlNew && !first {
		known := map[string]bool{}
		for id := range r.prev.Files {
			known[path.Dir(id)] = true
		}
		files = slices.DeleteFunc(files, func(f *file) bool {
			_, had := r.prev.Files[f.id()]
			return !had && known[path.Dir(f.id())]
		})
	}
	return files, nil, nil
}

// eventFiles is the previous crawl's files changed by the objects that
// events named since.
func (r *run) eventFiles(ctx context.Context) ([]*file, map[string]string, error) {
	pending, err := r.s.events.take(ctx, r.c.Name)
	if err != nil {
		return nil, nil, err
	}
	ids := map[string]bool{}
	for id := range r.prev.Files {
		ids[id] = true
	}
	for id, op := range pending {
		ids[id] = strings.HasPrefix(op, opPut)
	}
	var files []*file
	keys := make([]string, 0, len(ids))
	for id, keep := range ids {
		if keep {
			keys = append(keys, id)
		}
	}
	sort.Strings(keys)
	for _, id := range keys {
		bucket, key, _ := strings.Cut(id, "/")
		ti, rel, ok := r.target(bucket, key)
		if !ok {
			continue
		}
		f := &file{bucket: bucket, key: key, rel: rel, target: ti}
		if _, changed := pending[id]; changed {
			oi, err := r.s.opts.Lake.Head(ctx, bucket, key)
			if err != nil {
				continue // gone again since the event
			}
			f.size, f.etag = oi.Size, oi.ETag
		} else {
			f.size, f.etag = r.prev.Files[id].Size, r.prev.Files[id].ETag
		}
		files = append(files, f)
	}
	r.listed.Store(int64(len(files)))
	return files, pending, nil
}

// target finds the target holding key and the key relative to it.
func (r *run) target(bucket, key string) (int, string, bool) {
	for i, t := range r.c.Targets {
		b, p, _ := parseS3Path(t.Path)
		if b == bucket && strings.HasPrefix(key, p) {
			return i, strings.TrimPrefix(key, p), true
		}
	}
	return 0, "", false
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// latestRunDoc returns a crawler's newest run.
func (s *Service) latestRunDoc(ctx context.Context, name string) (catalog.Doc, Run, error) {
	docs, err := s.opts.Catalog.ListDocs(ctx, kindRun, name+"/")
	if err != nil {
		return catalog.Doc{}, Run{}, err
	}
	if len(docs) == 0 {
		return catalog.Doc{}, Run{}, fmt.Errorf("runs of %s: %w", name, catalog.ErrNotFound)
	}
	d := docs[len(docs)-1]
	var run Run
	err = json.Unmarshal(d.Body, &run)
	return d, run, err
}

func (s *Service) latestRun(ctx context.Context, name string) (Run, error) {
	_, run, err := s.latestRunDoc(ctx, name)
	return run, err
}

package crawl

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// keepRuns is how many runs of a crawler the history keeps.
const keepRuns = 100

// ListCrawls returns a crawler's runs, newest first.
func (s *Service) ListCrawls(ctx context.Context, name string) ([]Run, error) {
	if _, err := s.GetCrawler(ctx, name); err != nil {
		return nil, err
	}
	docs, err := s.opts.Catalog.ListDocs(ctx, kindRun, name+"/")
	if err != nil {
		return nil, err
	}
	out := make([]Run, 0, len(docs))
	for i := len(docs) - 1; i >= 0; i-- {
		var r Run
		if err := json.Unmarshal(docs[i].Body, &r); err != nil {
			return nil, fmt.Errorf("decode run %s: %w", docs[i].Name, err)
		}
		out = append(out, r)
	}
	if len(out) > keepRuns { // pruneRuns has not run since the last crawls
		out = out[:keepRuns]
	}
	return out, nil
}

// pruneRuns drops a crawler's oldest runs beyond keepRuns; a crawl calls
// it as it ends.
func (s *Service) pruneRuns(ctx context.Context, name string) {
	docs, err := s.opts.Catalog.ListDocs(ctx, kindRun, name+"/")
	if err != nil {
		s.log.Warn("crawl history not pruned", "crawler", name, "err", err)
		return
	}
	for i := 0; i < len(docs)-keepRuns; i++ {
		s.opts.Catalog.DeleteDoc(ctx, kindRun, docs[i].Name)
	}
}

// CrawlerMetrics returns the figures of the named crawlers (all if none),
// from their run history.
func (s *Service) CrawlerMetrics(ctx context.Context, names []string) ([]Metrics, error) {
	if len(names) == 0 {
		cs, err := s.ListCrawlers(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			names = append(names, c.Name)
		}
	}
	var out []Metrics
	for _, name := range names {
		runs, err := s.ListCrawls(ctx, name)
		if err != nil {
			return nil, err
		}
		m := Metrics{CrawlerName: name}
		var times []float64
		lastDone := false
		for _, r := range runs {
			if r.State == RunRunning {
				m.StillEstimating = true
				continue
			}
			secs := r.End.Sub(r.Start).Seconds()
			times = append(times, secs)
			if !lastDone {
				lastDone = true
				m.LastRuntimeSeconds = secs
				m.TablesCreated, m.TablesUpdated, m.TablesDeleted = r.Summary.TablesCreated, r.Summary.TablesUpdated, r.Summary.TablesDeleted
			}
		}
		if len(times) > 0 {
			sort.Float64s(times)
			m.MedianRuntimeSeconds = times[len(times)/2]
		}
		if m.StillEstimating && m.MedianRuntimeSeconds > 0 {
			el := time.Duration(0)
			if len(runs) > 0 {
				el = s.now().Sub(runs[0].Start)
			}
			m.TimeLeftSeconds = max(0, m.MedianRuntimeSeconds-el.Seconds())
			m.StillEstimating = false
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Metrics) int { return strings.Compare(a.CrawlerName, b.CrawlerName) })
	return out, nil
}

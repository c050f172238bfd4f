package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// part is a long-running piece of tarn serve. Run works until ctx ends
// (returning nil) or it fails; Close releases what it holds, after Run has
// returned.
type part struct {
	name  string
	start func(ctx context.Context) error // before any part runs, in order (repairs after a crash)
	run   func(ctx context.Context) error // nil: nothing to run, only to close
	close func() error
}

// runParts starts the parts in order, then runs every part's Run at once
// until ctx ends or one fails (the first error stops all), then closes
// them in reverse order; errors are joined.
func runParts(ctx context.Context, log *slog.Logger, parts []part) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, p := range parts {
		if p.start == nil {
			continue
		}
		if err := p.start(ctx); err != nil {
			return errors.Join(fmt.Errorf("%s: %w", p.name, err), closeParts(parts))
		}
	}
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for _, p := range parts {
		if p.run == nil {
			continue
		}
		wg.Go(func() {
			err := p.run(ctx)
			if err != nil && ctx.Err() == nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("%s: %w", p.name, err)
				}
				mu.Unlock()
				log.Error("part failed, stopping", "part", p.name, "err", err)
			}
			cancel()
		})
	}
	<-ctx.Done()
	log.Info("stopping: draining requests, then closing in reverse order")
	wg.Wait()
	return errors.Join(first, closeParts(parts))
}

// closeParts closes parts in reverse order.
func closeParts(parts []part) error {
	var errs []error
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i].close == nil {
			continue
		}
		if err := parts[i].close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", parts[i].name, err))
		}
	}
	return errors.Join(errs...)
}

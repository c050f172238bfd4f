package stream

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Work runs handle on every record c fetches, up to concurrency at once,
// until ctx ends. A batch is acknowledged once handle has settled each of
// its records: a record whose handle fails is retried with growing waits,
// so a crash or shutdown leaves it unacknowledged and it comes again.
// Handlers must therefore be idempotent, or at-least-once by contract.
func Work(ctx context.Context, c Consumer, concurrency int, log *slog.Logger, handle func(ctx context.Context, r Record) error) {
	if concurrency <= 0 {
		concurrency = 1
	}
	for ctx.Err() == nil {
		recs, err := c.Fetch(ctx, 64, time.Second)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("fetch", "err", err)
				pause(ctx, time.Second)
			}
			continue
		}
		if len(recs) == 0 {
			continue
		}
		sem := make(chan struct{}, concurrency)
		var wg sync.WaitGroup
		for _, r := range recs {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				for wait := 100 * time.Millisecond; ; wait = min(2*wait, 30*time.Second) {
					err := handle(ctx, r)
					if err == nil || ctx.Err() != nil {
						return
					}
					log.Error("record not settled; retrying", "seq", r.Seq, "err", err, "retry_in", wait)
					pause(ctx, wait)
				}
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return
		}
		if err := c.Ack(ctx, recs[len(recs)-1]); err != nil && ctx.Err() == nil {
			log.Error("ack", "err", err)
		}
	}
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

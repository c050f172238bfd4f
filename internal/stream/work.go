package stream

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Batches hands the records c fetches to handle, a batch at a time, until
// ctx ends. A batch is acknowledged once handle returns nil; its error
// makes it retry the batch with growing waits, so a crash or shutdown
// leaves the batch unacknowledged and it comes again: handle must take a
// batch twice without harm (idempotent, or at-least-once by contract).
func Batches(ctx context.Context, c Consumer, max int, log *slog.Logger, handle func(ctx context.Context, recs []Record) error) {
	for ctx.Err() == nil {
		recs, err := c.Fetch(ctx, max, time.Second)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("fetch", "err", err)
				Pause(ctx, time.Second)
			}
			continue
		}
		if len(recs) == 0 {
			continue
		}
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 30*time.Second) {
			err := handle(ctx, recs)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				break
			}
			log.Error("records not settled; retrying", "first_seq", recs[0].Seq, "records", len(recs), "err", err, "retry_in", wait)
			Pause(ctx, wait)
		}
		if err := c.Ack(ctx, recs[len(recs)-1]); err != nil && ctx.Err() == nil {
			log.Error("ack", "err", err)
		}
	}
}

// Work is Batches with each record handled on its own, up to concurrency
// at once; a record whose handle fails is retried alone, the others of
// its batch staying settled.
func Work(ctx context.Context, c Consumer, concurrency int, log *slog.Logger, handle func(ctx context.Context, r Record) error) {
	concurrency = max(concurrency, 1)
	Batches(ctx, c, 64, log, func(ctx context.Context, recs []Record) error {
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
					Pause(ctx, wait)
				}
			}()
		}
		wg.Wait()
		return ctx.Err()
	})
}

// Pause waits d or until ctx ends.
func Pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

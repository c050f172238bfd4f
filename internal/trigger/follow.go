package trigger

import (
	"context"
	"fmt"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
)

// Event is the lake event a record describes.
func (r Record) Event() lake.Event {
	t, _ := time.Parse("2006-01-02T15:04:05.000Z", r.EventTime)
	return lake.Event{Name: r.EventName, Bucket: r.S3.Bucket.Name, Key: r.Key(), Size: r.S3.Object.Size,
		ETag: r.S3.Object.ETag, Time: t}
}

// Follow hands the log's events to fn in batches, in order, through the
// named durable consumer, until ctx ends. A batch is acknowledged once fn
// returns nil; fn's error makes it retry the batch after a pause, so fn
// must take a batch twice without harm.
func (l *Log) Follow(ctx context.Context, consumer string, fn func(ctx context.Context, evs []lake.Event) error) error {
	c, err := l.streams.Consumer(ctx, l.opts.Stream, consumer)
	if err != nil {
		return fmt.Errorf("follow the event log: %w", err)
	}
	defer c.Close()
	log := l.opts.Log.With("consumer", consumer)
	for ctx.Err() == nil {
		recs, err := c.Fetch(ctx, 256, time.Second)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("fetch from the event log", "err", err)
				pause(ctx, time.Second)
			}
			continue
		}
		if len(recs) == 0 {
			continue
		}
		var evs []lake.Event
		for _, rec := range recs {
			m, err := decodeMessage(rec.Data)
			if err != nil {
				log.Warn("event log record skipped", "seq", rec.Seq, "err", err)
				continue
			}
			for _, r := range m.Records {
				evs = append(evs, r.Event())
			}
		}
		for wait := 100 * time.Millisecond; ctx.Err() == nil; wait = min(2*wait, 30*time.Second) {
			if err = fn(ctx, evs); err == nil {
				break
			}
			log.Error("events not taken; retrying", "events", len(evs), "err", err, "retry_in", wait)
			pause(ctx, wait)
		}
		if err != nil {
			break
		}
		if err := c.Ack(ctx, recs[len(recs)-1]); err != nil && ctx.Err() == nil {
			log.Error("ack the event log", "err", err)
		}
	}
	return nil
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

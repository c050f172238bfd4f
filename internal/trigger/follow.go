package trigger

import (
	"context"
	"fmt"
	"time"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/stream"
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
	stream.Batches(ctx, c, 256, l.opts.Log.With("consumer", consumer), func(ctx context.Context, recs []stream.Record) error {
		var evs []lake.Event
		for _, rec := range recs {
			m, err := decodeMessage(rec.Data)
			if err != nil {
				l.opts.Log.Warn("event log record skipped", "seq", rec.Seq, "err", err)
				continue
			}
			for _, r := range m.Records {
				evs = append(evs, r.Event())
			}
		}
		return fn(ctx, evs)
	})
	return nil
}

package delivery

import (
	"context"
	"log/slog"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/stream"
)

// worker runs one delivery: it buffers its source's records and writes
// each full buffer into the lake, exactly once.
type worker struct {
	s       *Service
	cfg     Config
	docs    catalog.Documents
	streams stream.Store
	source  string // the stream it reads
	log     *slog.Logger
	stop    chan struct{} // closed: stop after the buffer being written
}

// consumer names the worker's durable consumer of its source.
func (w *worker) consumer() string { return "tarn-firehose-" + w.cfg.Name }

func (w *worker) run(ctx context.Context) error {
	cp, err := w.loadCheckpoint(ctx)
	if err != nil {
		return err
	}
	if sp := cp.Pending; sp != nil {
		// A buffer a crash or a stop cut short: the same records make
		// the same objects.
		recs, err := w.reread(ctx, *sp)
		if err != nil {
			return err
		}
		if err := w.deliver(ctx, recs, *sp); err != nil {
			return err
		}
		cp.Last, cp.Pending = sp.Last, nil
	}
	c, err := w.streams.Consumer(ctx, w.source, w.consumer())
	if err != nil {
		return err
	}
	defer c.Close()
	limit, interval := w.cfg.S3.limits()
	var (
		buf   []stream.Record
		size  int
		since time.Time
	)
	for {
		select {
		case <-w.stop:
			return nil
		case <-ctx.Done():
			return nil
		default:
		}
		wait := time.Second
		if len(buf) > 0 {
			wait = max(min(time.Until(since.Add(interval)), wait), time.Millisecond)
		}
		recs, err := c.Fetch(ctx, 1000, wait)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			w.s.fail(w.cfg.Name, "reading the source: "+err.Error())
			stream.Pause(ctx, time.Second)
			continue
		}
		for _, r := range recs {
			// Delivered before a crash, or fetched twice (the source hands
			// out again what stays unacknowledged for a minute).
			if r.Seq <= cp.Last || len(buf) > 0 && r.Seq <= buf[len(buf)-1].Seq {
				continue
			}
			if len(buf) == 0 {
				since = time.Now()
			}
			buf = append(buf, r)
			size += len(r.Data)
			w.s.metrics.incoming(w.cfg.Name, len(r.Data))
		}
		if len(buf) == 0 || size < limit && time.Since(since) < interval {
			continue
		}
		sp := spanOf(buf)
		if err := w.saveCheckpoint(ctx, func(c *checkpoint) { c.Pending = &sp }); err != nil {
			return err
		}
		if err := w.deliver(ctx, buf, sp); err != nil {
			return err
		}
		if err := w.saveCheckpoint(ctx, func(c *checkpoint) { c.Last, c.Pending = sp.Last, nil }); err != nil {
			return err
		}
		cp.Last = sp.Last
		if err := c.Ack(ctx, buf[len(buf)-1]); err != nil && ctx.Err() == nil {
			w.log.Warn("ack", "err", err) // the records come again and are skipped
		}
		buf, size = nil, 0
	}
}

// deliver writes a buffer, trying again until it is written or ctx ends:
// a buffer is never dropped.
func (w *worker) deliver(ctx context.Context, recs []stream.Record, sp span) error {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		err := w.write(ctx, recs, sp)
		if err == nil {
			w.s.ok(w.cfg.Name)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.s.fail(w.cfg.Name, err.Error())
		w.log.Error("buffer not delivered; retrying", "records", len(recs), "err", err, "retry_in", wait)
		stream.Pause(ctx, wait)
	}
}

package delivery

import (
	"context"
	"log/slog"
	"time"

	"github.com/tarnlake/tarn/internal/catalog"
	"github.com/tarnlake/tarn/internal/stream"
)

// worker runs one delivery: it buffers its source's records and writes
// each full buffer into the lake, exactly once. It reads from its own
// checkpoint with Scan (no consumer whose unacknowledged records come
// again after a while, whatever the buffering interval), and reads the
// next buffer while the last one is written.
type worker struct {
	s       *Service
	cfg     Config
	docs    catalog.Documents
	streams stream.Store
	source  string // the stream it reads
	log     *slog.Logger
	stop    chan struct{} // closed: stop after the buffer being written
}

// scanBatch is how many records one read of the source asks for.
const scanBatch = 5000

// idlePoll bounds how long a caught-up worker waits before looking for new
// records: a share of the latency from PutRecord to the lake.
const idlePoll = 50 * time.Millisecond

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
		redo := w
		if c := sp.Config; c != nil && c.Version != w.cfg.Version {
			was := *w
			was.cfg = *c
			redo = &was
		}
		if err := redo.commit(ctx, recs, *sp); err != nil {
			return err
		}
		cp.Last = sp.Last
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan []stream.Record) // taken when the last one is written
	read := make(chan error, 1)
	go func() { read <- w.buffer(ctx, cp.Last+1, full) }()
	for {
		select {
		case <-w.stop:
			return nil
		case <-ctx.Done():
			return nil
		case err := <-read:
			return err
		case buf := <-full:
			if err := w.commit(ctx, buf, spanOf(buf)); err != nil {
				return err
			}
		}
	}
}

// commit writes a buffer between two checkpoints: its span, saved as
// pending before the first object, and the new position after the last.
// It tries again until the buffer is written or ctx ends: a buffer is
// never dropped.
func (w *worker) commit(ctx context.Context, recs []stream.Record, sp span) error {
	if sp.Config == nil {
		cfg := w.cfg
		sp.Config = &cfg
	}
	if err := w.saveCheckpoint(ctx, func(c *checkpoint) { c.Pending = &sp }); err != nil {
		return err
	}
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		err := w.attempt(ctx, recs, sp)
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

// holdWait bounds how long a buffer waits for queries of the delivery's
// pending records to end.
const holdWait = 10 * time.Second

// attempt writes a buffer's objects and saves the position after it,
// with queries of pending records kept out meanwhile.
func (w *worker) attempt(ctx context.Context, recs []stream.Record, sp span) error {
	release, crowded := w.s.gate(w.cfg.Name).Write(holdWait)
	defer release()
	if crowded {
		w.log.Warn("a query of pending records is still open; writing anyway: it may count this buffer twice", "waited", holdWait)
	}
	if err := w.write(ctx, recs, sp); err != nil {
		return err
	}
	return w.saveCheckpoint(ctx, func(c *checkpoint) { c.Last, c.Pending = sp.Last, nil })
}

// buffer reads the source from a position and hands each full buffer (by
// size or age) to full, until ctx ends.
func (w *worker) buffer(ctx context.Context, from uint64, full chan<- []stream.Record) error {
	limit, interval := w.cfg.S3.limits()
	var (
		buf   []stream.Record
		size  int
		since time.Time
		idle  = time.Millisecond
	)
	for {
		recs, err := w.streams.Scan(ctx, w.source, from, scanBatch)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			w.s.fail(w.cfg.Name, "reading the source: "+err.Error())
			stream.Pause(ctx, time.Second)
			continue
		}
		if len(recs) > 0 {
			if len(buf) == 0 {
				since = time.Now()
			}
			n := 0
			for _, r := range recs {
				n += len(r.Data)
			}
			w.s.metrics.incoming(w.cfg.Name, len(recs), n)
			buf, size = append(buf, recs...), size+n
			from = recs[len(recs)-1].Seq + 1
			idle = time.Millisecond
		}
		due := len(buf) > 0 && (size >= limit || time.Since(since) >= interval)
		// A due buffer is handed over when the writer is free; while it
		// writes the last one, this one grows on, up to its size.
		var hand chan<- []stream.Record // nil: not due, never sent on
		if due {
			hand = full
		}
		handed := false
		switch {
		case due && size >= limit: // full: wait for the writer
			select {
			case hand <- buf:
				handed = true
			case <-ctx.Done():
				return nil
			}
		case len(recs) < scanBatch: // caught up: wait a little, or for the writer
			d := idle
			if len(buf) > 0 && !due {
				d = min(d, max(time.Until(since.Add(interval)), time.Millisecond))
			}
			idle = min(2*idle, idlePoll)
			select {
			case hand <- buf:
				handed = true
			case <-time.After(d):
			case <-ctx.Done():
				return nil
			}
		case due: // more to read: handed over only if the writer is free
			select {
			case hand <- buf:
				handed = true
			default:
			}
		}
		if handed {
			// The next buffer is likely as large: grown once, not by doubling.
			buf, size = make([]stream.Record, 0, len(buf)), 0
		}
	}
}

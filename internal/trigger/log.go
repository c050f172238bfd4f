package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/lake"
	"github.com/tarnlake/tarn/internal/stream"
)

// LogOptions configure the event log.
type LogOptions struct {
	// Stream names the log's stream, readable through the Kinesis API
	// with a read grant on it (default "tarn-events").
	Stream string
	// Retention is how long events are kept (default 7 days).
	Retention time.Duration
	Region    string
	Log       *slog.Logger
	// Registerer receives the log's metrics; nil: none.
	Registerer prometheus.Registerer
}

// DefaultStream is the event log's stream unless configured otherwise.
const DefaultStream = "tarn-events"

// logShard is the log's one shard: events of one key stay in order, and a
// reader sees one sequence of them. Appends from concurrent writes share
// the stream's group commit, one fsync for many events.
const logShard = "shardId-000000000000"

// Log is the durable event log: a lake.Notifier that appends each event
// to a stream before the write that made it is acknowledged.
type Log struct {
	streams stream.Store
	opts    LogOptions
	events  *prometheus.CounterVec
	latency prometheus.Histogram
}

var _ lake.Notifier = (*Log)(nil)

// NewLog builds the log over streams; Start makes its stream.
func NewLog(streams stream.Store, opts LogOptions) *Log {
	if opts.Stream == "" {
		opts.Stream = DefaultStream
	}
	if opts.Retention <= 0 {
		opts.Retention = 7 * 24 * time.Hour
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.Log = opts.Log.With("component", "events")
	l := &Log{streams: streams, opts: opts,
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_events_logged_total", Help: "Object events appended to the event log, by event name.",
		}, []string{"event"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "tarn_events_append_seconds", Help: "Time to make an object event durable in the event log.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(l.events, l.latency)
	}
	return l
}

// Stream is the log's stream name.
func (l *Log) Stream() string { return l.opts.Stream }

// Start makes the log's stream, or sets its retention when it exists.
func (l *Log) Start(ctx context.Context) error {
	info := stream.Info{Name: l.opts.Stream, Created: time.Now().UTC(), Retention: l.opts.Retention, Status: "ACTIVE",
		Shards: []stream.Shard{{ID: logShard, HashStart: "0", HashEnd: "340282366920938463463374607431768211455"}}}
	err := l.streams.Create(ctx, info)
	if errors.Is(err, stream.ErrExists) {
		_, err = l.streams.UpdateInfo(ctx, l.opts.Stream, func(i *stream.Info) error {
			i.Retention = l.opts.Retention
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("event log %s: %w", l.opts.Stream, err)
	}
	return nil
}

// Notify appends e to the log and returns once it is durable.
func (l *Log) Notify(ctx context.Context, e lake.Event) error {
	start := time.Now()
	data, err := json.Marshal(Message{Records: []Record{newRecord(e, l.opts.Region, "tarn")}})
	if err != nil {
		return err
	}
	_, err = l.streams.Append(ctx, l.opts.Stream, []stream.Record{{Shard: logShard, PartitionKey: e.Bucket + "/" + e.Key, Data: data}})
	if err != nil {
		l.opts.Log.Error("event not logged", "event", e.Name, "bucket", e.Bucket, "key", e.Key, "err", err)
		return fmt.Errorf("event log: %w", err)
	}
	l.events.WithLabelValues(e.Name).Inc()
	l.latency.Observe(time.Since(start).Seconds())
	return nil
}

// Filter picks events by bucket and key prefix; empty matches all.
type Filter struct {
	Bucket, Prefix string
}

func (f Filter) match(r Record) bool {
	if f.Bucket != "" && r.S3.Bucket.Name != f.Bucket {
		return false
	}
	return f.Prefix == "" || len(r.Key()) >= len(f.Prefix) && r.Key()[:len(f.Prefix)] == f.Prefix
}

// Replay calls fn with every logged event since the time given that f
// matches, in order, with its log sequence number, up to the tail as it
// was when Replay began.
func (l *Log) Replay(ctx context.Context, since time.Time, f Filter, fn func(seq uint64, r Record) error) error {
	from, err := l.streams.SeqAt(ctx, l.opts.Stream, since)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	tail, err := l.streams.Tail(ctx, l.opts.Stream)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	for from <= tail {
		recs, err := l.streams.Read(ctx, l.opts.Stream, logShard, from, 1000)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		if len(recs) == 0 {
			return nil
		}
		for _, rec := range recs {
			if rec.Seq > tail {
				return nil
			}
			from = rec.Seq + 1
			m, err := decodeMessage(rec.Data)
			if err != nil {
				l.opts.Log.Warn("replay: record skipped", "seq", rec.Seq, "err", err)
				continue
			}
			for _, r := range m.Records {
				if f.match(r) {
					if err := fn(rec.Seq, r); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

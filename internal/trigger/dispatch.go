package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/stream"
)

// DispatchOptions configure a Dispatcher.
type DispatchOptions struct {
	// Consumer names the durable consumer of the event log (default
	// "tarn-dispatch"); tarn processes sharing a log share it.
	Consumer string
	// Concurrency bounds the targets run at once (default 8).
	Concurrency int
	Log         *slog.Logger
	Registerer  prometheus.Registerer
}

// Dispatcher reads the event log and runs the targets of the rules each
// event matches. An event is acknowledged only once every target has
// settled it, so a crash redelivers it: targets are idempotent or
// at-least-once, as S3's notifications are.
type Dispatcher struct {
	log     *Log
	rules   *Rules
	invoker Invoker
	opts    DispatchOptions
	targets *prometheus.CounterVec
	lag     prometheus.Gauge
}

// NewDispatcher dispatches the events of log by rules.
func NewDispatcher(log *Log, rules *Rules, invoker Invoker, opts DispatchOptions) *Dispatcher {
	if opts.Consumer == "" {
		opts.Consumer = "tarn-dispatch"
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.Log = opts.Log.With("component", "dispatch")
	d := &Dispatcher{log: log, rules: rules, invoker: invoker, opts: opts,
		targets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_events_dispatched_total", Help: "Events handed to rule targets, by target kind and outcome.",
		}, []string{"target", "outcome"}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tarn_events_dispatch_lag_seconds", Help: "Age of the newest event dispatched when it was taken from the log.",
		}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(d.targets, d.lag)
	}
	return d
}

// Run dispatches until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	c, err := d.log.streams.Consumer(ctx, d.log.Stream(), d.opts.Consumer)
	if err != nil {
		return fmt.Errorf("dispatch: %w", err)
	}
	defer c.Close()
	stream.Work(ctx, c, d.opts.Concurrency, d.opts.Log, d.record)
	return nil
}

// Close implements the part lifecycle; Run's end closes the consumer.
func (d *Dispatcher) Close() error { return nil }

// work is one target of one event.
type work struct {
	rule    Rule
	record  Record
	payload []byte
	arrived time.Time
}

// record runs every target of one logged record, in turn.
func (d *Dispatcher) record(ctx context.Context, rec stream.Record) error {
	m, err := decodeMessage(rec.Data)
	if err != nil {
		d.opts.Log.Warn("event log record skipped", "seq", rec.Seq, "err", err)
		return nil
	}
	d.lag.Set(time.Since(rec.Arrival).Seconds())
	for _, r := range m.Records {
		rules, err := d.rules.ForBucket(ctx, r.S3.Bucket.Name)
		if err != nil {
			return err
		}
		for _, rule := range rules {
			if !rule.Matches(r.EventName, r.Key()) {
				continue
			}
			one := r
			one.S3.ConfigurationID = rule.ID
			payload, err := json.Marshal(Message{Records: []Record{one}})
			if err != nil {
				return err
			}
			// A target that settled before a retry runs again: functions
			// get events at least once, actions keep a ledger.
			if err := d.run(ctx, work{rule: rule, record: one, payload: payload, arrived: rec.Arrival}); err != nil {
				return err
			}
		}
	}
	return nil
}

// run settles one target.
func (d *Dispatcher) run(ctx context.Context, j work) error {
	kind, err := "function", error(nil)
	switch {
	case j.rule.Function != "":
		err = d.invoker.InvokeEvent(ctx, j.rule.Function, j.payload, j.arrived)
	case j.rule.Action != nil:
		kind = j.rule.Action.Kind
		d.opts.Log.Warn("built-in actions are not served yet; event left to the rule's next version", "rule", j.rule.ID, "action", kind)
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	d.targets.WithLabelValues(kind, outcome).Inc()
	return err
}

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
	// Actions runs the rules' built-in actions; nil: rules with actions
	// wait.
	Actions *Actions
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
	if a := d.opts.Actions; a != nil {
		go d.pruneLedger(ctx, a)
	}
	stream.Work(ctx, c, d.opts.Concurrency, d.opts.Log, d.record)
	return nil
}

// pruneLedger forgets, every hour, the actions whose events the log no
// longer holds.
func (d *Dispatcher) pruneLedger(ctx context.Context, a *Actions) {
	for {
		n, err := a.Prune(ctx, time.Now().Add(-d.log.opts.Retention))
		if err != nil && ctx.Err() == nil {
			d.opts.Log.Warn("action ledger not pruned", "err", err)
		} else if n > 0 {
			d.opts.Log.Info("action ledger pruned", "entries", n)
		}
		stream.Pause(ctx, time.Hour)
		if ctx.Err() != nil {
			return
		}
	}
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
	return d.targetsOf(ctx, m.Records, rec.Arrival)
}

// Replay runs again the targets of the logged events since a time that f
// matches, as if they had just come: functions get them again, actions
// whose ledger says done do nothing. It returns how many events it ran.
func (d *Dispatcher) Replay(ctx context.Context, since time.Time, f Filter) (int, error) {
	n := 0
	err := d.log.Replay(ctx, since, f, func(seq uint64, r Record) error {
		n++
		return d.targetsOf(ctx, []Record{r}, time.Now())
	})
	return n, err
}

// targetsOf settles every target of records.
func (d *Dispatcher) targetsOf(ctx context.Context, records []Record, arrival time.Time) error {
	for _, r := range records {
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
			// Each target is retried on its own until it settles, so that
			// one waiting (a crawler still running) does not run the others
			// twice. After a crash the record runs again: functions get
			// events at least once, actions keep a ledger.
			j := work{rule: rule, record: one, payload: payload, arrived: arrival}
			for wait := 100 * time.Millisecond; ; wait = min(2*wait, 30*time.Second) {
				err := d.run(ctx, j)
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				d.opts.Log.Warn("event target not settled; retrying", "rule", rule.ID, "bucket", one.S3.Bucket.Name, "key", one.Key(), "err", err, "retry_in", wait)
				stream.Pause(ctx, wait)
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
	case j.rule.Action != nil && d.opts.Actions == nil:
		kind, err = j.rule.Action.Kind, fmt.Errorf("rule %s: no actions are served here", j.rule.ID)
	case j.rule.Action != nil:
		kind = j.rule.Action.Kind
		err = d.opts.Actions.Run(ctx, j.rule, j.record)
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	d.targets.WithLabelValues(kind, outcome).Inc()
	return err
}

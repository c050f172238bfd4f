package function

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Runner's counters; they are registered only when the
// Runner was given a Registerer.
type metrics struct {
	invocations *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	coldStarts  *prometheus.CounterVec
	processes   *prometheus.GaugeVec
}

// Outcomes of an invocation, the "outcome" label.
const (
	outcomeOK        = "ok"        // the function returned a response
	outcomeError     = "error"     // the function failed (FunctionError set)
	outcomeTimeout   = "timeout"   // killed at its timeout
	outcomeThrottled = "throttled" // ErrTooManyRequests
	outcomeFailed    = "failed"    // tarn could not run it, or the caller gave up
)

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_function_invocations_total", Help: "Function invocations by function and outcome.",
		}, []string{"function", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tarn_function_duration_seconds", Help: "Function invocation time, init included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"function"}),
		coldStarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_function_cold_starts_total", Help: "Function processes started.",
		}, []string{"function"}),
		processes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tarn_function_processes", Help: "Function processes running, busy or idle.",
		}, []string{"function"}),
	}
	if reg != nil {
		reg.MustRegister(m.invocations, m.duration, m.coldStarts, m.processes)
	}
	return m
}

func (m *metrics) observe(fn, outcome string, d time.Duration) {
	m.invocations.WithLabelValues(fn, outcome).Inc()
	if outcome != outcomeThrottled {
		m.duration.WithLabelValues(fn).Observe(d.Seconds())
	}
}

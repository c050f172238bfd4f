package athenaapi

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	queries  *prometheus.CounterVec
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_athena_queries_total", Help: "Athena query executions ended, by final state.",
		}, []string{"state"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "tarn_athena_query_seconds", Help: "Athena query executions' time from submission to end.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 14),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.queries, m.duration)
	}
	return m
}

// ended counts an execution that has just reached its final state.
func (m *metrics) ended(e execution) {
	m.queries.WithLabelValues(e.State).Inc()
	m.duration.Observe(e.Completed.Sub(e.Submitted).Seconds())
}

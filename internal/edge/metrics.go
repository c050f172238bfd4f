package edge

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnlake/tarn/internal/awsapi"
)

// Metrics are the edge's request counters and histograms.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	bytesIn  *prometheus.CounterVec
	bytesOut *prometheus.CounterVec
}

// NewMetrics registers the edge's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_aws_requests_total", Help: "AWS API requests by API, operation and HTTP status.",
		}, []string{"api", "op", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tarn_aws_request_duration_seconds", Help: "AWS API request latency by API and operation.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
		}, []string{"api", "op"}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_aws_received_bytes_total", Help: "Request payload bytes received, after decoding.",
		}, []string{"api"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_aws_sent_bytes_total", Help: "Response body bytes sent.",
		}, []string{"api"}),
	}
	reg.MustRegister(m.requests, m.duration, m.bytesIn, m.bytesOut)
	return m
}

func (m *Metrics) observe(in *awsapi.Info, w *statusWriter, d time.Duration) {
	status := w.status
	if status == 0 {
		status = 200
	}
	m.requests.WithLabelValues(in.API, in.Op, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(in.API, in.Op).Observe(d.Seconds())
	m.bytesOut.WithLabelValues(in.API).Add(float64(w.n))
}

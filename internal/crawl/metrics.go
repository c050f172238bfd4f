package crawl

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	runs     *prometheus.CounterVec
	files    *prometheus.CounterVec
	bytes    prometheus.Counter
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_crawls_total", Help: "Crawls ended, by final state.",
		}, []string{"state"}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_crawl_files_total", Help: "Files crawls classified or skipped.",
		}, []string{"outcome"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tarn_crawl_bytes_read_total", Help: "Bytes crawls read from the lake to classify files.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "tarn_crawl_duration_seconds", Help: "How long crawls ran.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.files, m.bytes, m.duration)
	}
	return m
}

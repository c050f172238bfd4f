package mirror

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	fetched      prometheus.Counter
	fetchedBytes prometheus.Counter
	hits         prometheus.Counter
	removed      prometheus.Counter
	evicted      prometheus.Counter
	evictedBytes prometheus.Counter
	cached       prometheus.Gauge
	syncs        *prometheus.CounterVec
	duration     prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		fetched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tarn_lake_mirror_fetched_objects_total", Help: "Objects downloaded from the lake into the local cache.",
		}),
		fetchedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tarn_lake_mirror_fetched_bytes_total", Help: "Bytes downloaded from the lake into the local cache.",
		}),
		hits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tarn_lake_mirror_hits_total", Help: "Objects a sync found already up to date in the cache.",
		}),
		removed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tarn_lake_mirror_removed_objects_total", Help: "Local copies removed because their object left the lake.",
		}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tarn_lake_mirror_evicted_objects_total", Help: "Local copies removed to keep the cache under its size bound.",
		}),
		evictedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tarn_lake_mirror_evicted_bytes_total", Help: "Bytes of local copies removed to keep the cache under its size bound.",
		}),
		cached: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tarn_lake_mirror_bytes", Help: "Bytes of local copies in the cache.",
		}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_lake_mirror_syncs_total", Help: "Prefix syncs run, by result.",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "tarn_lake_mirror_sync_duration_seconds", Help: "How long prefix syncs took, listing and downloads.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.fetched, m.fetchedBytes, m.hits, m.removed, m.evicted, m.evictedBytes, m.cached, m.syncs, m.duration)
	}
	return m
}

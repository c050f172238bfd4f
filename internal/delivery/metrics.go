package delivery

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	records, bytesIn *prometheus.CounterVec
	objects, bytes   *prometheus.CounterVec
	failed           *prometheus.CounterVec // records to the error prefix, by kind
	failures         *prometheus.CounterVec // buffers that could not be written
	age              *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_delivery_incoming_records_total",
			Help: "Records a delivery took from its source."}, []string{"delivery"}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_delivery_incoming_bytes_total",
			Help: "Bytes of records a delivery took from its source."}, []string{"delivery"}),
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_delivery_objects_total",
			Help: "Objects a delivery wrote into the lake."}, []string{"delivery"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_delivery_written_bytes_total",
			Help: "Bytes of objects a delivery wrote into the lake."}, []string{"delivery"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_delivery_failed_records_total",
			Help: "Records a delivery put under its error prefix, by error output type."}, []string{"delivery", "kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tarn_delivery_buffer_failures_total",
			Help: "Attempts to write a buffer that failed and will be retried."}, []string{"delivery"}),
		age: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tarn_delivery_buffer_age_seconds",
			Help: "Age of the oldest record of the last buffer written, when it was written: the lag behind the source."}, []string{"delivery"}),
	}
	if reg != nil {
		reg.MustRegister(m.records, m.bytesIn, m.objects, m.bytes, m.failed, m.failures, m.age)
	}
	return m
}

func (m *metrics) incoming(name string, records, bytes int) {
	m.records.WithLabelValues(name).Add(float64(records))
	m.bytesIn.WithLabelValues(name).Add(float64(bytes))
}

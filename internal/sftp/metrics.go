package sftp

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	logins  *prometheus.CounterVec // by result: ok, refused, throttled
	refused prometheus.Counter     // connections refused for MaxStartups or MaxConns
	conns   prometheus.Gauge       // logged-in connections
	uploads *prometheus.CounterVec // by result: ok, failed
	bytes   *prometheus.CounterVec // by direction: in (uploaded), out (downloaded)
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_sftp_logins_total", Help: "SFTP login attempts, by result.",
		}, []string{"result"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tarn_sftp_connections_refused_total", Help: "SFTP connections refused for lack of room.",
		}),
		conns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tarn_sftp_connections", Help: "SFTP connections logged in.",
		}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_sftp_uploads_total", Help: "SFTP uploads ended, by result (failed: nothing stored).",
		}, []string{"result"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarn_sftp_bytes_total", Help: "Bytes moved over SFTP: in (stored uploads) and out (reads).",
		}, []string{"direction"}),
	}
	if reg != nil {
		reg.MustRegister(m.logins, m.refused, m.conns, m.uploads, m.bytes)
	}
	return m
}

// Package metrics is Candor's Prometheus instrumentation: one registry per process (no
// global one), the Go runtime and process collectors, and the timers that wrap the store,
// the push sender and snapshot rebuilds. What is read at scrape time (snapshot, jobs,
// outbox, calibration) is collected by handlers, which serves /metrics.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the registry and the instruments Candor's parts report to.
type Metrics struct {
	// Registry is what /metrics exposes.
	Registry *prometheus.Registry
	// HTTP times each request by method, route (the registered pattern, "other" when none
	// matched) and status class ("2xx").
	HTTP        *prometheus.HistogramVec
	store       *prometheus.HistogramVec
	rebuild     *prometheus.HistogramVec
	send        *prometheus.HistogramVec
	sendResults *prometheus.CounterVec
}

// Latency buckets: requests served from a snapshot take microseconds, writes with fsync
// milliseconds, a cold rebuild of a large page a second or more.
var (
	fastBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	slowBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
)

// New returns a registry with the Go runtime and process collectors and Candor's
// instruments registered.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		HTTP: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "candor_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by method, route pattern and status class.", Buckets: fastBuckets},
			[]string{"method", "route", "code"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "candor_store_transaction_duration_seconds",
			Help:    "Time of each store transaction (read or write, including the work inside it) or ping, by outcome.",
			Buckets: fastBuckets}, []string{"op", "outcome"}),
		rebuild: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "candor_snapshot_rebuild_duration_seconds",
			Help:    "Time to read the public state and render every page, feed and /api/v2 document, by outcome.",
			Buckets: slowBuckets}, []string{"outcome"}),
		send: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "candor_notify_send_duration_seconds",
			Help:    "Time of each call to a notification channel (push: FCM send, topic subscribe or unsubscribe; email: connect, send).",
			Buckets: slowBuckets}, []string{"channel", "op"}),
		sendResults: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "candor_notify_send_results_total",
			Help: "Messages (or topic tokens) a notification channel was asked to deliver, by outcome: ok, or the error class (retry, delete_token, payload, auth, other, error when the whole call failed)."},
			[]string{"channel", "op", "outcome"}),
	}
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.HTTP, m.store, m.rebuild, m.send, m.sendResults)
	return m
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// ObserveRebuild records one snapshot rebuild (snapshot.Holder calls it after each).
func (m *Metrics) ObserveRebuild(took time.Duration, err error) {
	m.rebuild.WithLabelValues(outcome(err)).Observe(took.Seconds())
}

package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/status"
)

// OutboxStats is what /metrics reads of the push dispatcher.
type OutboxStats interface{ Stats() dispatch.Stats }

// metrics answers GET /metrics (read scope) in Prometheus' exposition format, so the status
// page itself is watched: is its snapshot fresh, does its store answer, are its jobs
// running, are pushes going out and how good are its estimates. Prometheus sends the API
// key as a bearer token (authorization in its scrape config).
//
// The process-wide instruments (Go runtime, process, request, store, rebuild and send
// timings) live in the registry main wires; what is read from the running server is
// gathered per scrape, with the scrape's context, into a registry of its own.
func (s *server) metrics(c echo.Context) error {
	reg := prometheus.NewRegistry()
	if err := reg.Register(s.scrape(c.Request().Context())); err != nil {
		return fmt.Errorf("register scrape metrics: %w", err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	promhttp.HandlerFor(prometheus.Gatherers{s.Metrics.Registry, reg}, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn), ErrorHandling: promhttp.ContinueOnError,
	}).ServeHTTP(c.Response(), c.Request())
	return nil
}

// scraped is a set of metrics computed for one scrape. It describes nothing up front (an
// unchecked collector): its series depend on the jobs and kinds present.
type scraped []prometheus.Metric

func (scraped) Describe(chan<- *prometheus.Desc) {}

func (m scraped) Collect(ch chan<- prometheus.Metric) {
	for _, x := range m {
		ch <- x
	}
}

func (m *scraped) add(name, help string, typ prometheus.ValueType, v float64, labels ...string) {
	var keys, values []string
	for i := 0; i+1 < len(labels); i += 2 {
		keys, values = append(keys, labels[i]), append(values, labels[i+1])
	}
	*m = append(*m, prometheus.MustNewConstMetric(prometheus.NewDesc(name, help, keys, nil), typ, v, values...))
}

func (m *scraped) gauge(name, help string, v float64, labels ...string) {
	m.add(name, help, prometheus.GaugeValue, v, labels...)
}

func (m *scraped) counter(name, help string, v float64, labels ...string) {
	m.add(name, help, prometheus.CounterValue, v, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// scrape reads the server's state for one scrape.
func (s *server) scrape(ctx context.Context) scraped {
	var m scraped
	now := time.Now()
	m.gauge("candor_up", "1 while the process serves.", 1)
	if snap := s.Site.Current(); snap != nil {
		m.gauge("candor_snapshot_revision", "Public revision the served snapshot shows.", float64(snap.Revision))
		m.gauge("candor_snapshot_age_seconds", "Seconds since the served snapshot was rendered (a minute tick renders it again).",
			now.Sub(snap.Built).Seconds())
	}
	m.gauge("candor_snapshot_stale", "1 while the last rebuild failed (the store is unreachable); pages show the last known state.",
		boolValue(s.Site.Err() != nil))
	if snap := s.Site.Current(); snap != nil {
		_, n := snap.Problems()
		m.gauge("candor_snapshot_problems", "Records or documents the served snapshot was rendered around (left out or kept from an earlier build); see /readyz and the log.", float64(n))
	}
	if s.Live != nil {
		m.gauge("candor_live_streams", "Open live-update (SSE) streams.", float64(s.Live.Len()))
	}
	if s.Outbox != nil {
		st := s.Outbox.Stats()
		for _, c := range []struct {
			name, help string
			v          int64
		}{
			{"candor_push_messages_sent_total", "Pushes FCM acknowledged (one per token, topic or condition).", st.MessagesSent},
			{"candor_push_jobs_sent_total", "Outbox jobs delivered.", st.JobsSent},
			{"candor_push_jobs_failed_total", "Outbox jobs given up on (see /api/v1/incidents/{id}/deliveries).", st.JobsFailed},
			{"candor_push_jobs_retried_total", "Outbox job attempts that will be retried.", st.JobsRetried},
			{"candor_push_jobs_expired_total", "Outbox jobs dropped unsent because their news was stale.", st.JobsExpired},
			{"candor_push_jobs_released_total", "Outbox jobs handed back unattempted (shutdown, lease running out).", st.JobsReleased},
			{"candor_push_leases_lost_total", "Outbox saves refused because another replica had taken the job over.", st.LeasesLost},
			{"candor_push_jobs_superseded_total", "Outbox jobs a newer update superseded while they were being sent (the rest not sent).", st.JobsSuperseded},
			{"candor_push_topic_changes_total", "Topic subscriptions and unsubscriptions FCM acknowledged.", st.TopicChanges},
			{"candor_push_tokens_pruned_total", "Dead device tokens removed.", st.TokensPruned},
		} {
			m.counter(c.name, c.help, float64(c.v))
		}
	}
	if s.Jobs != nil {
		for _, j := range s.Jobs.Statuses() {
			s.jobMetrics(&m, j)
		}
	}
	up := s.storeMetrics(ctx, &m, now)
	s.calibrationMetrics(ctx, &m, up)
	return m
}

// jobMetrics are the per-job series, labelled job="…" as before client_golang (Prometheus
// files the label as exported_job, since its targets have a job label of their own).
func (s *server) jobMetrics(m *scraped, j periodic.Status) {
	m.counter("candor_job_runs_total", "Runs of each periodic job on this replica.", float64(j.Runs), "job", j.Name)
	m.counter("candor_job_failures_total", "Failed runs of each periodic job on this replica.", float64(j.Failures), "job", j.Name)
	m.counter("candor_job_skipped_total", "Runs skipped: the previous run still going, or another replica holding the job's lock.",
		float64(j.Skipped), "job", j.Name)
	if !j.LastStart.IsZero() {
		m.gauge("candor_job_last_run_timestamp_seconds", "When each job last ran on this replica (Unix time; absent before its first run).",
			float64(j.LastStart.UnixMilli())/1000, "job", j.Name)
		m.gauge("candor_job_last_duration_seconds", "How long each job's last run took.", j.LastDuration.Seconds(), "job", j.Name)
	}
}

// storeMetrics says whether the store answers and how far behind the outbox is. While the
// store is down the outbox series are left out rather than reported as empty.
func (s *server) storeMetrics(ctx context.Context, m *scraped, now time.Time) (up bool) {
	ctx, cancel := context.WithTimeout(ctx, scrapeStoreWait)
	defer cancel()
	store := s.Service.Store()
	up = store.Ping(ctx) == nil
	m.gauge("candor_store_up", "1 when the store answered this scrape's ping within 2 s.", boolValue(up))
	if !up {
		return false
	}
	var backlog []status.JobBacklog
	err := store.Read(ctx, func(tx status.Tx) error {
		var err error
		backlog, err = tx.JobBacklog()
		return err
	})
	if err != nil {
		s.Log.WarnContext(ctx, "metrics: reading the outbox backlog failed", "err", err)
		return true
	}
	for _, kind := range []status.JobKind{status.JobPush, status.JobSubscribe, status.JobUnsubscribe} {
		var b status.JobBacklog
		for _, x := range backlog {
			if x.Kind == kind {
				b = x
			}
		}
		age := 0.0
		if b.Pending > 0 {
			age = max(0, now.Sub(b.Oldest).Seconds())
		}
		m.gauge("candor_outbox_pending_jobs", "Outbox jobs not yet delivered (due, retrying later or claimed), by kind.",
			float64(b.Pending), "kind", string(kind))
		m.gauge("candor_outbox_oldest_pending_age_seconds", "Age of the oldest undelivered outbox job, by kind (0 when none).",
			age, "kind", string(kind))
	}
	return true
}

// calibrationWindow is how many of the latest resolved incidents the live model's
// calibration is measured on: recent enough to show drift, large enough to mean something.
const calibrationWindow = 100

// calibrationCache keeps the last calibration per public revision, so frequent scrapes
// do not reload a hundred timelines when nothing changed.
type calibrationCache struct {
	mu  sync.Mutex
	rev int64
	ok  bool
	cal status.Calibration
}

// calibrationMetrics reports how the published ranges and announced times of the latest
// resolved incidents fared: the live model's coverage should stay near its quantiles.
// While the store is down (storeUp false) the last calibration is reported, if any.
func (s *server) calibrationMetrics(ctx context.Context, m *scraped, storeUp bool) {
	snap := s.Site.Current()
	if snap == nil {
		return
	}
	c := &s.calibration
	c.mu.Lock()
	defer c.mu.Unlock()
	if storeUp && (!c.ok || c.rev != snap.Revision) {
		// Bounded like the store series: with the incidents locked or the store stalled, the
		// scrape reports the last calibration rather than outlasting Prometheus' timeout.
		ctx, cancel := context.WithTimeout(ctx, scrapeStoreWait)
		incs, _, err := s.Service.Incidents(ctx, status.IncidentFilter{Status: "resolved", Limit: calibrationWindow})
		cancel()
		if err != nil {
			s.Log.WarnContext(ctx, "metrics: reading resolved incidents for the calibration failed", "err", err)
		} else {
			c.cal, c.rev, c.ok = status.Calibrate(incs, 0), snap.Revision, true
		}
	}
	if !c.ok {
		return
	}
	cal := c.cal
	m.gauge("candor_eta_calibration_incidents", "Resolved incidents the calibration series are measured on (the latest, at most 100).",
		float64(cal.Incidents))
	m.gauge("candor_eta_calibration_estimates", "Ranges the live model published on those incidents.", float64(cal.Model.Count))
	if cal.Model.Count > 0 {
		for _, q := range []struct {
			q   float64
			met int
		}{{0.5, cal.Model.P50Met}, {0.8, cal.Model.P80Met}, {0.9, cal.Model.P90Met}} {
			m.gauge("candor_eta_coverage_ratio", "Share of published ranges whose quantile the restoration came by (ideal: the quantile itself).",
				float64(q.met)/float64(cal.Model.Count), "quantile", strconv.FormatFloat(q.q, 'g', -1, 64))
		}
		m.gauge("candor_eta_p50_abs_error_median_seconds", "Median distance between the published p50 and the restoration.",
			cal.Model.P50MedianAbsError.Seconds())
	}
	m.gauge("candor_eta_announced_times", "Staff-announced restoration times on those incidents.", float64(cal.Announced.Count))
	if cal.Announced.Count > 0 {
		m.gauge("candor_eta_announced_met_ratio", "Share of staff-announced times the restoration came by.",
			float64(cal.Announced.Met)/float64(cal.Announced.Count))
	}
}

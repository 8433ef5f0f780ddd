package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/jobs"
	"github.com/candorstatus/candor/notifier/dispatch"
)

// metrics answers GET /metrics (read scope) in Prometheus' text format, so the status
// page itself is watched: is its snapshot fresh, are its jobs running, are pushes going
// out. Prometheus sends the API key as a bearer token (authorization in its scrape config).
func (s *server) metrics(c echo.Context) error {
	var m metricWriter
	now := time.Now()
	m.gauge("candor_up", "1 while the process serves.", 1)
	if snap := s.Site.Current(); snap != nil {
		m.gauge("candor_snapshot_revision", "Public revision the served snapshot shows.", float64(snap.Revision))
		m.gauge("candor_snapshot_age_seconds", "Seconds since the served snapshot was rendered (a minute tick renders it again).",
			now.Sub(snap.Built).Seconds())
	}
	stale := 0.0
	if s.Site.Err() != nil {
		stale = 1
	}
	m.gauge("candor_snapshot_stale", "1 while the last rebuild failed (the store is unreachable); pages show the last known state.", stale)
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
		sts := s.Jobs.Statuses()
		for _, f := range jobFamilies {
			m.family(f.name, f.typ, f.help)
			for _, j := range sts {
				if v, ok := f.value(j); ok {
					m.sample(f.name, j.Name, v)
				}
			}
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", m.buf.Bytes())
}

// jobFamilies are the per-job metrics, each one sample per job labelled job="…".
var jobFamilies = []struct {
	name, typ, help string
	value           func(jobs.Status) (float64, bool) // ok=false: no sample for this job
}{
	{"candor_job_runs_total", "counter", "Runs of each periodic job on this replica.",
		func(j jobs.Status) (float64, bool) { return float64(j.Runs), true }},
	{"candor_job_failures_total", "counter", "Failed runs of each periodic job on this replica.",
		func(j jobs.Status) (float64, bool) { return float64(j.Failures), true }},
	{"candor_job_skipped_total", "counter", "Runs skipped: the previous run still going, or another replica holding the job's lock.",
		func(j jobs.Status) (float64, bool) { return float64(j.Skipped), true }},
	{"candor_job_last_run_timestamp_seconds", "gauge", "When each job last ran on this replica (Unix time; absent before its first run).",
		func(j jobs.Status) (float64, bool) {
			return float64(j.LastStart.UnixMilli()) / 1000, !j.LastStart.IsZero()
		}},
	{"candor_job_last_duration_seconds", "gauge", "How long each job's last run took.",
		func(j jobs.Status) (float64, bool) { return j.LastDuration.Seconds(), !j.LastStart.IsZero() }},
}

// metricWriter writes Prometheus' text exposition format.
type metricWriter struct{ buf bytes.Buffer }

func (m *metricWriter) family(name, typ, help string) {
	fmt.Fprintf(&m.buf, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (m *metricWriter) gauge(name, help string, v float64) {
	m.family(name, "gauge", help)
	m.sample(name, "", v)
}

func (m *metricWriter) counter(name, help string, v float64) {
	m.family(name, "counter", help)
	m.sample(name, "", v)
}

// sample writes one value, labelled job="…" when job is set.
func (m *metricWriter) sample(name, job string, v float64) {
	m.buf.WriteString(name)
	if job != "" {
		m.buf.WriteString(`{job="` + labelEscaper.Replace(job) + `"}`)
	}
	m.buf.WriteByte(' ')
	m.buf.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	m.buf.WriteByte('\n')
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// OutboxStats is what /metrics reads of the push dispatcher.
type OutboxStats interface{ Stats() dispatch.Stats }

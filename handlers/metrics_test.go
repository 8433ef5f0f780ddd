package handlers_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/jobs"
	"github.com/candorstatus/candor/live"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/templates"
)

type fakeOutbox struct{ st dispatch.Stats }

func (f fakeOutbox) Stats() dispatch.Stats { return f.st }

var sampleLine = regexp.MustCompile(`^([a-z_]+)(\{job="[^"]*"\})? (\S+)$`)

// TestMetrics: /metrics needs a key, and tells in Prometheus' format how fresh the
// snapshot is, how the jobs and the push dispatcher are doing, and how many streams are open.
func TestMetrics(t *testing.T) {
	en := newEnv(t)
	sched := jobs.New(nil, nil)
	if err := sched.Add("tick", "@every 1h", 0, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := sched.RunNow("tick"); err != nil {
		t.Fatal(err)
	}
	hub := live.NewHub(live.Config{Revision: en.holder.Current().Revision})
	t.Cleanup(hub.Close)
	en.e = handlers.New(handlers.Deps{Service: en.svc, Site: en.holder, Builder: en.build, Assets: en.assets,
		DefaultLang: templates.Korean, Jobs: sched, Live: hub,
		Outbox: fakeOutbox{dispatch.Stats{MessagesSent: 5, JobsFailed: 1, LeasesLost: 2}}})

	en.do("GET", "/metrics", "", nil).want(401)
	r := en.do("GET", "/metrics", en.read, nil).want(200)
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("content type %q", ct)
	}
	got := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(r.Body.String()), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a Prometheus sample: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("value of %q: %v", line, err)
		}
		got[m[1]+m[2]] = v
	}
	want := map[string]float64{
		"candor_up": 1, "candor_snapshot_revision": float64(en.holder.Current().Revision), "candor_snapshot_stale": 0,
		"candor_live_streams": 0, "candor_push_messages_sent_total": 5, "candor_push_jobs_failed_total": 1,
		"candor_push_leases_lost_total": 2, `candor_job_runs_total{job="tick"}`: 1, `candor_job_failures_total{job="tick"}`: 0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if got[`candor_job_last_run_timestamp_seconds{job="tick"}`] <= 0 || got["candor_snapshot_age_seconds"] < 0 {
		t.Errorf("timestamps: %v", got)
	}
}

package handlers_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/live"
	"github.com/candorstatus/candor/metrics"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

type fakeOutbox struct{ st dispatch.Stats }

func (f fakeOutbox) Stats() dispatch.Stats { return f.st }

// scrape is one /metrics answer, parsed: series by name and labels ("name{k=v,…}").
type scrape map[string]float64

func (en *env) scrape() scrape {
	en.t.Helper()
	r := en.do("GET", "/metrics", en.read, nil).want(200)
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		en.t.Fatalf("content type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r.Body)
	if err != nil {
		en.t.Fatalf("not Prometheus' text format: %v", err)
	}
	out := scrape{}
	for name, f := range fams {
		out["#"+name] = 1 // the family, whatever its series
		for _, m := range f.Metric {
			key := name
			if ls := m.GetLabel(); len(ls) > 0 {
				var parts []string
				for _, l := range ls {
					parts = append(parts, l.GetName()+"="+l.GetValue())
				}
				key += "{" + strings.Join(parts, ",") + "}"
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key+"_count"] = float64(m.GetHistogram().GetSampleCount())
			default:
				out[key] = m.GetUntyped().GetValue()
			}
		}
	}
	return out
}

// family reports whether the scrape has a metric family of that exact name.
func (s scrape) family(name string) bool {
	_, ok := s["#"+name]
	return ok
}

// has reports whether a series whose key starts with prefix exists (one with any labels).
func (s scrape) has(prefix string) bool {
	for k := range s {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// TestMetrics: /metrics needs a key, and tells in Prometheus' format how fresh the
// snapshot is, how the jobs and the push dispatcher are doing, and how many streams are
// open — the series of before client_golang, under the same names — plus the Go runtime
// and process collectors.
func TestMetrics(t *testing.T) {
	en := newEnv(t)
	sched := periodic.New(nil, nil)
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
	got := en.scrape()
	want := map[string]float64{
		"candor_up": 1, "candor_snapshot_revision": float64(en.holder.Current().Revision), "candor_snapshot_stale": 0,
		"candor_live_streams": 0, "candor_push_messages_sent_total": 5, "candor_push_jobs_failed_total": 1,
		"candor_push_leases_lost_total": 2, `candor_job_runs_total{job=tick}`: 1, `candor_job_failures_total{job=tick}`: 0,
		"candor_store_up": 1, "candor_outbox_pending_jobs{kind=push}": 0, "candor_outbox_oldest_pending_age_seconds{kind=push}": 0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if got[`candor_job_last_run_timestamp_seconds{job=tick}`] <= 0 || got["candor_snapshot_age_seconds"] < 0 {
		t.Errorf("timestamps: %v", got)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes",
		"candor_eta_calibration_incidents"} {
		if !got.has(name) {
			t.Errorf("no %s series", name)
		}
	}
}

// TestMetricsMove: the timers and gauges move with what the server does — requests by
// route and status class, store transactions, snapshot rebuilds, pushes sent, the outbox
// backlog and its age, the model's calibration — and the store going away shows.
func TestMetricsMove(t *testing.T) {
	en := newEnv(t)
	mx := metrics.New()
	// The wiring of serve: one timed store under everything, rebuilds and sends reported.
	store := mx.Store(en.store)
	en.svc = status.NewService(store, en.clock, nil)
	en.build = snapshot.NewBuilder(snapshot.Config{PageID: "candor-test", PageName: lang.Same("Test Status"), PublicURL: "https://status.example.com",
		Location: en.seoul}, store, en.assets)
	en.holder = snapshot.NewHolder(en.build, en.clock, nil)
	en.holder.SetObserver(mx.ObserveRebuild)
	if err := en.holder.Rebuild(t.Context()); err != nil {
		t.Fatal(err)
	}
	en.svc.Subscribe(func(status.Change) {
		if err := en.holder.Rebuild(context.Background()); err != nil {
			t.Errorf("rebuild: %v", err)
		}
	})
	sched := periodic.New(nil, nil)
	if err := sched.Add("tick", "@every 1h", 0, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := sched.RunNow("tick"); err != nil {
		t.Fatal(err)
	}
	hub := live.NewHub(live.Config{Revision: en.holder.Current().Revision})
	t.Cleanup(hub.Close)
	en.e = handlers.New(handlers.Deps{Service: en.svc, Site: en.holder, Builder: en.build, Assets: en.assets,
		DefaultLang: templates.Korean, Metrics: mx, Jobs: sched, Live: hub, Outbox: fakeOutbox{}})
	// A history, and incidents whose published ranges the live model's calibration is
	// measured on: one restored quickly, one very late.
	en.enableForecast()
	for _, took := range []time.Duration{time.Minute, 30 * 24 * time.Hour} {
		announced := en.clock.Now().Add(30 * time.Minute).Format(time.RFC3339)
		id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Slow", "message": "x",
			"impact": "minor", "announced_eta": announced}).want(201).json(), "id")
		en.clock.Advance(took)
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved", "message": "ok"}).want(201)
	}

	before := en.scrape()
	if before["candor_eta_calibration_incidents"] < 20 || before["candor_eta_calibration_estimates"] < 2 ||
		!before.has("candor_eta_coverage_ratio{quantile=0.9}") {
		t.Errorf("calibration of the demo history: %v incidents, coverage present %v", before["candor_eta_calibration_incidents"],
			before.has("candor_eta_coverage_ratio"))
	}
	if p50, p90 := before["candor_eta_coverage_ratio{quantile=0.5}"], before["candor_eta_coverage_ratio{quantile=0.9}"]; p90 != 0.5 || p50 != 0.5 {
		t.Errorf("coverage p50 %v, p90 %v; want 0.5 for one incident restored in a minute and one a month late", p50, p90)
	}
	if met := before["candor_eta_announced_met_ratio"]; met != 0.5 {
		t.Errorf("announced times met: %v, want 0.5", met)
	}
	en.do("GET", "/api/v2/summary.json", "", nil).want(200)
	en.do("GET", "/api/v2/summary.json", "", nil).want(200)
	en.do("GET", "/incidents/nope", "", nil).want(404)
	en.do("GET", "/no/such/page", "", nil).want(404)
	en.seedComponents([3]string{"chat", "Chat", ""})
	id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Down", "message": "x",
		"components": map[string]string{"chat": "major_outage"}}).want(201).json(), "id")
	// An outbox job owed since ten minutes ago.
	if err := store.Write(t.Context(), func(tx status.Tx) error {
		return tx.InsertJobs([]status.OutboxJob{{Kind: status.JobPush, IncidentID: id, Event: "created", Lang: "en",
			Condition: "'candor.all.en' in topics", Payload: []byte(`{}`), Status: status.JobPending,
			NextAttemptAt: en.clock.Now(), CreatedAt: time.Now().Add(-10 * time.Minute), UpdatedAt: en.clock.Now()}})
	}); err != nil {
		t.Fatal(err)
	}
	// A push through the timed sender: one delivered, one dead token.
	sender := mx.Sender(stubSender{})
	if _, err := sender.Send(t.Context(), []notifier.Message{{Token: "a"}, {Token: "b"}}); err != nil {
		t.Fatal(err)
	}
	after := en.scrape()

	grew := func(key string, by float64) {
		t.Helper()
		if after[key]-before[key] < by {
			t.Errorf("%s went from %v to %v, want it up by %v", key, before[key], after[key], by)
		}
	}
	grew(`candor_http_request_duration_seconds{code=2xx,method=GET,route=/api/v2/*}_count`, 2)
	grew(`candor_http_request_duration_seconds{code=4xx,method=GET,route=/incidents/:id}_count`, 1)
	grew(`candor_http_request_duration_seconds{code=2xx,method=POST,route=/api/v1/incidents}_count`, 1)
	grew(`candor_http_request_duration_seconds{code=2xx,method=GET,route=/metrics}_count`, 1)
	grew(`candor_store_transaction_duration_seconds{op=write,outcome=ok}_count`, 2)
	grew(`candor_store_transaction_duration_seconds{op=read,outcome=ok}_count`, 2)
	grew(`candor_store_transaction_duration_seconds{op=ping,outcome=ok}_count`, 1)
	grew(`candor_snapshot_rebuild_duration_seconds{outcome=ok}_count`, 2)
	grew(`candor_notify_send_duration_seconds{channel=push,op=send}_count`, 1)
	grew(`candor_notify_send_results_total{channel=push,op=send,outcome=ok}`, 1)
	grew(`candor_notify_send_results_total{channel=push,op=send,outcome=delete_token}`, 1)
	if after["candor_outbox_pending_jobs{kind=push}"] != 1 || after["candor_outbox_oldest_pending_age_seconds{kind=push}"] < 590 {
		t.Errorf("outbox backlog: %v pending, oldest %v s", after["candor_outbox_pending_jobs{kind=push}"],
			after["candor_outbox_oldest_pending_age_seconds{kind=push}"])
	}
	for k := range after {
		if strings.Contains(k, "route=/no/such/page") {
			t.Errorf("an unmatched path became a route label: %s", k)
		}
	}

	checkDashboards(t, after)

	// The store goes away: the scrape, with a key the store confirmed before, still
	// answers and says so; an unknown key does not get in.
	if err := en.store.Close(); err != nil {
		t.Fatal(err)
	}
	en.do("GET", "/metrics", en.admin, nil).want(503)
	down := en.scrape()
	if down["candor_store_up"] != 0 || down.has("candor_outbox_pending_jobs") {
		t.Errorf("with the store closed: up %v, outbox series present %v", down["candor_store_up"], down.has("candor_outbox_pending_jobs"))
	}
	grew = func(key string, by float64) {
		t.Helper()
		if down[key]-after[key] < by {
			t.Errorf("%s went from %v to %v, want it up by %v", key, after[key], down[key], by)
		}
	}
	grew(`candor_store_transaction_duration_seconds{op=ping,outcome=error}_count`, 1)
}

// stubSender acknowledges token "a" and reports every other token dead.
type stubSender struct{}

func (stubSender) Send(_ context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
	out := make([]notifier.Result, len(msgs))
	for i, m := range msgs {
		if m.Token != "a" {
			out[i] = notifier.Result{Err: context.Canceled, Class: notifier.ClassDeleteToken}
		}
	}
	return out, nil
}

func (stubSender) Subscribe(context.Context, string, []string) ([]notifier.TopicResult, error) {
	return nil, nil
}

func (stubSender) Unsubscribe(context.Context, string, []string) ([]notifier.TopicResult, error) {
	return nil, nil
}

// seriesName finds the metric names a PromQL expression uses.
var seriesName = regexp.MustCompile(`\b(?:candor|go|process)_[a-z0-9_]+`)

// checkDashboards: the Grafana dashboard and the alerting rules in deploy/ use only series
// a real scrape has, so renaming a metric without them fails here.
func checkDashboards(t *testing.T, got scrape) {
	t.Helper()
	raw, err := os.ReadFile("../deploy/grafana/candor.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	var exprs []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	rules, err := os.ReadFile("../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(rules), "\n") {
		if e, ok := strings.CutPrefix(strings.TrimSpace(line), "expr:"); ok {
			exprs = append(exprs, e)
		}
	}
	if len(exprs) < 20 {
		t.Fatalf("only %d expressions in the dashboard and rules", len(exprs))
	}
	for _, e := range exprs {
		for _, name := range seriesName.FindAllString(e, -1) {
			base := name
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				if b, ok := strings.CutSuffix(name, suffix); ok && got.family(b) {
					base = b
				}
			}
			if !got.family(base) {
				t.Errorf("%s (in %q) is not a series /metrics has", name, e)
			}
		}
	}
}

package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// Monitoring in, through HTTP: Alertmanager's webhook (payloads written from its documented
// version 4 format, in testdata/alertmanager), the generic signal API, drafts and publishing.

func payload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/alertmanager/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signalKey makes a key that may only send signals, as Alertmanager's configuration holds.
func (en *env) signalKey() string {
	en.t.Helper()
	secret, _, err := en.svc.CreateAPIKey(context.Background(), status.Op{Actor: status.System}, "alertmanager", status.ScopeSignal)
	if err != nil {
		en.t.Fatal(err)
	}
	return secret
}

func (en *env) runSignals() (int, int) {
	en.t.Helper()
	a, p, err := en.svc.RunSignals(context.Background())
	if err != nil {
		en.t.Fatal(err)
	}
	return a, p
}

func (en *env) componentStatus(id string) string {
	en.t.Helper()
	return get[string](en.t, en.do("GET", "/api/v1/components/"+id, en.read, nil).want(200).json(), "status")
}

func (en *env) auditActions(action string) []status.AuditEntry {
	en.t.Helper()
	es, err := en.svc.Audit(context.Background(), 1000, 0)
	if err != nil {
		en.t.Fatal(err)
	}
	var out []status.AuditEntry
	for _, e := range es {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func results(t *testing.T, m map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range get[[]any](t, m, "results") {
		rm := r.(map[string]any)
		out[rm["fingerprint"].(string)] = rm
	}
	return out
}

func TestAlertmanagerWebhook(t *testing.T) {
	en := newEnv(t)
	en.svc.SetLocation(en.seoul)
	en.seedComponents([3]string{"api", "API", "Core"}, [3]string{"web", "Web", "Core"})
	key := en.signalKey()
	start := en.clock.Now()

	// A grouped notification: two mapped alerts and one without candor_component.
	r := en.do("POST", "/api/v1/integrations/alertmanager", key, payload(t, "firing_group.json")).want(200).json()
	res := results(t, r)
	if res["5d3b1e2ac8e1f0a7"]["result"] != "new" || res["0c9f3d8a71b2e456"]["result"] != "new" ||
		res["e71a0b95c3d24f18"]["result"] != "ignored" || !strings.Contains(res["e71a0b95c3d24f18"]["problem"].(string), "candor_component") {
		t.Fatalf("results = %v", res)
	}
	if res["5d3b1e2ac8e1f0a7"]["applied"] != false || res["5d3b1e2ac8e1f0a7"]["takes_effect_at"] != start.Add(30*time.Second).Format(time.RFC3339Nano) {
		t.Errorf("api alert = %v, want it held for 30 s", res["5d3b1e2ac8e1f0a7"])
	}
	// Damping: nothing moves until the state has held for 30 s.
	en.clock.Advance(29 * time.Second)
	en.runSignals()
	if got := en.componentStatus("api"); got != "operational" {
		t.Errorf("api after 29 s: %s", got)
	}
	// Alertmanager repeats the group (group_interval, repeat_interval): deduplicated.
	r = en.do("POST", "/api/v1/integrations/alertmanager", key, payload(t, "firing_group.json")).want(200).json()
	if got := results(t, r)["5d3b1e2ac8e1f0a7"]["result"]; got != "repeat" {
		t.Errorf("repeated alert: %v", got)
	}
	en.clock.Advance(time.Second)
	if a, _ := en.runSignals(); a != 2 {
		t.Errorf("applied %d signals after 30 s, want 2", a)
	}
	if api, web := en.componentStatus("api"), en.componentStatus("web"); api != "major_outage" || web != "partial_outage" {
		t.Errorf("api %s, web %s; want the candor_status label and the default", api, web)
	}

	// Two drafts, listed only as drafts, and nowhere public.
	drafts := get[[]any](t, en.do("GET", "/api/v1/incidents?status=draft", en.read, nil).want(200).json(), "incidents")
	if len(drafts) != 2 {
		t.Fatalf("%d drafts, want 2", len(drafts))
	}
	var apiDraft map[string]any
	for _, d := range drafts {
		dm := d.(map[string]any)
		if dm["status"] != "draft" || dm["suggested_status"] != "investigating" {
			t.Errorf("draft %v", dm)
		}
		if comps := dm["components"].([]any); comps[0].(map[string]any)["id"] == "api" {
			apiDraft = dm
		}
	}
	id := apiDraft["id"].(string)
	if apiDraft["started_at"] != "2026-11-22T08:58:30.123456Z" || !strings.Contains(apiDraft["summary"].(string), "APIErrorRate: API 5xx rate above 20%") {
		t.Errorf("api draft = %v, want it started at the alert's startsAt, with its summary", apiDraft)
	}
	if got := get[[]any](t, en.do("GET", "/api/v1/incidents", en.read, nil).want(200).json(), "incidents"); len(got) != 0 {
		t.Errorf("incidents list shows %d, want no drafts in it", len(got))
	}
	for _, path := range []string{"/api/v2/incidents.json", "/api/v2/summary.json", "/?lang=en", "/history.atom?lang=en"} {
		if body := en.do("GET", path, "", nil).want(200).Body.String(); strings.Contains(body, id) || strings.Contains(body, "Problems with API") {
			t.Errorf("%s shows the draft", path)
		}
	}
	if got := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).want(200).json(); got["status"] != "draft" || len(got["signals"].([]any)) != 1 {
		t.Errorf("GET the draft: %v", got)
	}

	// Every change is audited with its source.
	if rep := en.auditActions("signal.report"); len(rep) != 2 || rep[0].Actor.Name != "alertmanager" || !strings.Contains(rep[0].Detail, "alertmanager") {
		t.Errorf("report audit %+v, want the two new alerts only (not the repeat), by the key", rep)
	}
	if app := en.auditActions("signal.apply"); len(app) != 2 || !strings.Contains(app[0].Detail, "alertmanager") {
		t.Errorf("apply audit %+v", app)
	}

	// The resolved notification: back to operational after the hold, drafts suggest
	// monitoring and stay drafts (people resolve).
	en.clock.Advance(5 * time.Minute)
	r = en.do("POST", "/api/v1/integrations/alertmanager", key, payload(t, "resolved_group.json")).want(200).json()
	if got := results(t, r)["0c9f3d8a71b2e456"]["result"]; got != "changed" {
		t.Errorf("resolved alert: %v", got)
	}
	en.clock.Advance(30 * time.Second)
	en.runSignals()
	if api, web := en.componentStatus("api"), en.componentStatus("web"); api != "operational" || web != "operational" {
		t.Errorf("after resolution: api %s, web %s", api, web)
	}
	got := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).want(200).json()
	if got["suggested_status"] != "monitoring" || got["status"] != "draft" {
		t.Errorf("draft after resolution: %v", got)
	}

	// Publishing starts the incident when the alert began, with monitoring's entry first.
	inc := en.do("POST", "/api/v1/incidents/"+id+"/publish", en.write, `{"message": {"en": "We are watching the API recover.", "ko": "API 회복을 지켜보고 있습니다."}}`).want(201).json()
	if inc["id"] != id || inc["started_at"] != "2026-11-22T08:58:30.123456Z" || inc["status"] != "monitoring" {
		t.Errorf("published incident %v", inc)
	}
	if got := en.componentStatus("api"); got != "operational" {
		t.Errorf("publishing a recovered problem set api to %s", got)
	}
	ups := get[[]any](t, inc, "updates")
	first := ups[0].(map[string]any)
	if len(ups) != 2 || first["kind"] != "system" || textIn(first["message"], "en") != "Detected by monitoring at 17:58 KST." {
		t.Errorf("timeline %v, want 'detected by monitoring' first", ups)
	}
	if body := en.do("GET", "/incidents/"+id+"?lang=ko", "", nil).want(200).Body.String(); !strings.Contains(body, "모니터링이") {
		t.Errorf("the public page lacks the Korean detection entry")
	}
	en.do("POST", "/api/v1/incidents/"+id+"/publish", en.write, nil).want(409)
	if n := len(get[[]any](t, en.do("GET", "/api/v1/incidents?status=draft", en.read, nil).want(200).json(), "incidents")); n != 1 {
		t.Errorf("%d drafts left, want 1", n)
	}
}

func TestAlertmanagerPayloadsFromElsewhere(t *testing.T) {
	en := newEnv(t)
	en.svc.SetSignalHold(0)
	en.seedComponents([3]string{"api", "API", ""})
	key := en.signalKey()
	// Grafana's Alertmanager-compatible webhook: extra fields, no fingerprint.
	r := en.do("POST", "/api/v1/integrations/alertmanager", key, payload(t, "grafana_no_fingerprint.json")).want(200).json()
	res := get[[]any](t, r, "results")[0].(map[string]any)
	if res["result"] != "new" || res["applied"] != true || len(res["fingerprint"].(string)) != 16 {
		t.Errorf("result %v", res)
	}
	if got := en.componentStatus("api"); got != "degraded_performance" {
		t.Errorf("api %s", got)
	}
	// The same labels give the same fingerprint: a repeat.
	r = en.do("POST", "/api/v1/integrations/alertmanager", key, payload(t, "grafana_no_fingerprint.json")).want(200).json()
	if got := get[[]any](t, r, "results")[0].(map[string]any)["result"]; got != "repeat" {
		t.Errorf("second delivery: %v", got)
	}
	// A candor_status that is no signal status is skipped with the label named.
	bad := strings.Replace(string(payload(t, "grafana_no_fingerprint.json")), `"degraded_performance"`, `"on_fire"`, 1)
	bad = strings.Replace(bad, `"Search errors"`, `"Other"`, 1)
	r = en.do("POST", "/api/v1/integrations/alertmanager", key, bad).want(200).json()
	if res := get[[]any](t, r, "results")[0].(map[string]any); res["result"] != "ignored" || !strings.Contains(res["problem"].(string), "candor_status") {
		t.Errorf("bad status: %v", res)
	}
}

func TestIntegrationsRefuseBadInputAndKeys(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"api", "API", ""})
	key := en.signalKey()
	am := "/api/v1/integrations/alertmanager"
	en.do("POST", am, "", payload(t, "firing_group.json")).want(401)
	en.do("POST", am, en.read, payload(t, "firing_group.json")).want(403)
	en.do("GET", "/api/v1/incidents", key, nil).want(403) // a signal key reads nothing
	en.do("POST", "/api/v1/incidents", key, `{"title": "x", "message": "y"}`).want(403)
	en.do("POST", am, en.write, payload(t, "firing_group.json")).want(200) // write keys may send too

	for _, tc := range []struct {
		name, body string
		code       int
		field      string
	}{
		{"empty", "", 400, ""},
		{"malformed", `{"version": "4", "alerts": [`, 400, ""},
		{"wrong type", `{"version": "4", "alerts": "many"}`, 400, "alerts"},
		{"bad time", `{"version": "4", "alerts": [{"status": "firing", "startsAt": "yesterday"}]}`, 400, ""},
		{"old version", `{"version": "3", "alerts": [{"status": "firing"}]}`, 422, "version"},
		{"no alerts", `{"version": "4", "alerts": []}`, 422, "alerts"},
	} {
		r := en.do("POST", am, key, tc.body).want(tc.code)
		if _, fields := r.apiError(); tc.field != "" && fields[tc.field] == nil {
			t.Errorf("%s: fields %v, want %s named", tc.name, fields, tc.field)
		}
	}

	sig := "/api/v1/integrations/signal"
	for _, tc := range []struct {
		name, body, field string
		code              int
	}{
		{"unknown field", `{"component": "api", "source": "grafana", "severity": "high"}`, "severity", 400},
		{"no source", `{"component": "api"}`, "source", 422},
		{"bad status", `{"component": "api", "source": "grafana", "status": "operational"}`, "status", 422},
		{"unknown component", `{"component": "ghost", "source": "grafana"}`, "component", 422},
		{"bad time", `{"component": "api", "source": "grafana", "started_at": "soon"}`, "started_at", 422},
	} {
		r := en.do("POST", sig, key, tc.body).want(tc.code)
		if _, fields := r.apiError(); fields[tc.field] == nil {
			t.Errorf("%s: fields %v, want %s named", tc.name, fields, tc.field)
		}
	}
}

func TestGenericSignal(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"api", "API", ""})
	key := en.signalKey()
	body := `{"component": "api", "status": "degraded_performance", "source": "datadog", "summary": "p99 above 2s",
		"dedup_key": "api-latency", "started_at": "2026-11-22T08:55:00Z"}`
	r := en.do("POST", "/api/v1/integrations/signal", key, body).want(200).json()
	if r["result"] != "new" || r["key"] != "signal:datadog:api-latency" || r["applied"] != false {
		t.Errorf("first report %v", r)
	}
	en.clock.Advance(30 * time.Second)
	if r := en.do("POST", "/api/v1/integrations/signal", key, body).want(200).json(); r["result"] != "repeat" || r["applied"] != true {
		t.Errorf("repeat after the hold %v, want it applied on the spot", r)
	}
	if got := en.componentStatus("api"); got != "degraded_performance" {
		t.Errorf("api %s", got)
	}
	sigs := get[[]any](t, en.do("GET", "/api/v1/signals?component=api&active=true", en.read, nil).want(200).json(), "signals")
	if len(sigs) != 1 || sigs[0].(map[string]any)["began_at"] != "2026-11-22T08:55:00Z" || sigs[0].(map[string]any)["repeats"] != 1.0 {
		t.Errorf("signals %v", sigs)
	}
	// Dismissing the draft keeps it out of the list and off the page.
	d := get[[]any](t, en.do("GET", "/api/v1/incidents?status=draft", en.read, nil).want(200).json(), "incidents")[0].(map[string]any)
	if got := en.do("POST", "/api/v1/incidents/"+d["id"].(string)+"/dismiss", en.write, nil).want(200).json(); got["status"] != "dismissed" {
		t.Errorf("dismissed %v", got)
	}
	if n := len(get[[]any](t, en.do("GET", "/api/v1/incidents?status=draft", en.read, nil).want(200).json(), "incidents")); n != 0 {
		t.Errorf("%d drafts after dismissing", n)
	}
	en.do("POST", "/api/v1/integrations/signal", key, `{"component": "api", "source": "datadog", "dedup_key": "api-latency", "resolved": true}`).want(200)
	en.clock.Advance(30 * time.Second)
	en.runSignals()
	if got := en.componentStatus("api"); got != "operational" {
		t.Errorf("api after resolution %s", got)
	}
}

func TestMonitoringSettingsAPI(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"api", "API", ""})
	if got := en.do("GET", "/api/v1/components/api/monitoring", en.read, nil).want(200).json(); got["auto_publish_after"] != "0s" || got["template_id"] != nil {
		t.Errorf("defaults %v", got)
	}
	en.do("PATCH", "/api/v1/components/api/monitoring", en.write, `{"auto_publish_after": "5m"}`).want(403)
	got := en.do("PATCH", "/api/v1/components/api/monitoring", en.admin, `{"auto_publish_after": "5m", "sparkline": true}`).want(200).json()
	if got["auto_publish_after"] != "5m0s" || got["sparkline"] != true {
		t.Errorf("saved %v", got)
	}
	_, fields := en.do("PATCH", "/api/v1/components/api/monitoring", en.admin, `{"auto_publish_after": "10s"}`).want(422).apiError()
	if fields["auto_publish_after"] == nil {
		t.Errorf("fields %v", fields)
	}
	_, fields = en.do("PATCH", "/api/v1/components/api/monitoring", en.admin, `{"template_id": "nope"}`).want(422).apiError()
	if fields["template_id"] == nil {
		t.Errorf("fields %v", fields)
	}
	en.do("GET", "/api/v1/components/ghost/monitoring", en.read, nil).want(404)
}

func TestAlertmanagerTakesLargeGroups(t *testing.T) {
	en := newEnv(t)
	en.svc.SetSignalHold(0)
	en.seedComponents([3]string{"api", "API", ""})
	key := en.signalKey()
	// 300 alerts with long annotations: well over the API's usual 64 KiB.
	var alerts []string
	for i := range 300 {
		alerts = append(alerts, `{"status": "firing", "labels": {"alertname": "PodCrashLooping", "candor_component": "api",
			"pod": "api-`+strings.Repeat("x", 20)+string(rune('a'+i%26))+`-`+time.Duration(i).String()+`"},
			"annotations": {"description": "`+strings.Repeat("The pod restarted repeatedly. ", 8)+`"},
			"startsAt": "2026-11-22T08:58:00Z", "endsAt": "0001-01-01T00:00:00Z"}`)
	}
	body := `{"version": "4", "status": "firing", "receiver": "candor", "groupKey": "{}:{}", "truncatedAlerts": 0, "alerts": [` +
		strings.Join(alerts, ",") + `]}`
	if len(body) < 100<<10 {
		t.Fatalf("body only %d bytes", len(body))
	}
	r := en.do("POST", "/api/v1/integrations/alertmanager", key, body).want(200).json()
	if n := len(get[[]any](t, r, "results")); n != 300 {
		t.Errorf("%d results", n)
	}
	huge := `{"version": "4", "alerts": [` + strings.Repeat(`{"status": "firing"},`, 60000) + `{}]}`
	if code, _ := en.do("POST", "/api/v1/integrations/alertmanager", key, huge).want(413).apiError(); code != "too_large" {
		t.Errorf("code %s", code)
	}
	en.do("POST", "/api/v1/integrations/signal", key, `{"component": "api", "source": "x", "summary": "`+strings.Repeat("y", 70<<10)+`"}`).want(413)
}

// TestSignalControlCharacters (attack run 2): an Alertmanager group in which one alert's
// annotation holds a NUL and an escape sequence and another's candor_component label holds a
// NUL is taken on both stores: the summary is kept with spaces for the control characters,
// the alert with the unusable label is ignored with its reason, the others count. Before,
// PostgreSQL refused the whole group with 422 (Alertmanager retries it, and every alert of
// the group was lost) and SQLite stored the NUL and the escape sequence for the console and
// the audit log. The generic signal API refuses control characters in dedup_key and source.
func TestSignalControlCharacters(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		en.seedComponents([3]string{"api", "API", ""}, [3]string{"web", "Web", ""})
		key := en.signalKey()
		body := `{"version": "4", "status": "firing", "receiver": "candor", "groupKey": "g", "alerts": [
			{"status": "firing", "fingerprint": "aaaa", "labels": {"alertname": "Latency", "candor_component": "api"},
			 "annotations": {"summary": "p99\u0000 above \u001b[31m2s"}},
			{"status": "firing", "fingerprint": "bbbb", "labels": {"alertname": "Errors", "candor_component": "we\u0000b"}},
			{"status": "firing", "fingerprint": "cccc", "labels": {"alertname": "Down", "candor_component": "web"}}]}`
		res := results(t, en.do("POST", "/api/v1/integrations/alertmanager", key, body).want(200).json())
		if res["aaaa"]["result"] != "new" || res["cccc"]["result"] != "new" || res["bbbb"]["result"] != "ignored" ||
			!strings.Contains(fmt.Sprint(res["bbbb"]["problem"]), "component must not contain control characters") {
			t.Fatalf("results %v", res)
		}
		sigs := get[[]any](t, en.do("GET", "/api/v1/signals?component=api", en.read, nil).want(200).json(), "signals")
		if len(sigs) != 1 || !strings.HasSuffix(sigs[0].(map[string]any)["summary"].(string), "p99  above  [31m2s") {
			t.Errorf("signals %v", sigs)
		}
		for _, b := range []string{
			`{"component": "api", "source": "datadog", "dedup_key": "lat\u001bency"}`,
			`{"component": "api", "source": "data\u0000dog", "dedup_key": "latency"}`,
		} {
			_, fields := en.do("POST", "/api/v1/integrations/signal", key, b).want(http.StatusUnprocessableEntity).apiError()
			if !strings.Contains(fmt.Sprint(fields), "control characters") {
				t.Errorf("%s: fields %v", b, fields)
			}
		}
	})
}

// slowTxStore is a store on which a transaction that stores more than limit signals
// outlasts its deadline and is rolled back, as one applying thousands of alerts does on a
// busy database.
type slowTxStore struct {
	status.Store
	limit int
}

type countingTx struct {
	status.Tx
	puts *int
}

func (tx countingTx) PutSignal(g *status.Signal) error {
	*tx.puts++
	return tx.Tx.PutSignal(g)
}

func (s *slowTxStore) Write(ctx context.Context, fn func(status.Tx) error) error {
	return s.Store.Write(ctx, func(tx status.Tx) error {
		puts := 0
		if err := fn(countingTx{Tx: tx, puts: &puts}); err != nil {
			return err
		}
		if puts > s.limit {
			return status.Errorf(status.EUNAVAILABLE, "The database is unavailable; try again later.")
		}
		return nil
	})
}

// TestSignalsJobKeepsProgress (attack run 2): the signals job applies a large backlog in
// batches that commit as they go, so a backlog too large for one transaction within the
// job's deadline is still applied. Before, every due signal was applied in one
// transaction: an Alertmanager group of 5 000 alerts on a store with many open incidents
// outlasted the job's 30 s deadline, was rolled back at every run and never applied, while
// on SQLite each attempt held the write lock and every staff write answered 503.
func TestSignalsJobKeepsProgress(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"api", "API", ""})
	key := en.signalKey()
	var alerts []string
	for i := range 250 {
		alerts = append(alerts, fmt.Sprintf(`{"status": "firing", "fingerprint": "f%03d", "labels": {"alertname": "A%d", "candor_component": "api"}}`, i, i))
	}
	en.do("POST", "/api/v1/integrations/alertmanager", key,
		`{"version": "4", "status": "firing", "alerts": [`+strings.Join(alerts, ",")+`]}`).want(200)
	pending := func() int {
		return len(get[[]any](t, en.do("GET", "/api/v1/signals?pending=true", en.read, nil).want(200).json(), "signals"))
	}
	if n := pending(); n != 250 {
		t.Fatalf("%d pending signals, want 250", n)
	}
	en.clock.Advance(30 * time.Second)

	slow := status.NewService(&slowTxStore{Store: en.store, limit: 120}, en.clock, nil)
	for run := 0; run < 3 && pending() > 0; run++ {
		if _, _, err := slow.RunSignals(context.Background()); err != nil {
			t.Errorf("run %d: %v", run, err)
		}
	}
	if n := pending(); n != 0 {
		t.Errorf("%d signals still pending after three runs", n)
	}
	if got := en.componentStatus("api"); got != "partial_outage" {
		t.Errorf("api %s", got)
	}
}

package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// verify is the receiver's side of Standard Webhooks, written from the specification
// (not from Sign): strip "whsec_", base64-decode the key, HMAC-SHA256 over
// "id.timestamp.body", compare with each "v1," signature in the header.
func verify(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + string(body)))
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		v, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

func TestSignatureVerifiesIndependently(t *testing.T) {
	secret := status.NewWebhookSecret()
	body := []byte(`{"incident":{"id":"abc","name":"로그인 장애"}}`)
	h := http.Header{}
	ts := time.Unix(1764800000, 0)
	if err := webhook.SetHeaders(h, secret, "msg_1", ts, body); err != nil {
		t.Fatal(err)
	}
	if h.Get("webhook-timestamp") != "1764800000" || h.Get("webhook-id") != "msg_1" {
		t.Fatalf("headers %v", h)
	}
	if !verify(secret, h, body) {
		t.Fatal("an independent verifier rejects the signature")
	}
	// Any change is caught: body, id, timestamp, key.
	if verify(secret, h, append(body, ' ')) {
		t.Error("a changed body verifies")
	}
	h2 := h.Clone()
	h2.Set("webhook-timestamp", "1764800001")
	if verify(secret, h2, body) {
		t.Error("a changed timestamp verifies")
	}
	if verify(status.NewWebhookSecret(), h, body) {
		t.Error("another secret verifies")
	}
}

// The example of the Standard Webhooks specification's reference libraries.
func TestSignatureMatchesTheSpecExample(t *testing.T) {
	got, err := webhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

func TestGuardRefusesPrivateAddresses(t *testing.T) {
	ctx := context.Background()
	g := webhook.Guard{}
	for _, u := range []string{
		"https://127.0.0.1/hook", "https://[::1]/hook", "https://169.254.169.254/latest/meta-data",
		"https://10.1.2.3/hook", "https://192.168.0.10/hook", "https://172.16.5.4/hook", "https://100.64.0.1/hook",
		"https://[fd00:ec2::254]/", "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/", "https://localhost/hook",
		"https://metadata.google.internal/",
	} {
		if err := g.CheckURL(ctx, u); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("CheckURL(%s) = %v, want a refusal", u, err)
		}
	}
	if err := g.CheckURL(ctx, "http://93.184.215.14/hook"); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("http:// accepted without the setting: %v", err)
	}
	if err := g.CheckURL(ctx, "https://93.184.215.14/hook"); err != nil {
		t.Errorf("a public address refused: %v", err)
	}
	open := webhook.Guard{AllowPrivate: true}
	if err := open.CheckURL(ctx, "http://127.0.0.1:8080/hook"); err != nil {
		t.Errorf("allowed loopback refused: %v", err)
	}
	if err := open.CheckURL(ctx, "http://169.254.169.254/"); err == nil {
		t.Error("cloud metadata allowed with private addresses")
	}
}

// The dial check sees the address actually connected to: a name that resolves to loopback
// is refused there even though nothing checked it at registration.
func TestGuardRefusesTheDialledAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, addr := range []string{"localhost:" + port, "127.0.0.1:" + port} {
		_, err := webhook.Guard{}.DialContext(context.Background(), "tcp", addr)
		if !errors.Is(err, webhook.ErrBlocked) {
			t.Errorf("dial %s: %v, want ErrBlocked", addr, err)
		}
	}
	c, err := webhook.Guard{AllowPrivate: true}.DialContext(context.Background(), "tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	c.Close()
}

// env is a service with the planner on a fresh SQLite store.
type env struct {
	svc   *status.Service
	store status.Store
	clock *status.ManualClock
}

var op = status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC))
	svc := status.NewService(st, clock, nil)
	seoul, _ := time.LoadLocation("Asia/Seoul")
	svc.SetLocation(seoul)
	b := snapshot.NewBuilder(snapshot.Config{PageID: "page1", PageName: lang.Text{KO: "캔더", EN: "Candor"}, DefaultLang: lang.Korean,
		PublicURL: "https://status.example.com", Location: seoul}, st, nil)
	svc.SetWebhooks(&webhook.Planner{Builder: b}, nil)
	return &env{svc: svc, store: st, clock: clock}
}

func (e *env) hook(t *testing.T, format status.WebhookFormat, l string, events ...status.WebhookEvent) *status.WebhookEndpoint {
	t.Helper()
	u := "https://hooks.example.com/" + string(format)
	in := status.WebhookInput{URL: &u, Format: &format, Lang: &l}
	if len(events) > 0 {
		in.Events = events
	}
	h, err := e.svc.CreateWebhook(context.Background(), op, in)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// bodies returns the bodies queued for an endpoint, oldest first.
func (e *env) bodies(t *testing.T, id string) []map[string]any {
	t.Helper()
	var ds []status.WebhookDelivery
	if err := e.store.Read(context.Background(), func(tx status.Tx) error {
		var err error
		ds, err = tx.WebhookDeliveries(status.WebhookDeliveryFilter{EndpointID: id})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for i := len(ds) - 1; i >= 0; i-- {
		var m map[string]any
		if err := json.Unmarshal(ds[i].Body, &m); err != nil {
			t.Fatalf("delivery %d: %v", ds[i].ID, err)
		}
		m["$event"] = string(ds[i].Event)
		out = append(out, m)
	}
	return out
}

func (e *env) outage(t *testing.T) *status.Incident {
	t.Helper()
	ctx := context.Background()
	if _, err := e.svc.CreateComponent(ctx, op, status.ComponentInput{ID: "login", Name: lang.Text{KO: "로그인", EN: "Login"}}); err != nil {
		t.Fatal(err)
	}
	inc, err := e.svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Text{KO: "로그인 장애", EN: "Login down"},
		Message: lang.Text{KO: "원인을 조사하고 있습니다.", EN: "We are investigating."}, Status: status.Investigating,
		Components: map[string]status.ComponentStatus{"login": status.MajorOutage}, Notify: true,
		AnnouncedETA: e.clock.Now().Add(40 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// keys fails t unless m has every key.
func keys(t *testing.T, what string, m any, ks ...string) {
	t.Helper()
	obj, ok := m.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, not an object", what, m)
	}
	for _, k := range ks {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s lacks %q", what, k)
		}
	}
}

func TestStatuspageBodies(t *testing.T) {
	e := newEnv(t)
	h := e.hook(t, status.FormatStatuspage, "en")
	inc := e.outage(t)
	bodies := e.bodies(t, h.ID)
	// The incident, then the component it took down.
	if len(bodies) != 2 || bodies[0]["$event"] != "incident.created" || bodies[1]["$event"] != "component.status_changed" {
		t.Fatalf("events %v", bodies)
	}
	b := bodies[0]
	keys(t, "body", b, "meta", "page", "incident")
	keys(t, "meta", b["meta"], "unsubscribe", "documentation", "generated_at")
	keys(t, "page", b["page"], "id", "status_indicator", "status_description")
	if p := b["page"].(map[string]any); p["status_indicator"] != "critical" || p["status_description"] != "Major System Outage" {
		t.Errorf("page %v", p)
	}
	in := b["incident"].(map[string]any)
	keys(t, "incident", in, "id", "name", "status", "impact", "created_at", "updated_at", "started_at", "monitoring_at",
		"resolved_at", "shortlink", "page_id", "incident_updates", "components", "backfilled", "impact_override",
		"postmortem_body", "postmortem_body_last_updated_at", "postmortem_ignored", "postmortem_notified_subscribers",
		"postmortem_notified_twitter", "postmortem_published_at", "scheduled_remind_prior", "scheduled_reminded_at",
		"scheduled_auto_in_progress", "scheduled_auto_completed", "eta")
	if in["id"] != inc.ID || in["name"] != "Login down" || in["status"] != "investigating" {
		t.Errorf("incident %v %v %v", in["id"], in["name"], in["status"])
	}
	ups := in["incident_updates"].([]any)
	keys(t, "incident_update", ups[0], "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
		"affected_components", "deliver_notifications")
	ac := ups[0].(map[string]any)["affected_components"].([]any)[0]
	keys(t, "affected_component", ac, "code", "name", "old_status", "new_status")
	eta := in["eta"].(map[string]any)
	keys(t, "eta", eta, "p50", "p90", "basis", "announced", "missed")
	if eta["announced"] == nil {
		t.Error("eta.announced is null though staff announced a time")
	}

	c := bodies[1]
	keys(t, "component body", c, "meta", "page", "component_update", "component")
	keys(t, "component_update", c["component_update"], "created_at", "new_status", "old_status", "id", "component_id", "component_type")
	cu := c["component_update"].(map[string]any)
	if cu["old_status"] != "operational" || cu["new_status"] != "major_outage" || cu["component_id"] != "login" {
		t.Errorf("component_update %v", cu)
	}
	keys(t, "component", c["component"], "id", "name", "status", "created_at", "updated_at", "position", "group_id", "page_id")

	// An update and the resolution follow, each with the whole timeline, newest first.
	ctx := context.Background()
	e.clock.Advance(10 * time.Minute)
	if _, err := e.svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed."), Components: map[string]status.ComponentStatus{"login": status.Operational}}); err != nil {
		t.Fatal(err)
	}
	bodies = e.bodies(t, h.ID)
	last := bodies[len(bodies)-2] // the resolution; its component's return follows
	if last["$event"] != "incident.resolved" || bodies[len(bodies)-1]["$event"] != "component.status_changed" {
		t.Fatalf("events after resolving: %v, %v", last["$event"], bodies[len(bodies)-1]["$event"])
	}
	in = last["incident"].(map[string]any)
	if in["status"] != "resolved" || len(in["incident_updates"].([]any)) != 2 || in["eta"] != nil {
		t.Errorf("resolved incident: status %v, %d updates, eta %v", in["status"], len(in["incident_updates"].([]any)), in["eta"])
	}
	if p := last["page"].(map[string]any); p["status_indicator"] != "none" {
		t.Errorf("page after resolution %v", p)
	}
}

func TestEventsAndComponentsFilter(t *testing.T) {
	e := newEnv(t)
	only := e.hook(t, status.FormatStatuspage, "en", status.EventIncidentResolved)
	other := "search"
	ctx := context.Background()
	if _, err := e.svc.CreateComponent(ctx, op, status.ComponentInput{ID: other, Name: lang.Same("Search")}); err != nil {
		t.Fatal(err)
	}
	elsewhere, err := e.svc.CreateWebhook(ctx, op, status.WebhookInput{URL: ptr("https://x.example.com/h"), Components: []string{other}})
	if err != nil {
		t.Fatal(err)
	}
	inc := e.outage(t)
	if n := len(e.bodies(t, only.ID)); n != 0 {
		t.Errorf("resolved-only endpoint got %d events for a new incident", n)
	}
	if _, err := e.svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed."), Components: map[string]status.ComponentStatus{"login": status.Operational}}); err != nil {
		t.Fatal(err)
	}
	if b := e.bodies(t, only.ID); len(b) != 1 || b[0]["$event"] != "incident.resolved" {
		t.Errorf("resolved-only endpoint got %v", b)
	}
	if n := len(e.bodies(t, elsewhere.ID)); n != 0 {
		t.Errorf("an endpoint for another component got %d events", n)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSlackAndDiscordBodies(t *testing.T) {
	e := newEnv(t)
	slack := e.hook(t, status.FormatSlack, "ko", status.EventIncidentCreated)
	discord := e.hook(t, status.FormatDiscord, "en", status.EventIncidentCreated)
	e.outage(t)

	s := e.bodies(t, slack.ID)[0]
	keys(t, "slack", s, "text", "blocks")
	text := s["text"].(string)
	if !strings.Contains(text, "로그인 장애") || !strings.Contains(text, "https://status.example.com/incidents/") {
		t.Errorf("slack fallback text %q lacks the title or the link", text)
	}
	blocks := s["blocks"].([]any)
	if blocks[0].(map[string]any)["type"] != "header" {
		t.Errorf("first block %v", blocks[0])
	}
	raw, _ := json.Marshal(s["blocks"])
	for _, want := range []string{"상태", "원인 조사 중", "영향도", "복구 예정 시각: 15:40 KST", "상태 페이지 열기"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("slack blocks lack %q: %s", want, raw)
		}
	}

	d := e.bodies(t, discord.ID)[0]
	keys(t, "discord", d, "content", "embeds", "allowed_mentions")
	em := d["embeds"].([]any)[0].(map[string]any)
	keys(t, "embed", em, "title", "url", "description", "color", "fields", "timestamp")
	if !strings.Contains(em["title"].(string), "Login down") || !strings.HasPrefix(em["url"].(string), "https://status.example.com/incidents/") {
		t.Errorf("embed %v", em)
	}
	if !strings.Contains(em["description"].(string), "back by 15:40 KST") {
		t.Errorf("embed description lacks the announced time: %q", em["description"])
	}
	if p := d["allowed_mentions"].(map[string]any)["parse"].([]any); len(p) != 0 {
		t.Errorf("mentions allowed: %v", p)
	}
}

func TestMaintenanceBodies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.CreateComponent(ctx, op, status.ComponentInput{ID: "db", Name: lang.Same("Database")}); err != nil {
		t.Fatal(err)
	}
	h := e.hook(t, status.FormatStatuspage, "en", status.EventMaintenanceScheduled, status.EventMaintenanceStarted,
		status.EventMaintenanceCompleted, status.EventComponentStatus)
	m, err := e.svc.ScheduleMaintenance(ctx, op, status.MaintenanceInput{Title: lang.Same("DB upgrade"), Message: lang.Same("Planned."),
		Components: []string{"db"}, ScheduledFor: e.clock.Now().Add(time.Hour), ScheduledUntil: e.clock.Now().Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.svc.StartMaintenance(ctx, op, m.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PostMaintenanceUpdate(ctx, op, m.ID, status.MaintenanceUpdateInput{Status: status.MaintCompleted, Message: lang.Same("Done.")}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range e.bodies(t, h.ID) {
		ev := b["$event"].(string)
		if in, ok := b["incident"].(map[string]any); ok {
			keys(t, "maintenance", in, "id", "status", "impact", "scheduled_for", "scheduled_until", "incident_updates", "backfilled")
			ev += ":" + in["status"].(string)
		} else {
			ev += ":" + b["component_update"].(map[string]any)["new_status"].(string)
		}
		got = append(got, ev)
	}
	want := "maintenance.scheduled:scheduled maintenance.started:in_progress component.status_changed:under_maintenance " +
		"maintenance.completed:completed component.status_changed:operational"
	if strings.Join(got, " ") != want {
		t.Errorf("events\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

package dispatch_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// receiver is an httptest server that answers with the statuses it is given, in turn
// (then 204), and records every request it got.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	answers []int
	headers map[string]string // extra response headers
	got     []received
}

type received struct {
	header http.Header
	body   []byte
	status int
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		code := http.StatusNoContent
		if len(r.answers) > 0 {
			code, r.answers = r.answers[0], r.answers[1:]
		}
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, status: code})
		for k, v := range r.headers {
			w.Header().Set(k, v)
		}
		r.mu.Unlock()
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "https://elsewhere.example.com/")
		}
		w.WriteHeader(code)
		io.WriteString(w, "answer body")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// accepted returns the webhook-ids the receiver answered 2xx, in order.
func (r *receiver) accepted() []string {
	var out []string
	for _, g := range r.requests() {
		if g.status < 300 {
			out = append(out, g.header.Get("webhook-id"))
		}
	}
	return out
}

// verify checks a Standard Webhooks signature from the specification, independently of
// the sender's code.
func verify(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + string(body)))
	sig, ok := strings.CutPrefix(h.Get("webhook-signature"), "v1,")
	got, err := base64.StdEncoding.DecodeString(sig)
	return ok && err == nil && hmac.Equal(got, mac.Sum(nil))
}

type hookEnv struct {
	svc   *status.Service
	store status.Store
	clock *status.ManualClock
	d     *dispatch.WebhookDispatcher
	// outcomes is what the dispatcher reported to Observe (for /metrics), in order.
	mu       sync.Mutex
	outcomes []string
}

func (e *hookEnv) observed() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.outcomes)
}

var hookOp = status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}

func newHookEnv(t *testing.T) *hookEnv {
	t.Helper()
	st, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC))
	svc := status.NewService(st, clock, nil)
	b := snapshot.NewBuilder(snapshot.Config{PageID: "p", PageName: lang.Same("Candor"), PublicURL: "https://status.example.com"}, st, nil)
	guard := webhook.Guard{AllowPrivate: true}
	svc.SetWebhooks(&webhook.Planner{Builder: b}, guard.CheckURL)
	e := &hookEnv{svc: svc, store: st, clock: clock}
	e.d = dispatch.NewWebhookDispatcher(dispatch.WebhookConfig{Store: st, Guard: guard, Clock: clock, Timeout: 2 * time.Second,
		Rand: func() float64 { return 0 }, Observe: func(took time.Duration, outcome string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.outcomes = append(e.outcomes, outcome)
		}})
	if _, err := svc.CreateComponent(t.Context(), hookOp, status.ComponentInput{ID: "api", Name: lang.Same("API")}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *hookEnv) register(t *testing.T, url string) *status.WebhookEndpoint {
	t.Helper()
	h, err := e.svc.CreateWebhook(t.Context(), hookOp, status.WebhookInput{URL: &url,
		Events: []status.WebhookEvent{status.EventIncidentCreated, status.EventIncidentUpdated, status.EventIncidentResolved}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (e *hookEnv) incident(t *testing.T) *status.Incident {
	t.Helper()
	inc, err := e.svc.CreateIncident(t.Context(), hookOp, status.IncidentInput{Title: lang.Same("API down"), Message: lang.Same("Looking."),
		Components: map[string]status.ComponentStatus{"api": status.MajorOutage}})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func (e *hookEnv) update(t *testing.T, id, msg string) {
	t.Helper()
	if _, err := e.svc.PostUpdate(t.Context(), hookOp, id, status.UpdateInput{Message: lang.Same(msg)}); err != nil {
		t.Fatal(err)
	}
}

func (e *hookEnv) drain(t *testing.T) {
	t.Helper()
	if _, err := e.d.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func (e *hookEnv) deliveries(t *testing.T, id string) []status.WebhookDelivery {
	t.Helper()
	var ds []status.WebhookDelivery
	if err := e.store.Read(t.Context(), func(tx status.Tx) error {
		var err error
		ds, err = tx.WebhookDeliveries(status.WebhookDeliveryFilter{EndpointID: id})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ds
}

func (e *hookEnv) endpoint(t *testing.T, id string) *status.WebhookEndpoint {
	t.Helper()
	var h *status.WebhookEndpoint
	if err := e.store.Read(t.Context(), func(tx status.Tx) error {
		var err error
		h, err = tx.WebhookEndpoint(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestWebhookSignedStatuspageBody(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t)
	h := e.register(t, r.URL+"/hook")
	inc := e.incident(t)
	e.drain(t)
	got := r.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	g := got[0]
	if !verify(h.Secret, g.header, g.body) {
		t.Fatal("the signature does not verify")
	}
	if ts := g.header.Get("webhook-timestamp"); ts != "1795327200" { // the manual clock's now
		t.Errorf("webhook-timestamp %s", ts)
	}
	if g.header.Get("Content-Type") != "application/json" || !strings.HasPrefix(g.header.Get("webhook-id"), "msg_") {
		t.Errorf("headers %v", g.header)
	}
	var body struct {
		Incident struct{ ID, Status string } `json:"incident"`
	}
	if err := json.Unmarshal(g.body, &body); err != nil || body.Incident.ID != inc.ID {
		t.Fatalf("body %s (%v)", g.body, err)
	}
	ds := e.deliveries(t, h.ID)
	if ds[0].Status != status.JobSent || ds[0].Attempts != 1 || ds[0].LastStatus != 204 {
		t.Errorf("delivery %+v", ds[0])
	}
}

// A receiver that fails twice then succeeds gets the event once after its successes, with
// the same webhook-id every time.
func TestWebhookRetriesUntilAccepted(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 500, 503)
	h := e.register(t, r.URL)
	e.incident(t)
	e.drain(t)
	e.drain(t) // not due yet: nothing more is sent
	if n := len(r.requests()); n != 1 {
		t.Fatalf("%d requests before the backoff passed", n)
	}
	ds := e.deliveries(t, h.ID)
	if ds[0].Status != status.JobPending || ds[0].LastStatus != 500 || !strings.Contains(ds[0].LastError, "HTTP 500") {
		t.Fatalf("after one failure: %+v", ds[0])
	}
	if wait := ds[0].NextAttemptAt.Sub(e.clock.Now()); wait != 15*time.Second { // 30 s base, jitter 0 → half
		t.Errorf("first backoff %s", wait)
	}
	for range 4 {
		e.clock.Advance(2 * time.Minute)
		e.drain(t)
	}
	got := r.requests()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3 (500, 503, 204)", len(got))
	}
	for _, g := range got[1:] {
		if g.header.Get("webhook-id") != got[0].header.Get("webhook-id") {
			t.Error("webhook-id changed between retries")
		}
	}
	ds = e.deliveries(t, h.ID)
	if ds[0].Status != status.JobSent || ds[0].Attempts != 3 || ds[0].LastError != "" {
		t.Errorf("delivery %+v", ds[0])
	}
	if ep := e.endpoint(t, h.ID); ep.Failures != 0 || !ep.FailingSince.IsZero() || ep.LastSuccessAt.IsZero() {
		t.Errorf("endpoint health after success: %+v", ep)
	}
	if got := e.observed(); !slices.Equal(got, []string{"retry", "retry", "ok"}) {
		t.Errorf("outcomes reported for /metrics: %v, want retry, retry, ok", got)
	}
}

// An update is not delivered before the incident it updates, however the first is retried.
func TestWebhookOrderUnderRetries(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 500, 502, 429)
	r.headers = map[string]string{"Retry-After": "90"}
	h := e.register(t, r.URL)
	inc := e.incident(t)
	e.update(t, inc.ID, "second")
	e.update(t, inc.ID, "third")
	for range 10 {
		e.drain(t)
		e.clock.Advance(3 * time.Minute)
	}
	var events []string
	for _, g := range r.requests() {
		var b struct {
			Incident struct {
				Updates []struct{ Body string } `json:"incident_updates"`
			} `json:"incident"`
		}
		json.Unmarshal(g.body, &b)
		events = append(events, b.Incident.Updates[0].Body)
	}
	want := []string{"Looking.", "Looking.", "Looking.", "Looking.", "second", "third"}
	if strings.Join(events, "|") != strings.Join(want, "|") {
		t.Fatalf("receiver saw %v, want %v", events, want)
	}
	if n := len(r.accepted()); n != 3 {
		t.Errorf("accepted %d, want 3", n)
	}
	_ = h
}

func TestWebhookRetryAfterIsHonoured(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 429)
	r.headers = map[string]string{"Retry-After": "600"}
	h := e.register(t, r.URL)
	e.incident(t)
	e.drain(t)
	ds := e.deliveries(t, h.ID)
	if wait := ds[0].NextAttemptAt.Sub(e.clock.Now()); wait != 10*time.Minute {
		t.Errorf("next attempt in %s, want the 10 min Retry-After asked", wait)
	}
}

// 410 (like any 4xx but 408 and 429) fails the event at once; the next event still goes.
func TestWebhookPermanentFailure(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 410)
	h := e.register(t, r.URL)
	inc := e.incident(t)
	e.update(t, inc.ID, "second")
	e.drain(t)
	ds := e.deliveries(t, h.ID) // newest first
	if ds[1].Status != status.JobFailed || ds[1].Attempts != 1 || !strings.Contains(ds[1].LastError, "HTTP 410 (not retried): answer body") {
		t.Errorf("first delivery %+v", ds[1])
	}
	if ds[0].Status != status.JobSent {
		t.Errorf("second delivery %+v", ds[0])
	}
	if len(r.requests()) != 2 {
		t.Errorf("%d requests, want 2", len(r.requests()))
	}
}

func TestWebhookRedirectNotFollowed(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 302)
	h := e.register(t, r.URL)
	e.incident(t)
	e.drain(t)
	if ds := e.deliveries(t, h.ID); ds[0].Status != status.JobFailed || !strings.Contains(ds[0].LastError, "redirects are not followed") {
		t.Errorf("delivery %+v", ds[0])
	}
	if len(r.requests()) != 1 {
		t.Errorf("%d requests: the redirect was followed", len(r.requests()))
	}
}

// An endpoint that fails for a day is disabled, what was pending for it fails, and the
// audit log says so.
func TestWebhookEndpointDisabledAfterADayOfFailures(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t)
	r.answers = make([]int, 1000)
	for i := range r.answers {
		r.answers[i] = 503
	}
	h := e.register(t, r.URL)
	inc := e.incident(t)
	e.update(t, inc.ID, "second")
	for i := 0; i < 40 && !e.endpoint(t, h.ID).Disabled(); i++ {
		e.drain(t)
		e.clock.Advance(time.Hour)
	}
	ep := e.endpoint(t, h.ID)
	if !ep.Disabled() || !strings.Contains(ep.DisabledReason, "HTTP 503") {
		t.Fatalf("endpoint not disabled: %+v", ep)
	}
	for _, d := range e.deliveries(t, h.ID) {
		if d.Status != status.JobFailed {
			t.Errorf("delivery %d is %s after the endpoint was disabled", d.ID, d.Status)
		}
	}
	n := len(r.requests())
	e.clock.Advance(time.Hour)
	e.drain(t)
	if len(r.requests()) != n {
		t.Error("a disabled endpoint was sent to")
	}
	audit, err := e.svc.Audit(t.Context(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if audit[0].Action != "webhook.disable" || audit[0].Target != h.ID {
		t.Errorf("latest audit entry %+v", audit[0])
	}
}

// A URL that resolves to loopback is refused on the connection itself when private
// addresses are not allowed, even if it was registered while they were.
func TestWebhookDialRefusesLoopback(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t)
	h := e.register(t, strings.Replace(r.URL, "127.0.0.1", "localhost", 1))
	strict := dispatch.NewWebhookDispatcher(dispatch.WebhookConfig{Store: e.store, Clock: e.clock})
	e.incident(t)
	if _, err := strict.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(r.requests()) != 0 {
		t.Fatal("the receiver on loopback was reached")
	}
	if ds := e.deliveries(t, h.ID); ds[0].Status != status.JobFailed || !strings.Contains(ds[0].LastError, "refused") ||
		strings.Contains(ds[0].LastError, "localhost:") {
		t.Errorf("delivery %+v", ds[0])
	}
}

var _ = context.Background

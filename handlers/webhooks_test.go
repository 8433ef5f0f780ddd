package handlers_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/webhook"
)

// hookReceiver is a real HTTP receiver answering with the given statuses in turn, then 200.
type hookReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	answers []int
	got     []hookRequest
}

type hookRequest struct {
	h    http.Header
	body []byte
	code int
}

func newHookReceiver(t *testing.T, answers ...int) *hookReceiver {
	r := &hookReceiver{answers: answers}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		code := http.StatusOK
		if len(r.answers) > 0 {
			code, r.answers = r.answers[0], r.answers[1:]
		}
		r.got = append(r.got, hookRequest{req.Header.Clone(), body, code})
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) requests() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookRequest(nil), r.got...)
}

// enableWebhooks wires the webhook planner (private addresses allowed: the receivers are
// on loopback) and returns a dispatcher draining on the env's clock.
func (en *env) enableWebhooks() *dispatch.WebhookDispatcher {
	g := webhook.Guard{AllowPrivate: true}
	en.svc.SetWebhooks(&webhook.Planner{Builder: en.build}, g.CheckURL)
	return dispatch.NewWebhookDispatcher(dispatch.WebhookConfig{Store: en.store, Guard: g, Clock: en.clock,
		Rand: func() float64 { return 0 }, Log: slog.New(slog.DiscardHandler)})
}

// statuspageVerify is the receiver's check, written from the Standard Webhooks
// specification rather than from Candor's signing code.
func statuspageVerify(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("Webhook-Id") + "." + h.Get("Webhook-Timestamp") + "." + string(body)))
	sig, ok := strings.CutPrefix(h.Get("Webhook-Signature"), "v1,")
	got, err := base64.StdEncoding.DecodeString(sig)
	return ok && err == nil && hmac.Equal(got, mac.Sum(nil))
}

// npmIncidentWebhook is the field set receivers written for Statuspage (the statuspage
// npm typings among them) read from an incident webhook.
type npmIncidentWebhook struct {
	Meta struct {
		Unsubscribe   string `json:"unsubscribe"`
		Documentation string `json:"documentation"`
	} `json:"meta"`
	Page struct {
		ID                string `json:"id"`
		StatusIndicator   string `json:"status_indicator"`
		StatusDescription string `json:"status_description"`
	} `json:"page"`
	Incident *struct {
		ID              string  `json:"id"`
		Name            string  `json:"name"`
		Status          string  `json:"status"`
		Impact          string  `json:"impact"`
		Shortlink       string  `json:"shortlink"`
		CreatedAt       string  `json:"created_at"`
		ResolvedAt      *string `json:"resolved_at"`
		IncidentUpdates []struct {
			ID         string `json:"id"`
			Status     string `json:"status"`
			Body       string `json:"body"`
			IncidentID string `json:"incident_id"`
		} `json:"incident_updates"`
		ETA *struct {
			Announced *string `json:"announced"`
		} `json:"eta"`
	} `json:"incident"`
	ComponentUpdate *struct {
		OldStatus   string `json:"old_status"`
		NewStatus   string `json:"new_status"`
		ComponentID string `json:"component_id"`
	} `json:"component_update"`
}

func TestWebhookThroughHTTP(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		d := en.enableWebhooks()
		r := newHookReceiver(t, 500) // the first attempt fails, the retry succeeds
		en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": "messenger", "name": "Messenger"}).want(201)

		// Registration: the secret once, defaults filled in.
		created := en.do("POST", "/api/v1/webhooks", en.admin, map[string]any{"url": r.URL + "/hook", "lang": "en",
			"events": []string{"incident.created", "incident.resolved"}}).want(201).json()
		secret, _ := created["secret"].(string)
		id, _ := created["id"].(string)
		if !strings.HasPrefix(secret, "whsec_") || created["format"] != "statuspage" || created["enabled"] != true {
			t.Fatalf("created %v", created)
		}
		listed := en.do("GET", "/api/v1/webhooks", en.admin, nil).want(200).Body.String()
		if strings.Contains(listed, secret) || strings.Contains(en.do("GET", "/api/v1/webhooks/"+id, en.admin, nil).want(200).Body.String(), secret) {
			t.Fatal("the secret is shown after creation")
		}
		en.do("GET", "/api/v1/webhooks", en.write, nil).want(403)

		// An incident reaches the receiver, signed, in Statuspage's shape.
		inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages delayed", "message": "Looking.",
			"components": map[string]string{"messenger": "major_outage"}}).want(201).json()
		if _, err := d.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		del := en.do("GET", "/api/v1/webhooks/"+id+"/deliveries", en.admin, nil).want(200).json()["deliveries"].([]any)
		first := del[0].(map[string]any)
		if first["status"] != "pending" || first["last_status"] != float64(500) || first["attempts"] != float64(1) || first["latency_ms"] == nil {
			t.Fatalf("after a 500: %v", first)
		}
		en.clock.Advance(5 * 60e9)
		if _, err := d.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := en.requests(r)
		if len(got) != 2 || got[1].code != 200 {
			t.Fatalf("receiver got %d requests", len(got))
		}
		g := got[1]
		if !statuspageVerify(secret, g.h, g.body) {
			t.Fatal("the signature does not verify")
		}
		var body npmIncidentWebhook
		if err := json.Unmarshal(g.body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Incident == nil || body.Incident.ID != inc["id"] || body.Incident.Name != "Messages delayed" ||
			len(body.Incident.IncidentUpdates) != 1 || body.Incident.IncidentUpdates[0].Body != "Looking." ||
			body.Page.StatusIndicator != "critical" || body.Meta.Documentation == "" || body.ComponentUpdate != nil {
			t.Fatalf("body %s", g.body)
		}
		first = en.do("GET", "/api/v1/webhooks/"+id+"/deliveries", en.admin, nil).want(200).json()["deliveries"].([]any)[0].(map[string]any)
		if first["status"] != "sent" || first["attempts"] != float64(2) || first["next_attempt_at"] != nil || first["event"] != "incident.created" {
			t.Fatalf("after the retry: %v", first)
		}

		// Test event, rotation, disabling, deletion.
		en.do("POST", "/api/v1/webhooks/"+id+"/test", en.admin, nil).want(202)
		rotated := en.do("POST", "/api/v1/webhooks/"+id+"/rotate-secret", en.admin, nil).want(200).json()
		if rotated["secret"] == secret || !strings.HasPrefix(rotated["secret"].(string), "whsec_") {
			t.Fatal("rotation kept the secret")
		}
		if _, err := d.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		got = en.requests(r)
		if last := got[len(got)-1]; !statuspageVerify(rotated["secret"].(string), last.h, last.body) || !strings.Contains(string(last.body), `"test"`) {
			t.Fatalf("test event %s not signed with the rotated secret", last.body)
		}
		off := en.do("PATCH", "/api/v1/webhooks/"+id, en.admin, map[string]any{"enabled": false}).want(200).json()
		if off["enabled"] != false || off["disabled_reason"] != "disabled by staff" {
			t.Fatalf("disabled %v", off)
		}
		en.do("POST", "/api/v1/webhooks/"+id+"/test", en.admin, nil).want(409)
		en.do("DELETE", "/api/v1/webhooks/"+id, en.admin, nil).want(204)
		en.do("GET", "/api/v1/webhooks/"+id+"/deliveries", en.admin, nil).want(404)
	})
}

func (en *env) requests(r *hookReceiver) []hookRequest { return r.requests() }

func TestWebhookRegistrationErrors(t *testing.T) {
	en := newEnv(t)
	en.svc.SetWebhooks(&webhook.Planner{Builder: en.build}, webhook.Guard{}.CheckURL)
	for name, body := range map[string]map[string]any{
		"no url":        {"lang": "en"},
		"ftp":           {"url": "ftp://example.com/x"},
		"credentials":   {"url": "https://user:pw@example.com/x"},
		"http":          {"url": "http://example.com/x"},
		"loopback":      {"url": "https://127.0.0.1/x"},
		"ipv6 loopback": {"url": "https://[::1]/x"},
		"metadata":      {"url": "https://169.254.169.254/latest/meta-data"},
		"private":       {"url": "https://10.0.0.8/x"},
		"localhost":     {"url": "https://localhost/x"},
		"bad event":     {"url": "https://example.com/x", "events": []string{"incident.deleted"}},
		"bad format":    {"url": "https://example.com/x", "format": "teams"},
		"bad lang":      {"url": "https://example.com/x", "lang": "fr"},
		"unknown comp":  {"url": "https://example.com/x", "components": []string{"nope"}},
	} {
		res := en.do("POST", "/api/v1/webhooks", en.admin, body)
		if res.Code != 422 {
			t.Errorf("%s: status %d, want 422: %s", name, res.Code, res.Body.String())
			continue
		}
		if _, fields := res.apiError(); len(fields) == 0 {
			t.Errorf("%s: no field named in %s", name, res.Body.String())
		}
	}
	en.do("POST", "/api/v1/webhooks", en.admin, map[string]any{"url": "https://example.com/x", "secret": "mine"}).want(400)
	en.do("GET", "/api/v1/webhooks/nope/deliveries?limit=0", en.admin, nil).want(422)
}

// TestWebhookDescriptionControlCharacters (attack run 2): a webhook description with a NUL
// or an escape sequence answers 422 naming the field on both stores. Before, SQLite stored
// it for the console and PostgreSQL answered "The database cannot store this text" without
// a field.
func TestWebhookDescriptionControlCharacters(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		en.svc.SetWebhooks(&webhook.Planner{Builder: en.build}, webhook.Guard{}.CheckURL)
		for _, d := range []string{"Ops\x00", "Ops\x1b[2J", "Ops\nsecond line"} {
			_, fields := en.do("POST", "/api/v1/webhooks", en.admin, map[string]any{"url": "https://example.com/x", "description": d}).
				want(422).apiError()
			if fields["description"] == nil {
				t.Errorf("%q: fields %v", d, fields)
			}
		}
		if ws := get[[]any](t, en.do("GET", "/api/v1/webhooks", en.admin, nil).want(200).json(), "webhooks"); len(ws) != 0 {
			t.Errorf("%d webhooks stored from refused requests", len(ws))
		}
		en.do("POST", "/api/v1/webhooks", en.admin, map[string]any{"url": "https://example.com/x", "description": "Ops ✓"}).want(201)
	})
}

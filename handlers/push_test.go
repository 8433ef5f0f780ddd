package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/fcm"
	"github.com/candorstatus/candor/notifier/fcmfake"
)

// push is the notification path of a test server: the planner in the write path, a
// dispatcher on the store, the real Firebase SDK and the fake FCM server.
type push struct {
	fake    *fcmfake.Server
	sender  *fcm.Sender
	planner *notifier.Planner
}

func (en *env) enablePush(tokenLimit int) *push {
	en.t.Helper()
	fake := fcmfake.New()
	url, stop := fake.Start()
	en.t.Cleanup(stop)
	sender, err := fcm.New(context.Background(), fcm.Config{ProjectID: "candor-test", Endpoint: url})
	if err != nil {
		en.t.Fatal(err)
	}
	p := &notifier.Planner{PageName: lang.Same("Test Status"), PublicURL: "https://status.example.com", Location: en.seoul, TokenLimit: tokenLimit}
	en.svc.SetNotifier(p)
	return &push{fake: fake, sender: sender, planner: p}
}

// dispatcher is a fresh dispatcher, as after a restart.
func (en *env) dispatcher(p *push) *dispatch.Dispatcher {
	return dispatch.New(dispatch.Config{Sender: p.sender, Queue: dispatch.NewStoreQueue(en.store), Clock: en.clock,
		Rand: func() float64 { return 0.5 }, Log: slog.New(slog.DiscardHandler)})
}

func (en *env) drain(p *push) {
	en.t.Helper()
	if _, err := en.dispatcher(p).Drain(context.Background()); err != nil {
		en.t.Fatal(err)
	}
}

func token(prefix string, n int) string {
	return prefix + strings.Repeat("x", 30) + string(rune('a'+n))
}

func (en *env) device(tok, locale string, comps ...string) {
	en.t.Helper()
	en.do("POST", "/api/v1/devices", "", map[string]any{"token": tok, "platform": "android", "locale": locale,
		"components": comps}).want(201)
}

func byToken(msgs []fcmfake.Received) map[string]fcmfake.Received {
	out := map[string]fcmfake.Received{}
	for _, m := range msgs {
		out[m.Token] = m
	}
	return out
}

func TestDeviceRegistration(t *testing.T) {
	en := newEnv(t)
	en.enablePush(0)
	en.seedComponents([3]string{"messenger", "Messenger", ""})
	good := map[string]any{"token": token("tok", 1), "platform": "ios", "locale": "ko", "components": []string{"messenger"}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name  string
		body  any
		want  int
		field string
	}{
		{"bad token", with("token", "short"), 422, "token"},
		{"token with spaces", with("token", strings.Repeat("a b", 20)), 422, "token"},
		{"bad platform", with("platform", "symbian"), 422, "platform"},
		{"bad locale", with("locale", "fr"), 422, "locale"},
		{"unknown component", with("components", []string{"nope"}), 422, "components"},
		{"no components", with("components", []string{}), 422, "components"},
		{"unknown field", with("owner", "me"), 400, "owner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, fields := en.do("POST", "/api/v1/devices", "", tc.body).want(tc.want).apiError()
			if fields[tc.field] == nil {
				t.Fatalf("error does not name %q: %v", tc.field, fields)
			}
		})
	}
	first := en.do("POST", "/api/v1/devices", "", good).want(201).json()
	again := en.do("POST", "/api/v1/devices", "", with("components", []string{"*", "messenger"})).want(200).json()
	if again["created_at"] != first["created_at"] || !slices.Equal(get[[]any](t, again, "components"), []any{"*"}) {
		t.Fatalf("upsert: %v then %v", first, again)
	}
	if strings.Contains(en.do("POST", "/api/v1/devices", "", good).Body.String(), good["token"].(string)) {
		t.Fatal("the response echoes the token")
	}
	en.do("DELETE", "/api/v1/devices/"+good["token"].(string), "", nil).want(204)
	en.do("DELETE", "/api/v1/devices/"+good["token"].(string), "", nil).want(404)
}

func TestDeviceRateLimit(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", ""})
	limited := 0
	for i := range 30 {
		r := en.do("POST", "/api/v1/devices", "", map[string]any{"token": token("rl", i), "platform": "web", "locale": "en",
			"components": []string{"*"}}, "Remote-Addr", "203.0.113.9:5000", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		if r.Code == 429 {
			limited++
			if r.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited == 0 {
		t.Fatal("30 registrations in a burst from one address were all accepted (a forged X-Forwarded-For must not help)")
	}
	en.do("POST", "/api/v1/devices", "", map[string]any{"token": token("other", 1), "platform": "web", "locale": "en",
		"components": []string{"*"}}, "Remote-Addr", "203.0.113.10:5000").want(201)
}

func TestPushEndToEnd(t *testing.T) {
	en := newEnv(t)
	en.enableForecast()
	p := en.enablePush(0)
	koTok, enTok, loginTok := token("ko", 1), token("en", 2), token("login", 3)
	en.device(koTok, "ko", "messenger")
	en.device(enTok, "en", "*")
	en.device(loginTok, "ko", "login")
	en.drain(p)
	if subs := p.fake.Subscribers(notifier.TopicFor("messenger", "ko")); !slices.Contains(subs, koTok) {
		t.Fatalf("topic subscription not synced: %v", subs)
	}
	if subs := p.fake.Subscribers(notifier.TopicAll("en")); !slices.Contains(subs, enTok) {
		t.Fatalf("all-topic subscription not synced: %v", subs)
	}

	inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": map[string]string{"ko": "메시지 지연", "en": "Messages delayed"},
		"impact": "critical", "message": map[string]string{"ko": "메시지 전송이 지연되고 있습니다.", "en": "Messages are delayed."},
		"components": map[string]string{"messenger": "major_outage"}}).want(201).json()
	id := get[string](t, inc, "id")
	en.drain(p)
	got := byToken(p.fake.Messages())
	ko, enm := got[koTok], got[enTok]
	if len(got) != 2 || ko.Token == "" || enm.Token == "" {
		t.Fatalf("audience: got pushes for %d tokens %v; want the messenger (ko) and all (en) devices only", len(got), got)
	}
	if _, wrong := got[loginTok]; wrong {
		t.Fatal("a device subscribed to another component was notified")
	}
	if !strings.Contains(ko.Title, "심각한 장애: 메시지 지연") || strings.Contains(ko.Title+ko.Body, "Messages") || !strings.Contains(ko.Body, "메시지 전송이 지연") {
		t.Fatalf("korean push: %q / %q", ko.Title, ko.Body)
	}
	if !strings.Contains(enm.Title, "Messages delayed") || !strings.Contains(enm.Body, "Messages are delayed") || strings.Contains(enm.Title+enm.Body, "메시지") {
		t.Fatalf("english push: %q / %q", enm.Title, enm.Body)
	}
	for _, m := range []fcmfake.Received{ko, enm} {
		if m.Android.CollapseKey != "incident-"+id || m.APNSHeaders["apns-collapse-id"] != "incident-"+id || m.WebpushHeaders["Topic"] == "" {
			t.Fatalf("collapse identity: %+v", m)
		}
		if m.Android.Priority != "high" || m.APNSHeaders["apns-priority"] != "10" {
			t.Fatalf("a new critical incident must be high priority: %+v", m.Android)
		}
		if m.Android.TTL <= 0 || m.Android.TTL > 24*time.Hour {
			t.Fatalf("ttl %v", m.Android.TTL)
		}
		for _, k := range []string{"incident_id", "status", "impact", "eta_p50", "eta_p90", "url"} {
			if _, ok := m.Data[k]; !ok {
				t.Fatalf("data lacks %q: %v", k, m.Data)
			}
		}
		if m.Data["incident_id"] != id || m.Data["eta_p50"] == "" || !strings.Contains(m.Data["url"], "/incidents/"+id) {
			t.Fatalf("data %v", m.Data)
		}
		p50, err := time.Parse(time.RFC3339, m.Data["eta_p50"])
		if err != nil || !p50.After(en.clock.Now()) {
			t.Fatalf("eta_p50 %q not a future time", m.Data["eta_p50"])
		}
	}

	t.Run("notify false sends nothing", func(t *testing.T) {
		before := p.fake.Accepted()
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": "quiet", "notify": false}).want(201)
		en.drain(p)
		if p.fake.Accepted() != before {
			t.Fatal("notify=false update was pushed")
		}
	})

	t.Run("dead tokens are pruned", func(t *testing.T) {
		dead := token("unregistered-", 4)
		en.device(dead, "ko", "messenger")
		en.drain(p)
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "identified", "message": "Found it."}).want(201)
		en.drain(p)
		en.do("DELETE", "/api/v1/devices/"+dead, "", nil).want(404)
		if m := byToken(p.fake.Messages())[koTok]; m.Android.Priority != "normal" {
			t.Fatalf("a plain update should be normal priority, got %q", m.Android.Priority)
		}
	})

	t.Run("429 with Retry-After is retried, acknowledged sends are not repeated", func(t *testing.T) {
		before := len(p.fake.Messages())
		p.fake.FailNext(1, 429, 3*time.Second)
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "monitoring", "message": "Fix deployed."}).want(201)
		en.drain(p)
		dl := en.do("GET", "/api/v1/incidents/"+id+"/deliveries", en.read, nil).want(200).json()
		ups := get[[]any](t, dl, "updates")
		last := ups[len(ups)-1].(map[string]any)
		var pending int
		for _, j := range last["jobs"].([]any) {
			jm := j.(map[string]any)
			if jm["status"] == "pending" {
				pending++
				if jm["last_error"] == nil || jm["next_attempt_at"] == nil {
					t.Fatalf("pending job without error or next attempt: %v", jm)
				}
			}
		}
		if pending == 0 {
			t.Fatalf("no job waiting for a retry after a 429: %v", last)
		}
		en.drain(p) // not due yet: Retry-After is honoured
		en.clock.Advance(time.Minute)
		en.drain(p)
		counts := map[string]int{}
		for _, m := range p.fake.Messages()[before:] {
			counts[m.Token]++
		}
		if counts[koTok] != 1 || counts[enTok] != 1 {
			t.Fatalf("each device must get the monitoring push exactly once: %v", counts)
		}
	})

	t.Run("a crash between commit and send loses nothing", func(t *testing.T) {
		before := p.fake.Accepted()
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201)
		// No dispatcher ran: the process "died" after the commit. A new one starts:
		en.drain(p)
		if p.fake.Accepted() != before+2 {
			t.Fatalf("after restart %d pushes went out, want 2", p.fake.Accepted()-before)
		}
		m := p.fake.Messages()[len(p.fake.Messages())-1]
		if m.Android.Priority != "high" || m.Data["status"] != "resolved" {
			t.Fatalf("resolution push: %+v", m)
		}
	})
}

func TestPushLargeAudienceUsesTopics(t *testing.T) {
	en := newEnv(t)
	p := en.enablePush(2)
	en.seedComponents([3]string{"messenger", "Messenger", ""}, [3]string{"login", "Login", ""})
	for i := range 3 {
		en.device(token("big", i), "ko", "messenger")
	}
	en.device(token("small", 9), "en", "login")
	en.drain(p)
	en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Down", "message": "Down.",
		"components": map[string]string{"messenger": "major_outage", "login": "major_outage"}}).want(201)
	en.drain(p)
	var cond, tokens int
	for _, m := range p.fake.Messages() {
		switch {
		case m.Condition != "":
			cond++
			if !strings.Contains(m.Condition, notifier.TopicFor("messenger", "ko")) || !strings.Contains(m.Condition, notifier.TopicAll("ko")) {
				t.Fatalf("condition %q", m.Condition)
			}
		case m.Token != "":
			tokens++
		}
	}
	if cond != 1 || tokens != 1 {
		t.Fatalf("%d condition pushes and %d token pushes; want 1 condition (3 ko devices > limit 2) and 1 token (en)", cond, tokens)
	}
}

func TestMissedETAPush(t *testing.T) {
	en := newEnv(t)
	en.enableForecast()
	p := en.enablePush(0)
	en.device(token("m", 1), "en", "*")
	en.drain(p)
	ann := en.clock.Now().Add(20 * time.Minute)
	id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Login down", "message": "Down.",
		"components": map[string]string{"login": "major_outage"}, "announced_eta": ann.Format(time.RFC3339)}).want(201).json(), "id")
	en.drain(p)
	en.clock.Set(ann.Add(10 * time.Second))
	if _, err := en.svc.CheckMissedETAs(context.Background()); err != nil {
		t.Fatal(err)
	}
	en.drain(p)
	msgs := p.fake.Messages()
	last := msgs[len(msgs)-1]
	if last.Data["kind"] != "eta_missed" || !strings.Contains(strings.ToLower(last.Title), "longer") {
		t.Fatalf("missed-ETA push: %q %v", last.Title, last.Data)
	}
	if strings.Contains(last.Body, ann.In(en.seoul).Format("15:04")+" KST") && !strings.Contains(strings.ToLower(last.Body), "longer") {
		t.Fatalf("the passed time is presented as upcoming: %q", last.Body)
	}
	if e := last.Data["eta_p50"]; e != "" {
		if tm, _ := time.Parse(time.RFC3339, e); !tm.After(en.clock.Now()) {
			t.Fatalf("eta_p50 %s is not in the future", e)
		}
	}
	_ = id
}

package handlers_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/notifier/email/smtptest"
	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// publicHooks is an env serving the public webhook form, with a real SMTP server, the
// email dispatcher and the webhook dispatcher, all on the env's clock.
type publicHooks struct {
	*env
	smtp  *smtptest.Server
	mail  *dispatch.EmailDispatcher
	hooks *dispatch.WebhookDispatcher
}

func enablePublicWebhooks(t *testing.T, en *env, allowPrivate bool) *publicHooks {
	t.Helper()
	g := webhook.Guard{AllowPrivate: allowPrivate}
	en.svc.SetWebhooks(&webhook.Planner{Builder: en.build}, g.CheckURL)
	srv, err := smtptest.Start(smtptest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	sc, err := email.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := &publicHooks{env: en, smtp: srv}
	p.mail = dispatch.NewEmail(dispatch.EmailConfig{Sender: email.NewSMTP(sc, nil), Store: en.store, Clock: en.clock,
		From: "Test Status <status@example.com>", PublicURL: "https://status.example.com", PageName: lang.Same("Test Status"),
		DefaultLang: lang.Korean, Log: slog.New(slog.DiscardHandler)})
	p.hooks = dispatch.NewWebhookDispatcher(dispatch.WebhookConfig{Store: en.store, Guard: g, Clock: en.clock,
		Rand: func() float64 { return 0 }, Log: slog.New(slog.DiscardHandler), PublicURL: "https://status.example.com", MailOwners: true})
	en.e = handlers.New(handlers.Deps{Service: en.svc, Site: en.holder, Builder: en.build, Assets: en.assets,
		DefaultLang: templates.Korean, PublicWebhooks: true})
	return p
}

// form posts a form as a browser does (no JavaScript), from one client address.
func (en *env) form(path string, v url.Values) resp {
	en.t.Helper()
	return en.formFrom("192.0.2.1:1234", path, v)
}

// formFrom is form from the client address addr (the forms are rate-limited per address).
func (en *env) formFrom(addr, path string, v url.Values) resp {
	en.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.RemoteAddr = addr
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	en.e.ServeHTTP(rec, req)
	return resp{rec, en.t}
}

func (p *publicHooks) drain() {
	p.t.Helper()
	for range 3 { // mail and webhooks queue work for each other (a disabling queues an email)
		if _, err := p.hooks.Drain(context.Background()); err != nil {
			p.t.Fatal(err)
		}
		if _, err := p.mail.Drain(context.Background()); err != nil {
			p.t.Fatal(err)
		}
	}
}

var (
	hookConfirmLink = regexp.MustCompile(`https://status\.example\.com/subscribe/webhook/confirm\?lang=(ko|en)&token=([A-Za-z0-9_-]+)`)
	hookRemoveLink  = regexp.MustCompile(`https://status\.example\.com/subscribe/webhook/remove\?[^\s"<]+`)
	hookSecret      = regexp.MustCompile(`data-testid="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<`)
)

// mailTo returns the plain-text part of the one email to rcpt.
func (p *publicHooks) mailTo(rcpt string, n int) smtptest.Message {
	p.t.Helper()
	msgs, err := p.smtp.WaitFor(n, 5*time.Second)
	if err != nil {
		p.t.Fatalf("waiting for %d emails: %v", n, err)
	}
	m, err := smtptest.Find(msgs, rcpt)
	if err != nil {
		p.t.Fatalf("no email to %s", rcpt)
	}
	return m
}

// subscribeAndConfirm subscribes url from the English page with contact, follows the
// confirmation email (the nth email) and returns the secret the page shows and the
// removal link the email carries.
func (p *publicHooks) subscribeAndConfirm(hookURL, contact string, n int) (secret, remove string) {
	p.t.Helper()
	r := p.form("/subscribe/webhook?lang=en", url.Values{"url": {hookURL}, "email": {contact}, "format": {"statuspage"}})
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `data-testid="subscription-webhook-sent"`) {
		p.t.Fatalf("subscribe answered %d:\n%s", r.Code, r.Body.String())
	}
	p.drain()
	text := p.mailTo(strings.ToLower(contact), n).Part("text/plain")
	link := hookConfirmLink.FindStringSubmatch(text)
	remove = hookRemoveLink.FindString(text)
	if link == nil || remove == "" {
		p.t.Fatalf("the confirmation has no confirmation or removal link:\n%s", text)
	}
	r = p.form("/subscribe/webhook/confirm?lang="+link[1], url.Values{"token": {link[2]}}).want(http.StatusOK)
	m := hookSecret.FindStringSubmatch(r.Body.String())
	if m == nil {
		p.t.Fatalf("the confirmed page shows no secret:\n%s", r.Body.String())
	}
	return m[1], remove
}

// TestPublicWebhookThroughPagesAndMail: subscribe a URL from the status page, nothing is
// sent before the contact confirms by the emailed link, confirming shows the secret once,
// then events arrive signed with it carrying the removal link, which removes the endpoint;
// an endpoint nobody confirms is forgotten when its link expires.
func TestPublicWebhookThroughPagesAndMail(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		p := enablePublicWebhooks(t, en, true)
		en.seedComponents([3]string{"messages", "Messages", ""}, [3]string{"login", "Login", ""})
		confirmed, ignored := newHookReceiver(t), newHookReceiver(t)

		// The email form links to the webhook form, in both languages.
		if b := en.do("GET", "/subscribe?lang=en", "", nil).want(200).Body.String(); !strings.Contains(b, `data-testid="subscribe-webhook-link"`) {
			t.Fatalf("/subscribe does not offer webhooks:\n%s", b)
		}
		for l, heading := range map[string]string{"en": "Get incidents by webhook", "ko": "장애 소식 웹훅으로 받기"} {
			if b := en.do("GET", "/subscribe/webhook?lang="+l, "", nil).want(200).Body.String(); !strings.Contains(b, heading) ||
				!strings.Contains(b, `name="url"`) || !strings.Contains(b, `value="messages"`) {
				t.Errorf("%s webhook form:\n%s", l, b)
			}
		}

		// Two subscriptions: one will be confirmed, one never.
		r := en.form("/subscribe/webhook?lang=en", url.Values{"url": {confirmed.URL + "/hook"}, "email": {"Ops@Example.com"},
			"format": {"statuspage"}, "components": {"messages"}})
		if r.Code != 200 || !strings.Contains(r.Body.String(), "confirmation email is on its way") {
			t.Fatalf("subscribe answered %d:\n%s", r.Code, r.Body.String())
		}
		en.form("/subscribe/webhook?lang=ko", url.Values{"url": {ignored.URL + "/hook"}, "email": {"someone@example.com"}}).want(200)
		list := en.do("GET", "/api/v1/webhooks", en.admin, nil).want(200).json()["webhooks"].([]any)
		if len(list) != 2 {
			t.Fatalf("staff see %d webhooks, want 2", len(list))
		}
		pending, other := list[0].(map[string]any), list[1].(map[string]any)
		if pending["contact_email"] != "ops@example.com" {
			pending, other = other, pending
		}
		if pending["public"] != true || pending["pending"] != true || pending["enabled"] != false || pending["contact_email"] != "ops@example.com" ||
			pending["confirmed_at"] != nil || pending["lang"] != "en" || other["lang"] != "ko" || pending["components"].([]any)[0] != "messages" {
			t.Fatalf("a pending public webhook as staff see it: %v", pending)
		}
		id := pending["id"].(string)
		en.do("PATCH", "/api/v1/webhooks/"+id, en.admin, map[string]any{"enabled": true}).want(409)
		admin := en.signedIn("ada", status.RoleAdmin, "203.0.113.9")
		if console := admin.get("/admin/webhooks").want(200).Body.String(); !strings.Contains(console, "Public, pending confirmation by ops@example.com") {
			t.Errorf("the console does not show the pending public webhook:\n%s", console)
		}
		if dash := admin.get("/admin").want(200).Body.String(); strings.Contains(dash, `data-testid="webhook-problem"`) {
			t.Errorf("the dashboard lists webhooks waiting for confirmation as in trouble:\n%s", dash)
		}

		// Nothing reaches an unconfirmed URL, though an incident concerns it.
		inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages delayed", "message": "Looking.",
			"components": map[string]string{"messages": "major_outage"}}).want(201).json()
		p.drain()
		if n := len(confirmed.requests()) + len(ignored.requests()); n != 0 {
			t.Fatalf("%d requests reached unconfirmed webhooks", n)
		}

		// The confirmation email: its link shows a button (a GET confirms nothing), the
		// POST confirms and shows the secret, once.
		text := p.mailTo("ops@example.com", 2).Part("text/plain")
		link := hookConfirmLink.FindStringSubmatch(text)
		remove := hookRemoveLink.FindString(text)
		if link == nil || remove == "" || !strings.Contains(text, "127.0.0.1") || strings.Contains(text, "/hook") {
			t.Fatalf("confirmation email (links, host only):\n%s", text)
		}
		if b := en.do("GET", "/subscribe/webhook/confirm?lang=en&token="+link[2], "", nil).want(200).Body.String(); !strings.Contains(b, `data-testid="confirm-submit"`) {
			t.Fatalf("confirm page:\n%s", b)
		}
		if en.do("GET", "/api/v1/webhooks/"+id, en.admin, nil).want(200).json()["pending"] != true {
			t.Fatal("a GET of the confirmation link confirmed the webhook")
		}
		page := en.form("/subscribe/webhook/confirm?lang=en", url.Values{"token": {link[2]}}).want(200).Body.String()
		m := hookSecret.FindStringSubmatch(page)
		if m == nil || !strings.Contains(page, "The webhook is on") {
			t.Fatalf("confirmed page:\n%s", page)
		}
		secret := m[1]
		if r := en.form("/subscribe/webhook/confirm?lang=en", url.Values{"token": {link[2]}}); r.Code != 404 || strings.Contains(r.Body.String(), secret) {
			t.Fatalf("the link confirmed twice (%d)", r.Code)
		}
		got := en.do("GET", "/api/v1/webhooks/"+id, en.admin, nil).want(200).json()
		if got["pending"] != false || got["enabled"] != true || got["confirmed_at"] == nil || strings.Contains(en.do("GET", "/api/v1/webhooks", en.admin, nil).Body.String(), secret) {
			t.Fatalf("confirmed webhook as staff see it: %v", got)
		}

		// The next update reaches it, signed with that secret, meta.unsubscribe its removal link.
		en.do("POST", "/api/v1/incidents/"+inc["id"].(string)+"/updates", en.write, map[string]any{"status": "identified", "message": "Found it."}).want(201)
		p.drain()
		reqs := confirmed.requests()
		if len(reqs) == 0 || len(ignored.requests()) != 0 {
			t.Fatalf("confirmed receiver got %d requests, unconfirmed %d", len(reqs), len(ignored.requests()))
		}
		var body npmIncidentWebhook
		for _, q := range reqs {
			if !statuspageVerify(secret, q.h, q.body) {
				t.Fatalf("a request does not verify with the secret shown: %s", q.body)
			}
			if err := json.Unmarshal(q.body, &body); err != nil {
				t.Fatal(err)
			}
			if body.Meta.Unsubscribe != remove {
				t.Fatalf("meta.unsubscribe = %q, want the removal link %q", body.Meta.Unsubscribe, remove)
			}
		}
		if body.Incident == nil || body.Incident.Status != "identified" {
			t.Fatalf("last body: %s", reqs[len(reqs)-1].body)
		}

		// The unconfirmed one is forgotten once its link expired; the confirmed one stays.
		en.clock.Advance(49 * time.Hour)
		if _, err := en.svc.SweepLinkTokens(context.Background()); err != nil {
			t.Fatal(err)
		}
		list = en.do("GET", "/api/v1/webhooks", en.admin, nil).want(200).json()["webhooks"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["id"] != id {
			t.Fatalf("after the sweep: %v", list)
		}

		// The removal link: a page naming the host, then a POST that deletes it.
		u, err := url.Parse(remove)
		if err != nil {
			t.Fatal(err)
		}
		b := en.do("GET", u.RequestURI(), "", nil).want(200).Body.String()
		if !strings.Contains(b, `data-testid="remove-submit"`) || !strings.Contains(b, strings.TrimPrefix(confirmed.URL, "http://")) {
			t.Fatalf("removal page:\n%s", b)
		}
		q := u.Query()
		if r := en.form("/subscribe/webhook/remove?lang=en", url.Values{"id": {q.Get("id")}, "token": {q.Get("token") + "x"}}); r.Code != 404 {
			t.Fatalf("a wrong removal token answered %d", r.Code)
		}
		if b := en.form("/subscribe/webhook/remove?lang=en", url.Values{"id": {q.Get("id")}, "token": {q.Get("token")}}).want(200).Body.String(); !strings.Contains(b, "The webhook is removed") {
			t.Fatalf("removed page:\n%s", b)
		}
		en.do("GET", "/api/v1/webhooks/"+id, en.admin, nil).want(404)
		en.form("/subscribe/webhook/remove?lang=en", url.Values{"id": {q.Get("id")}, "token": {q.Get("token")}}).want(404)
		before := len(confirmed.requests())
		en.do("POST", "/api/v1/incidents/"+inc["id"].(string)+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201)
		p.drain()
		if len(confirmed.requests()) != before {
			t.Fatal("a removed webhook still receives events")
		}
	})
}

// TestPublicWebhookFormRefusesWhatStaffCannotRegister: the request-forgery rules are the
// staff API's, refused on a friendly page that keeps what was typed; nothing is stored
// and nobody is mailed.
func TestPublicWebhookFormRefusesWhatStaffCannotRegister(t *testing.T) {
	en := newEnv(t)
	p := enablePublicWebhooks(t, en, false)
	en.seedComponents([3]string{"messages", "Messages", ""})
	for i, tc := range []struct{ url, says string }{
		{"http://example.com/hook", "must use https://"},
		{"https://127.0.0.1/hook", "127.0.0.1: refused"},
		{"https://[::1]/hook", "::1: refused"},
		{"https://169.254.169.254/latest/meta-data", "169.254.169.254: refused"},
		{"https://10.1.2.3/hook", "10.1.2.3: refused"},
		{"https://localhost/hook", "localhost resolves to"},
		{"https://user:pw@example.com/hook", "user name or password"},
	} {
		// From different addresses: each refusal is the rule's, not the rate limit's.
		r := en.formFrom("198.51.100."+strconv.Itoa(i+1)+":4000", "/subscribe/webhook?lang=en", url.Values{"url": {tc.url},
			"email": {"ops@example.com"}, "format": {"slack"}, "components": {"messages"}})
		b := r.Body.String()
		if r.Code != http.StatusBadRequest || !strings.Contains(b, "This URL cannot receive webhooks:") || !strings.Contains(b, tc.says) {
			t.Errorf("%s answered %d:\n%.2000s", tc.url, r.Code, b)
			continue
		}
		// The form again, as typed.
		for _, kept := range []string{`value="` + strings.ReplaceAll(tc.url, "&", "&amp;") + `"`, `value="ops@example.com"`,
			`value="slack" checked`, `value="messages" checked`} {
			if !strings.Contains(b, kept) {
				t.Errorf("%s: the form lost %s", tc.url, kept)
			}
		}
	}
	if r := en.formFrom("198.51.100.99:4000", "/subscribe/webhook?lang=ko", url.Values{"url": {"https://example.com/hook"}, "email": {"not an address"}}); r.Code != 400 ||
		!strings.Contains(r.Body.String(), "이메일 주소 하나를 입력해 주세요") {
		t.Errorf("a bad contact answered %d:\n%s", r.Code, r.Body.String())
	}
	if n := len(en.do("GET", "/api/v1/webhooks", en.admin, nil).want(200).json()["webhooks"].([]any)); n != 0 {
		t.Fatalf("%d webhooks stored from refused forms", n)
	}
	p.drain()
	if n := p.smtp.Count(); n != 0 {
		t.Fatalf("%d emails sent for refused forms", n)
	}
}

// TestPublicWebhookNotOfferedWithoutMail: with no mail server nobody could confirm, so the
// form is not offered (the email form stays, as before).
func TestPublicWebhookNotOfferedWithoutMail(t *testing.T) {
	en := newEnv(t)
	b := en.do("GET", "/subscribe?lang=en", "", nil).want(200).Body.String()
	if strings.Contains(b, "/subscribe/webhook") || !strings.Contains(b, `data-testid="subscribe-form"`) {
		t.Fatalf("/subscribe without mail:\n%s", b)
	}
	en.do("GET", "/subscribe/webhook?lang=en", "", nil).want(404)
	if r := en.form("/subscribe/webhook?lang=en", url.Values{"url": {"https://example.com/x"}, "email": {"a@example.com"}}); r.Code != 404 {
		t.Fatalf("POST /subscribe/webhook without mail answered %d", r.Code)
	}
	if home := en.do("GET", "/?lang=en", "", nil).want(200).Body.String(); strings.Contains(home, "/subscribe/webhook") {
		t.Fatal("the home page offers webhooks without mail")
	}
}

// TestDisabledWebhookTellsItsContact: an endpoint failing for a day is disabled and its
// contact emailed, in the endpoint's language — a public one with its removal link, a
// staff one with the contact staff set; one without a contact is only shown in the console.
func TestDisabledWebhookTellsItsContact(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		p := enablePublicWebhooks(t, en, true)
		en.seedComponents([3]string{"messages", "Messages", ""})
		failing := newHookReceiver(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
		_, remove := p.subscribeAndConfirm(failing.URL+"/public", "owner@example.com", 1)
		staff := en.do("POST", "/api/v1/webhooks", en.admin, map[string]any{"url": failing.URL + "/staff", "lang": "ko",
			"contact_email": " Staff@Example.com "}).want(201).json()
		if staff["contact_email"] != "staff@example.com" || staff["public"] != false {
			t.Fatalf("staff endpoint with a contact: %v", staff)
		}
		en.do("POST", "/api/v1/webhooks", en.admin, map[string]any{"url": failing.URL + "/nobody"}).want(201)
		en.do("PATCH", "/api/v1/webhooks/"+staff["id"].(string), en.admin, map[string]any{"contact_email": "nope"}).want(422)

		en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages delayed", "message": "Looking.",
			"components": map[string]string{"messages": "major_outage"}}).want(201)
		p.drain()
		if p.smtp.Count() != 1 {
			t.Fatalf("%d emails after the first failures, want only the confirmation", p.smtp.Count())
		}
		en.clock.Advance(25 * time.Hour) // past CANDOR_WEBHOOK_DISABLE_AFTER's default day
		p.drain()
		for _, h := range en.do("GET", "/api/v1/webhooks", en.admin, nil).want(200).json()["webhooks"].([]any) {
			if h.(map[string]any)["enabled"] != false {
				t.Fatalf("still enabled after a day of failures: %v", h)
			}
		}
		msgs, err := p.smtp.WaitFor(3, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // room for a wrong fourth email
		if n := p.smtp.Count(); n != 3 {
			t.Fatalf("%d emails, want the confirmation and two disablings (none for the endpoint without a contact)", n)
		}
		owner, _ := smtptest.Find(msgs[1:], "owner@example.com")
		text := owner.Part("text/plain")
		if !strings.HasPrefix(owner.Subject(), "[Test Status] Webhook disabled: 127.0.0.1:") || !strings.Contains(text, remove) ||
			!strings.Contains(text, "HTTP 500") || !strings.Contains(text, "turn the webhook back on from the link below") ||
			!strings.Contains(text, "Turn this webhook back on, or remove it") || strings.Contains(text, "/public") {
			t.Fatalf("public owner's email %q:\n%s", owner.Subject(), text)
		}
		kept, err := smtptest.Find(msgs, "staff@example.com")
		if err != nil {
			t.Fatal("no email to the staff endpoint's contact")
		}
		if text := kept.Part("text/plain"); !strings.HasPrefix(kept.Subject(), "[Test Status] 웹훅 전송 중지: ") ||
			!strings.Contains(text, "담당자에게 다시 켜 달라고") || strings.Contains(text, "/subscribe/webhook/remove") {
			t.Fatalf("staff contact's email %q:\n%s", kept.Subject(), text)
		}
		// Each disabling is told once: draining again sends nothing more.
		p.drain()
		if n := p.smtp.Count(); n != 3 {
			t.Fatalf("%d emails after draining again, want 3", n)
		}
		// Staff delete a public endpoint like any other.
		for _, h := range en.do("GET", "/api/v1/webhooks", en.admin, nil).want(200).json()["webhooks"].([]any) {
			if h := h.(map[string]any); h["public"] == true {
				en.do("DELETE", "/api/v1/webhooks/"+h["id"].(string), en.admin, nil).want(204)
			}
		}
		if n := len(en.do("GET", "/api/v1/webhooks", en.admin, nil).want(200).json()["webhooks"].([]any)); n != 2 {
			t.Fatalf("%d webhooks after staff deleted the public one, want the 2 staff ones", n)
		}
	})
}

// TestPublicWebhookTurnsBackOn: an endpoint the dispatcher turned off after a day of
// failures is turned back on by its contact from the link in the email, on a page saying
// when and why it stopped; it then receives the next change, and its failures count from
// zero. An endpoint staff turned off stays off, whatever the link says.
func TestPublicWebhookTurnsBackOn(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		p := enablePublicWebhooks(t, en, true)
		en.seedComponents([3]string{"messages", "Messages", ""})
		recv := newHookReceiver(t, slices.Repeat([]int{500}, 100)...)
		_, manage := p.subscribeAndConfirm(recv.URL+"/hook", "owner@example.com", 1)
		u, err := url.Parse(manage)
		if err != nil {
			t.Fatal(err)
		}
		id, tok := u.Query().Get("id"), u.Query().Get("token")
		enable := func(token string) resp {
			return en.form("/subscribe/webhook/enable?lang=en", url.Values{"id": {id}, "token": {token}})
		}
		// While it works there is nothing to turn on: the page only removes it.
		if b := en.do("GET", u.RequestURI(), "", nil).want(200).Body.String(); strings.Contains(b, "enable-submit") {
			t.Fatalf("a working endpoint's page offers to turn it on:\n%s", b)
		}

		inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages delayed", "message": "Looking.",
			"components": map[string]string{"messages": "major_outage"}}).want(201).json()
		p.drain()
		en.clock.Advance(25 * time.Hour)
		p.drain()
		hook := en.do("GET", "/api/v1/webhooks/"+id, en.admin, nil).want(200).json()
		if hook["enabled"] != false {
			t.Fatalf("still on after a day of failures: %v", hook)
		}

		b := en.do("GET", u.RequestURI(), "", nil).want(200).Body.String()
		if !strings.Contains(b, "Sending to this webhook has stopped") || !strings.Contains(b, "and stopped on") || !strings.Contains(b, "The last error: <code lang=\"en\">HTTP 500</code>") ||
			!strings.Contains(b, `data-testid="enable-submit"`) || !strings.Contains(b, `data-testid="remove-submit"`) {
			t.Fatalf("the page of an endpoint turned off:\n%s", b)
		}
		checkPage(t, "webhook turned off (en)", "en", b)
		ko := *u
		kq := u.Query()
		kq.Set("lang", "ko")
		ko.RawQuery = kq.Encode()
		if b := en.do("GET", ko.RequestURI(), "", nil).want(200).Body.String(); !strings.Contains(b, "다시 켜기") || !strings.Contains(b, "부터 계속 실패해") ||
			strings.Contains(b, "Turn it back on") {
			t.Fatalf("the Korean page:\n%s", b)
		} else {
			checkPage(t, "webhook turned off (ko)", "ko", b)
		}
		recv.mu.Lock()
		recv.answers = nil // the contact mends the receiver: 200 from now on
		recv.mu.Unlock()
		if r := enable(tok + "x"); r.Code != http.StatusNotFound {
			t.Fatalf("a wrong token answered %d", r.Code)
		}
		if b := enable(tok).want(200).Body.String(); !strings.Contains(b, "The webhook is on again") {
			t.Fatalf("enabled page:\n%s", b)
		} else {
			checkPage(t, "webhook on again", "en", b)
		}
		enable(tok).want(200) // a second click answers like the first
		hook = en.do("GET", "/api/v1/webhooks/"+id, en.admin, nil).want(200).json()
		if hook["enabled"] != true || hook["failures"] != float64(0) {
			t.Fatalf("after turning it back on: %v", hook)
		}

		// The next change reaches it.
		before := len(recv.requests())
		en.do("POST", "/api/v1/incidents/"+inc["id"].(string)+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201)
		p.drain()
		reqs := recv.requests()
		if len(reqs) <= before || reqs[len(reqs)-1].code != 200 {
			t.Fatalf("after turning it back on: %d requests, was %d", len(reqs), before)
		}

		// Staff turn it off: the link cannot undo that.
		en.do("PATCH", "/api/v1/webhooks/"+id, en.admin, map[string]any{"enabled": false}).want(200)
		if b := en.do("GET", u.RequestURI(), "", nil).want(200).Body.String(); strings.Contains(b, "enable-submit") {
			t.Fatalf("an endpoint staff turned off offers to turn it on:\n%s", b)
		}
		if r := enable(tok); r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "only they can turn it on again") {
			t.Fatalf("enabling what staff turned off answered %d:\n%s", r.Code, r.Body.String())
		}
		if hook := en.do("GET", "/api/v1/webhooks/"+id, en.admin, nil).want(200).json(); hook["enabled"] != false {
			t.Fatalf("the link turned on what staff turned off: %v", hook)
		}
	})
}

// TestPublicWebhookFormSharesTheSubscribeLimit: one client's budget covers both forms, so
// the webhook form is no way around the email form's rate limit.
func TestPublicWebhookFormSharesTheSubscribeLimit(t *testing.T) {
	en := newEnv(t)
	enablePublicWebhooks(t, en, true)
	for i := range 5 {
		en.formFrom("203.0.113.50:1", "/subscribe?lang=en", url.Values{"email": {"a" + strconv.Itoa(i) + "@example.com"}}).want(200)
	}
	r := en.formFrom("203.0.113.50:1", "/subscribe/webhook?lang=en", url.Values{"url": {"https://example.com/x"}, "email": {"b@example.com"}})
	if r.Code != http.StatusTooManyRequests || !strings.Contains(r.Body.String(), `data-testid="webhook-form"`) ||
		!strings.Contains(r.Body.String(), "Too many requests") {
		t.Fatalf("the sixth request, to the webhook form, answered %d:\n%s", r.Code, r.Body.String())
	}
	en.formFrom("203.0.113.51:1", "/subscribe/webhook?lang=en", url.Values{"url": {"https://example.com/x"}, "email": {"b@example.com"}}).want(200)
}

package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier/email/smtptest"
	"github.com/candorstatus/candor/status"
)

var confirmLink = regexp.MustCompile(`http://[^\s]+/subscribe/confirm\?lang=(ko|en)&token=([A-Za-z0-9_-]+)`)

// TestEmailSubscriberEndToEnd drives the whole flow through HTTP and a real SMTP server:
// subscribe → confirmation email → confirm → incident → email in the subscriber's
// language with its subject, thread and unsubscribe headers → one-click unsubscribe →
// nothing more.
func TestEmailSubscriberEndToEnd(t *testing.T) {
	srv, err := smtptest.Start(smtptest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg, err := Load(map[string]string{"addr": "127.0.0.1:0", "data-dir": t.TempDir()},
		env(map[string]string{"CANDOR_SMTP_URL": srv.URL(), "CANDOR_MAIL_FROM": "Candor Status <status@example.com>"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := a.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	base := "http://" + addr
	ctx := t.Context()
	staff := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	for _, id := range []string{"messages", "login"} {
		if _, err := a.Service.CreateComponent(ctx, staff, status.ComponentInput{ID: id, Name: lang.Same(id)}); err != nil {
			t.Fatal(err)
		}
	}
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		res, err := http.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	// The form is on the status page, and works without JavaScript.
	var page []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(base + "/?lang=en")
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(page), `value="login"`) { // the snapshot is rebuilt after a change
			break
		}
	}
	if !strings.Contains(string(page), `action="/subscribe?lang=en"`) || !strings.Contains(string(page), `name="components" value="messages"`) {
		t.Fatalf("the status page has no subscribe form:\n%.3000s", page)
	}
	// With mail configured the public may subscribe webhooks too (confirmed by email).
	if !strings.Contains(string(page), `href="/subscribe/webhook?lang=en"`) {
		t.Fatalf("the status page does not offer webhooks with mail configured:\n%.3000s", page)
	}
	if res, err := http.Get(base + "/subscribe/webhook?lang=en"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /subscribe/webhook: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	code, body := post("/subscribe?lang=en", url.Values{"email": {"Ada@Example.com"}, "sub_lang": {"en"}, "components": {"messages"}})
	if code != http.StatusOK || !strings.Contains(body, "Check your inbox") {
		t.Fatalf("subscribe answered %d:\n%s", code, body)
	}
	code, body = post("/subscribe?lang=ko", url.Values{"email": {"bo@example.com"}, "sub_lang": {"ko"}})
	if code != http.StatusOK || !strings.Contains(body, "메일함을 확인해 주세요") {
		t.Fatalf("Korean subscribe answered %d:\n%s", code, body)
	}
	code, body = post("/subscribe?lang=en", url.Values{"email": {"not an address"}, "sub_lang": {"en"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Enter one email address") {
		t.Fatalf("a bad address answered %d:\n%s", code, body)
	}

	msgs, err := srv.WaitFor(2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range []string{"ada@example.com", "bo@example.com"} {
		m, err := smtptest.Find(msgs, rcpt)
		if err != nil {
			t.Fatalf("no confirmation to %s", rcpt)
		}
		link := confirmLink.FindStringSubmatch(m.Part("text/plain"))
		if link == nil {
			t.Fatalf("no confirmation link to %s:\n%s", rcpt, m.Part("text/plain"))
		}
		// Following the link shows a button; a link scanner's GET confirms nothing.
		res, err := http.Get(base + "/subscribe/confirm?lang=" + link[1] + "&token=" + link[2])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `data-testid="confirm-submit"`) {
			t.Fatalf("confirm page answered %d:\n%s", res.StatusCode, b)
		}
		if code, body := post("/subscribe/confirm?lang="+link[1], url.Values{"token": {link[2]}}); code != http.StatusOK ||
			!strings.Contains(body, `data-testid="subscription-confirmed"`) {
			t.Fatalf("confirm answered %d:\n%s", code, body)
		}
	}
	if code, body := post("/subscribe/confirm?lang=en", url.Values{"token": {"made-up"}}); code != http.StatusNotFound ||
		!strings.Contains(body, "This link does not work any more") {
		t.Fatalf("a made-up link answered %d:\n%s", code, body)
	}

	inc, err := a.Service.CreateIncident(ctx, staff, status.IncidentInput{Title: lang.Text{EN: "Messages not delivered", KO: "메시지 전송 장애"},
		Message: lang.Same("Looking."), Impact: status.ImpactMajor, Notify: true,
		Components: map[string]status.ComponentStatus{"messages": status.MajorOutage}})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err = srv.WaitFor(4, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ada, _ := smtptest.Find(msgs, "ada@example.com")
	bo, _ := smtptest.Find(msgs, "bo@example.com")
	if s := ada.Subject(); s != "[Candor Status] Major outage: Messages not delivered" {
		t.Errorf("English subject %q", s)
	}
	if s := bo.Subject(); s != "[Candor Status] 장애 발생: 메시지 전송 장애" {
		t.Errorf("Korean subject %q", s)
	}
	root := "<incident-" + inc.ID + "@example.com>"
	if ada.Header.Get("References") != root || ada.Header.Get("In-Reply-To") != root {
		t.Errorf("thread headers %q / %q, want %q", ada.Header.Get("References"), ada.Header.Get("In-Reply-To"), root)
	}
	if ada.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", ada.Header.Get("List-Unsubscribe-Post"))
	}
	unsub := strings.Trim(ada.Header.Get("List-Unsubscribe"), "<>")
	u, err := url.Parse(unsub)
	if err != nil || u.Path != "/unsubscribe" {
		t.Fatalf("List-Unsubscribe = %q", ada.Header.Get("List-Unsubscribe"))
	}

	// RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to that URL, nothing else.
	res, err := http.Post(base+u.RequestURI(), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("one-click unsubscribe answered %d", res.StatusCode)
	}
	if _, err := a.Service.PostUpdate(ctx, staff, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed."), Notify: true}); err != nil {
		t.Fatal(err)
	}
	msgs, err = srv.WaitFor(5, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // room for a wrong email to arrive
	if got := srv.Recipients(); got["ada@example.com"] != 2 || got["bo@example.com"] != 3 {
		t.Fatalf("after unsubscribing, ada got %d emails (want 2: nothing more), bo %d (want 3)", got["ada@example.com"], got["bo@example.com"])
	}

	// /metrics counts every email the server accepted, confirmations included.
	accepted := 0
	for _, n := range srv.Recipients() {
		accepted += n
	}
	sent := testutil.ToFloat64(a.Metrics.SendResults().WithLabelValues("email", "send", "ok"))
	if accepted == 0 || sent != float64(accepted) {
		t.Errorf(`candor_notify_send_results_total{channel="email",op="send",outcome="ok"} = %v, want %d`, sent, accepted)
	}
}

package browser_test

import (
	"context"
	"github.com/candorstatus/candor/lang"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/candorstatus/candor/status"
)

// TestLiveRefresh: an open status page shows a new incident by itself, within seconds,
// without reloading (live.js swaps in the new <main> when the stream announces a change).
func TestLiveRefresh(t *testing.T) {
	ctx := browser(t, 60*time.Second)
	srv, svc, hub := server(t)

	step(t, ctx, "open the public page", chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("main")),
		chromedp.Evaluate[chromedp.Void]("window.__notReloaded = true"))
	before := count(t, ctx, "[data-testid=active-incidents] [data-testid=incident]")
	// Let the page's EventSource connect before the change.
	for deadline := time.Now().Add(10 * time.Second); hub.Len() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the page never opened its event stream")
		}
	}

	title := "Live refresh check"
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	if _, err := svc.CreateIncident(context.Background(), op, status.IncidentInput{Title: lang.Same(title), Message: lang.Same("Looking into it."),
		Components: map[string]status.ComponentStatus{"messenger": status.MajorOutage}}); err != nil {
		t.Fatal(err)
	}
	posted := time.Now()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector("[data-testid=active-incidents]") || {textContent: ""}).textContent.includes("`+title+`")`,
		chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the open page did not show the new incident: %v", err)
	}
	t.Logf("the open page showed the incident %v after it was posted", time.Since(posted).Round(time.Millisecond))
	if n := count(t, ctx, "[data-testid=active-incidents] [data-testid=incident]"); n != before+1 {
		t.Fatalf("%d incidents shown, want %d", n, before+1)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.__notReloaded === true"))
	if err != nil || !kept {
		t.Fatal("the page reloaded instead of refreshing in place")
	}
	if got := textOf(t, ctx, "[data-testid=active-incidents]"); !strings.Contains(got, title) {
		t.Fatalf("active incidents: %q", got)
	}
}

// TestLiveRefreshKeepsWhatTheReaderDid: a change arriving while someone fills in the
// subscribe form on the status page (an outage is when people do) keeps what they typed,
// ticked and opened, and the cursor where it was; a list of troubled days they opened
// stays open.
func TestLiveRefreshKeepsWhatTheReaderDid(t *testing.T) {
	ctx := browser(t, 60*time.Second)
	srv, svc, hub := server(t)

	email := `[data-testid=subscribe-email]`
	step(t, ctx, "open the public page", chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("main")))
	for deadline := time.Now().Add(10 * time.Second); hub.Len() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the page never opened its event stream")
		}
	}
	step(t, ctx, "open a component's troubled days", chromedp.Click(chromedp.CSS(`[data-testid=uptime-details] summary`)))
	step(t, ctx, "choose services", chromedp.Click(chromedp.CSS(`[data-testid=subscribe-form] details summary`)),
		chromedp.Click(chromedp.CSS(`[data-testid=subscribe-form] input[value=messenger]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=subscribe-form] input[name=sub_lang][value=ko]`)))
	step(t, ctx, "start typing an address", chromedp.SendKeys(chromedp.CSS(email), "reader@exa"))

	title := "Live refresh while typing"
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	if _, err := svc.CreateIncident(context.Background(), op, status.IncidentInput{Title: lang.Same(title), Message: lang.Same("Looking into it."),
		Components: map[string]status.ComponentStatus{"messenger": status.MajorOutage}}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector("[data-testid=active-incidents]") || {textContent: ""}).textContent.includes("`+title+`")`,
		chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the open page did not show the new incident: %v", err)
	}
	// Typing on goes into the same field, after what was typed before.
	step(t, ctx, "type on", chromedp.KeyEvent("mple.com"))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(() => {
  const f = document.querySelector("[data-testid=subscribe-form]");
  return {
    value: f.querySelector("[name=email]").value,
    focused: document.activeElement === f.querySelector("[name=email]"),
    servicesOpen: f.querySelector("details").open,
    ticked: f.querySelector("input[value=messenger]").checked,
    korean: f.querySelector("input[name=sub_lang][value=ko]").checked,
    daysOpen: document.querySelector("[data-testid=uptime-details]").open,
  };
})()`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"value": "reader@example.com", "focused": true, "servicesOpen": true, "ticked": true, "korean": true, "daysOpen": true}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("after the refresh, %s = %v, want %v", k, got[k], v)
		}
	}
}

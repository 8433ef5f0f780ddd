package browser_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/candorstatus/candor/status"
)

// alertmanagerFiring is one Alertmanager notification (webhook version 4) about delayed
// message delivery, as its webhook receiver posts it.
const alertmanagerFiring = `{
  "receiver": "candor", "status": "firing", "version": "4", "truncatedAlerts": 0,
  "groupKey": "{}:{alertname=\"MessageDeliveryLag\"}",
  "externalURL": "http://alertmanager.internal:9093",
  "groupLabels": {"alertname": "MessageDeliveryLag"},
  "commonLabels": {"alertname": "MessageDeliveryLag", "candor_component": "messenger"},
  "commonAnnotations": {"summary": "Delivery lag above 30s"},
  "alerts": [{
    "status": "firing",
    "labels": {"alertname": "MessageDeliveryLag", "candor_component": "messenger", "candor_status": "partial_outage", "severity": "critical"},
    "annotations": {"summary": "Delivery lag above 30s"},
    "startsAt": "` + "STARTS" + `",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus.internal:9090/graph?g0.expr=delivery_lag_seconds+%3E+30",
    "fingerprint": "7b1c0e9d2f3a4b5c"
  }]
}`

// TestDraftPublishedInOneClick has Alertmanager report an outage, finds the draft at the
// top of the dashboard with the preview of what publishing shows, publishes it with one
// click, and finds it on the public page starting when the alert began.
func TestDraftPublishedInOneClick(t *testing.T) {
	ctx := browser(t, 60*time.Second)
	srv, svc, _ := server(t)
	svc.SetSignalHold(0) // the hold is tested in status/ and handlers/; here it would only wait
	key, _, err := svc.CreateAPIKey(context.Background(), status.Op{Actor: status.System}, "alertmanager", status.ScopeSignal)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now().Add(-7 * time.Minute).UTC().Truncate(time.Second)
	body := strings.Replace(alertmanagerFiring, "STARTS", began.Format(time.RFC3339), 1)
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/integrations/alertmanager", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d", res.StatusCode)
	}

	step(t, ctx, "open the console", chromedp.Navigate(srv.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=login-form]")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "mina"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	submit(t, ctx, "sign in", "[data-testid=login-submit]")
	step(t, ctx, "see the draft on the dashboard", chromedp.WaitVisible(chromedp.CSS("[data-testid=dash-drafts] [data-testid=draft]")))
	if got := textOf(t, ctx, "[data-testid=draft]"); !strings.Contains(got, "Delivery lag above 30s") || !strings.Contains(got, "alertmanager") {
		t.Errorf("the draft does not show its signal: %q", got)
	}
	// The preview: the public card in both languages and the push, before anything is public.
	if got := textOf(t, ctx, "[data-testid=draft-preview-en] [data-testid=preview-card]"); !strings.Contains(got, "Problems with Message delivery") {
		t.Errorf("English preview card %q", got)
	}
	if got := textOf(t, ctx, "[data-testid=draft-preview-ko] [data-testid=preview-card]"); !strings.Contains(got, "메시지 전송 장애") {
		t.Errorf("Korean preview card %q", got)
	}
	if count(t, ctx, "[data-testid=draft-push-ko]") != 1 || count(t, ctx, "[data-testid=draft-push-en]") != 1 {
		t.Error("the preview lacks the pushes")
	}
	if _, n, _ := svc.Incidents(context.Background(), status.IncidentFilter{Status: "open"}); n != 0 {
		t.Fatalf("the draft is already an incident")
	}

	submit(t, ctx, "publish in one click", "[data-testid=draft-publish]")
	step(t, ctx, "land on the incident", chromedp.WaitVisible(chromedp.CSS("[data-testid=flash]")))
	if got := textOf(t, ctx, "[data-testid=flash]"); got != "Draft published: it is public now." {
		t.Fatalf("flash %q", got)
	}
	if got := textOf(t, ctx, "[data-testid=timeline]"); !strings.Contains(got, "Detected by monitoring at") {
		t.Errorf("the timeline lacks the detection entry: %q", got)
	}

	step(t, ctx, "open the public page", chromedp.Navigate(srv.URL+"/?lang=en&fresh=1"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=active-incidents]")))
	if got := textOf(t, ctx, "[data-testid=active-incidents]"); !strings.Contains(got, "Problems with Message delivery") {
		t.Fatalf("the public page does not list it: %q", got)
	}
	open, _, err := svc.Incidents(context.Background(), status.IncidentFilter{Status: "open"})
	if err != nil || len(open) != 1 || !open[0].StartedAt.Equal(began) {
		t.Fatalf("open incidents %+v (%v), want one started when the alert began", open, err)
	}
}

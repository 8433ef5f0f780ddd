package templates

import (
	"testing"

	"github.com/candorstatus/candor/lang"
)

// The subscribe form links to the webhook form only when the public may subscribe
// webhooks; the webhook form keeps what was typed and shows what was wrong; the confirmed
// page shows the secret.
func TestWebhookSubscriptionPages(t *testing.T) {
	for _, on := range []bool{false, true} {
		p := testPage(t, English, "/", "")
		p.Webhooks = on
		doc, _ := render(t, SubscribeSection(p, nil))
		if got := doc.Find(`[data-testid="subscribe-webhook-link"]`).Length() == 1; got != on {
			t.Errorf("webhooks offered %v: link shown %v", on, got)
		}
	}

	p := testPage(t, Korean, "/subscribe/webhook", "")
	doc, _ := render(t, SubscriptionPage(SubscriptionView{Page: p, Kind: "webhook-form", URL: "https://hooks.example.com/x",
		Email: "ops@example.com", Format: "discord", Error: "안 됩니다", Options: []SubscribeOption{{ID: "api", Name: lang.Same("API"), Checked: true}}}))
	form := doc.Find(`[data-testid="webhook-form"]`)
	if v, _ := form.Find(`[data-testid="webhook-url"]`).Attr("value"); v != "https://hooks.example.com/x" {
		t.Errorf("url kept as %q", v)
	}
	if v, _ := form.Find(`[data-testid="webhook-email"]`).Attr("value"); v != "ops@example.com" {
		t.Errorf("contact kept as %q", v)
	}
	if v, _ := form.Find(`input[name="format"][checked]`).Attr("value"); v != "discord" {
		t.Errorf("format kept as %q", v)
	}
	if form.Find(`input[name="components"][value="api"][checked]`).Length() != 1 || flat(form.Find(`[data-testid="subscribe-error"]`)) != "안 됩니다" {
		t.Error("components or the error are lost")
	}
	if flat(doc.Find("h1")) != T(Korean, "sub.webhook.heading") {
		t.Errorf("heading %q", flat(doc.Find("h1")))
	}
	doc, _ = render(t, SubscriptionPage(SubscriptionView{Page: p, Kind: "webhook-form"}))
	if v, _ := doc.Find(`input[name="format"][checked]`).Attr("value"); v != "statuspage" {
		t.Errorf("default format %q, want statuspage", v)
	}

	doc, _ = render(t, SubscriptionPage(SubscriptionView{Page: testPage(t, English, "/subscribe/webhook/confirm", ""),
		Kind: "webhook-confirmed", Secret: "whsec_abc"}))
	if flat(doc.Find(`[data-testid="webhook-secret"]`)) != "whsec_abc" {
		t.Error("the confirmed page does not show the secret")
	}
}

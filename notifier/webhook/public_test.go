package webhook_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/status"
)

// A public endpoint's statuspage body names its own removal link in meta.unsubscribe; the
// rest of the body is untouched, and other endpoints get the shared body as it is.
func TestPersonalizeUnsubscribe(t *testing.T) {
	shared, err := json.Marshal(webhook.TestBody{Meta: webhook.Meta{Unsubscribe: "https://status.example.com/admin/webhooks",
		Documentation: webhook.DocumentationURL, GeneratedAt: "2026-11-22T15:00:00.000+09:00"}, Page: webhook.PageStatus{ID: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	pub := &status.WebhookEndpoint{ID: "wh1", Public: true, Format: status.FormatStatuspage, Lang: "en", Secret: status.NewWebhookSecret()}
	got := webhook.Personalize(shared, pub, "https://status.example.com/")
	var body, orig map[string]any
	if err := json.Unmarshal(got, &body); err != nil {
		t.Fatalf("personalised body is not JSON: %v\n%s", err, got)
	}
	_ = json.Unmarshal(shared, &orig)
	link := body["meta"].(map[string]any)["unsubscribe"].(string)
	if link != webhook.RemoveLink("https://status.example.com", pub) {
		t.Fatalf("meta.unsubscribe = %q", link)
	}
	u, err := url.Parse(link)
	if err != nil || u.Path != webhook.RemovePath || u.Query().Get("id") != "wh1" || !status.ValidWebhookRemoveToken(pub, u.Query().Get("token")) {
		t.Fatalf("removal link %q does not name the endpoint with a valid token", link)
	}
	body["meta"].(map[string]any)["unsubscribe"] = orig["meta"].(map[string]any)["unsubscribe"]
	a, _ := json.Marshal(body)
	b, _ := json.Marshal(orig)
	if !bytes.Equal(a, b) {
		t.Fatalf("more than meta.unsubscribe changed:\n%s\n%s", a, b)
	}

	staff := *pub
	staff.Public = false
	slack := *pub
	slack.Format = status.FormatSlack
	for name, e := range map[string]*status.WebhookEndpoint{"staff": &staff, "slack": &slack} {
		if out := webhook.Personalize(shared, e, "https://status.example.com"); !bytes.Equal(out, shared) {
			t.Errorf("%s endpoint got a changed body: %s", name, out)
		}
	}
	if webhook.RemoveLink("https://status.example.com", &staff) != "" {
		t.Error("a staff endpoint has a public removal link")
	}
	rotated := *pub
	rotated.Secret = status.NewWebhookSecret()
	if status.ValidWebhookRemoveToken(&rotated, status.WebhookRemoveToken(pub)) || status.ValidWebhookRemoveToken(pub, "") {
		t.Error("a removal token outlives its secret, or the empty token is valid")
	}
}

package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/candorstatus/candor/status"
)

func TestConsoleWebhooks(t *testing.T) {
	en := newEnv(t)
	d := en.enableWebhooks()
	r := newHookReceiver(t)
	admin := en.signedIn("ada", status.RoleAdmin, "203.0.113.9")
	editor := en.signedIn("mina", status.RoleEditor, "203.0.113.10")
	editor.get("/admin/webhooks").want(http.StatusForbidden)

	// A bad URL comes back with what was typed and the problem next to the field.
	doc := page(t, admin.post("/admin/webhooks", url.Values{"url": {"ftp://example.com/x"}, "components": {"*"},
		"events": {"incident.created"}, "lang": {"en"}, "format": {"slack"}}).want(http.StatusUnprocessableEntity))
	if v, _ := doc.Find("#f-url").Attr("value"); v != "ftp://example.com/x" || text(doc, `[data-testid="error-url"]`) == "" {
		t.Errorf("bad URL form: value %q, problem %q", v, text(doc, `[data-testid="error-url"]`))
	}
	// Without the CSRF token nothing is created.
	admin.post("/admin/webhooks", url.Values{"csrf": {"forged"}, "url": {r.URL}}).want(http.StatusForbidden)

	doc = page(t, admin.post("/admin/webhooks", url.Values{"url": {r.URL + "/hook"}, "components": {"*"},
		"events": {"incident.created", "incident.resolved"}, "lang": {"en"}, "format": {"statuspage"}}).want(http.StatusOK))
	secret := text(doc, "[data-testid=new-webhook-secret]")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	list := admin.get("/admin/webhooks").want(http.StatusOK)
	if strings.Contains(list.Body.String(), secret) {
		t.Fatal("the secret is shown again")
	}
	rows := page(t, list).Find("[data-testid=webhook-row]")
	if rows.Length() != 1 {
		t.Fatalf("%d rows", rows.Length())
	}
	id, _ := rows.Attr("data-id")

	admin.post("/admin/webhooks/"+id+"/test", nil).want(http.StatusSeeOther)
	if _, err := d.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	doc = page(t, admin.get("/admin/webhooks/"+id).want(http.StatusOK))
	if st, _ := doc.Find("[data-testid=delivery-row]").Attr("data-status"); st != "sent" {
		t.Errorf("test delivery %q: %s", st, text(doc, "[data-testid=deliveries]"))
	}
	if len(r.requests()) != 1 || !statuspageVerify(secret, r.requests()[0].h, r.requests()[0].body) {
		t.Error("the test event did not arrive signed")
	}

	doc = page(t, admin.post("/admin/webhooks/"+id+"/rotate", nil).want(http.StatusOK))
	if s := text(doc, "[data-testid=new-webhook-secret]"); s == secret || !strings.HasPrefix(s, "whsec_") {
		t.Errorf("rotated secret %q", s)
	}
	admin.post("/admin/webhooks/"+id+"/disable", nil).want(http.StatusSeeOther)
	doc = page(t, admin.get("/admin/webhooks").want(http.StatusOK))
	if !strings.Contains(text(doc, "[data-testid=webhook-state]"), "Disabled") {
		t.Errorf("state after disabling: %q", text(doc, "[data-testid=webhook-state]"))
	}
	doc.Find("form[method=post]").Each(func(i int, f *goquery.Selection) {
		if v, _ := f.Find("input[name=csrf]").Attr("value"); v != admin.csrf {
			t.Errorf("a form has no CSRF token")
		}
	})
	// The dashboard, which every role reads, names it by host only.
	dash := page(t, editor.get("/admin").want(http.StatusOK))
	if p := text(dash, "[data-testid=webhook-problem]"); !strings.Contains(p, "127.0.0.1") || !strings.Contains(p, "Disabled") || strings.Contains(p, "/hook") {
		t.Errorf("dashboard webhook problem %q", p)
	}
	admin.post("/admin/webhooks/"+id+"/enable", nil).want(http.StatusSeeOther)
	if page(t, admin.get("/admin").want(http.StatusOK)).Find("[data-testid=dash-webhooks]").Length() != 0 {
		t.Error("an enabled, healthy webhook is listed as in trouble")
	}
	admin.post("/admin/webhooks/"+id+"/delete", nil).want(http.StatusSeeOther)
	admin.get("/admin/webhooks/" + id).want(http.StatusNotFound)
}

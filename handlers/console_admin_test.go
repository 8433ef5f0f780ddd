package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/PuerkitoBio/goquery"

	"github.com/candorstatus/candor/status"
)

func TestConsolePagesRender(t *testing.T) {
	en := newEnv(t)
	en.enableForecast()
	if err := en.svc.SeedTemplates(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin := en.signedIn("ada", status.RoleAdmin, "203.0.113.9")
	ts, _ := en.svc.Templates(context.Background())
	for _, path := range []string{"/admin", "/admin/", "/admin/incidents", "/admin/incidents/new", "/admin/maintenances",
		"/admin/maintenances/new", "/admin/components", "/admin/components/messenger", "/admin/keys", "/admin/webhooks", "/admin/users",
		"/admin/templates", "/admin/templates/new", "/admin/templates/" + ts[0].ID, "/admin/audit", "/admin/incidents?page=2"} {
		r := admin.get(path).want(http.StatusOK)
		d := page(t, r)
		if d.Find("main").Length() != 1 || d.Find("[data-testid=nav]").Length() != 1 {
			t.Errorf("%s: not a console page", path)
		}
		if r.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, r.Header().Get("Cache-Control"))
		}
		d.Find("form[method=post]").Each(func(i int, f *goquery.Selection) {
			if v, _ := f.Find("input[name=csrf]").Attr("value"); v != admin.csrf {
				action, _ := f.Attr("action")
				t.Errorf("%s: form %s has no CSRF token", path, action)
			}
		})
	}
	for _, path := range []string{"/admin/nope", "/admin/incidents/nope", "/admin/maintenances/nope", "/admin/components/nope", "/admin/templates/nope"} {
		d := page(t, admin.get(path).want(http.StatusNotFound))
		if code, _ := d.Find("[data-testid=console-error]").Attr("data-code"); code != "404" {
			t.Errorf("%s: no friendly console 404", path)
		}
		if d.Find("[data-testid=nav]").Length() != 1 {
			t.Errorf("%s: the 404 page lost the navigation", path)
		}
	}
}

func TestConsoleKeysAndUsers(t *testing.T) {
	en := newEnv(t)
	admin := en.signedIn("ada", status.RoleAdmin, "203.0.113.9")

	d := page(t, admin.post("/admin/keys", url.Values{"name": {"deploy-bot"}, "scope": {"write"}}).want(http.StatusOK))
	secret := text(d, "[data-testid=new-key-secret]")
	if !strings.HasPrefix(secret, "cnd_") {
		t.Fatalf("new key secret %q", secret)
	}
	en.do("GET", "/api/v1/incidents", secret, nil).want(http.StatusOK)
	if strings.Contains(admin.get("/admin/keys").Body.String(), secret) {
		t.Fatal("the secret is shown again")
	}
	d = page(t, admin.post("/admin/keys", url.Values{"name": {"has space"}, "scope": {"write"}}).want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, `[data-testid="error-name"]`), "spaces") {
		t.Errorf("bad key name: %s", text(d, "main"))
	}
	admin.post("/admin/keys/deploy-bot/revoke", nil).want(http.StatusSeeOther)
	en.do("GET", "/api/v1/incidents", secret, nil).want(http.StatusUnauthorized)

	d = page(t, admin.post("/admin/users", url.Values{"name": {"Bad Name"}, "role": {"editor"}, "password": {"short"}}).
		want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, `[data-testid="error-name"]`), "lower-case") || !strings.Contains(text(d, `[data-testid="error-password"]`), "at least") {
		t.Errorf("user form problems: %s", text(d, "main"))
	}
	if v, _ := d.Find("#f-name").Attr("value"); v != "Bad Name" {
		t.Errorf("name not kept: %q", v)
	}
	if v, _ := d.Find("#f-password").Attr("value"); v != "" {
		t.Error("the password was echoed back")
	}
	admin.post("/admin/users", url.Values{"name": {"eda"}, "role": {"viewer"}, "password": {testPassword}}).want(http.StatusSeeOther)
	var eda status.User
	users, _ := en.svc.Users(context.Background())
	for _, u := range users {
		if u.Name == "eda" {
			eda = u
		}
	}
	admin.post("/admin/users/"+eda.ID, url.Values{"do": {"role"}, "role": {"editor"}}).want(http.StatusSeeOther)
	b := en.browser("198.51.100.77")
	b.login("eda", testPassword).want(http.StatusSeeOther)
	admin.post("/admin/users/"+eda.ID, url.Values{"do": {"disable"}}).want(http.StatusSeeOther)
	b.get("/admin").want(http.StatusSeeOther) // disabling ends the session
	admin.post("/admin/users/"+eda.ID, url.Values{"do": {"enable"}}).want(http.StatusSeeOther)
	d = page(t, admin.post("/admin/users/"+eda.ID, url.Values{"do": {"password"}, "password": {"tiny"}}).want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, "[data-testid=error-password]"), "at least") {
		t.Errorf("short reset password: %s", text(d, "main"))
	}
	admin.post("/admin/users/"+eda.ID, url.Values{"do": {"password"}, "password": {"another long password"}}).want(http.StatusSeeOther)
	en.browser("198.51.100.78").login("eda", "another long password").want(http.StatusSeeOther)

	// Admins cannot lock themselves out.
	me, _, _ := en.svc.SessionUser(context.Background(), admin.cookies["candor_session"].Value)
	admin.post("/admin/users/"+me.ID, url.Values{"do": {"disable"}}).want(http.StatusConflict)
}

func TestConsoleComponentsAndMaintenance(t *testing.T) {
	en := newEnv(t)
	admin := en.signedIn("ada", status.RoleAdmin, "203.0.113.9")
	admin.post("/admin/components", url.Values{"name": {"Search"}, "group": {"Messaging"}, "status": {"operational"}}).want(http.StatusSeeOther)
	d := page(t, admin.post("/admin/components", url.Values{"name": {"Login"}, "position": {"first"}, "status": {"operational"}}).
		want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, `[data-testid="error-position"]`), "whole number") {
		t.Errorf("component form problems: %s", text(d, "main"))
	}
	if v, _ := d.Find("#f-name_en").Attr("value"); v != "Login" {
		t.Errorf("name not kept: %q", v)
	}
	d = page(t, admin.post("/admin/components", url.Values{"name": {""}, "status": {"operational"}}).want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, `[data-testid="error-name"]`), "must not be empty") {
		t.Errorf("component without a name: %s", text(d, "main"))
	}
	admin.post("/admin/components/search", url.Values{"name": {"Search v2"}, "group": {""}, "description": {"Finding chats"},
		"position": {"3"}, "status": {"degraded_performance"}}).want(http.StatusSeeOther)
	c, err := en.svc.Component(context.Background(), "search")
	if err != nil || c.Name != lang.Same("Search v2") || c.GroupID != "" || c.Position != 3 || c.Status != status.DegradedPerformance {
		t.Fatalf("component after edit: %+v %v", c, err)
	}

	// Maintenance held by an incident: start needs a reason, cancel needs a message.
	start := en.clock.Now().Add(time.Hour)
	r := admin.post("/admin/maintenances/new", url.Values{"title": {"Index rebuild"}, "message": {"Search may be slow."},
		"components": {"search"}, "scheduled_for": {en.localInput(start)}, "scheduled_until": {en.localInput(start.Add(time.Hour))},
		"remind_before": {"1h"}, "notify": {"true"}, "auto_complete": {"true"}}).want(http.StatusSeeOther)
	mid := strings.TrimPrefix(strings.SplitN(r.location(), "?", 2)[0], "/admin/maintenances/")
	admin.post("/admin/incidents/new", url.Values{"title": {"Search down"}, "message": {"x"},
		"components.search": {"major_outage"}, "action": {"post"}}).want(http.StatusSeeOther)
	en.clock.Advance(61 * time.Minute)
	if _, err := en.svc.RunMaintenances(context.Background()); err != nil {
		t.Fatal(err)
	}
	d = page(t, admin.get("/admin").want(http.StatusOK))
	if d.Find("[data-testid=maint-held] [data-testid=held-by]").Length() != 1 {
		t.Fatalf("held maintenance not on the dashboard: %s", text(d, "main"))
	}
	d = page(t, admin.get("/admin/maintenances/"+mid).want(http.StatusOK))
	if d.Find("textarea[name=override_reason]").Length() != 1 {
		t.Fatal("no override reason field on held maintenance")
	}
	d = page(t, admin.post("/admin/maintenances/"+mid+"/start", url.Values{"override_reason": {""}}).want(http.StatusConflict))
	if !strings.Contains(text(d, `[data-testid="error-override_reason"]`), "required") {
		t.Errorf("start without reason: %s", text(d, "main"))
	}
	admin.post("/admin/maintenances/"+mid+"/start", url.Values{"override_reason": {"The index is the fix."}}).want(http.StatusSeeOther)
	m, _ := en.svc.Maintenance(context.Background(), mid)
	if m.Status != status.MaintInProgress || m.OverrideReason != "The index is the fix." {
		t.Fatalf("maintenance after override: %s %q", m.Status, m.OverrideReason)
	}
	admin.post("/admin/maintenances/"+mid+"/updates", url.Values{"status": {"completed"}, "message": {"Done."}}).want(http.StatusSeeOther)

	// Invalid maintenance keeps the input; cancelling needs a message.
	d = page(t, admin.post("/admin/maintenances/new", url.Values{"title": {"Later"}, "message": {"x"}, "components": {"search"},
		"scheduled_for": {"soon"}, "scheduled_until": {""}, "remind_before": {"a while"}}).want(http.StatusUnprocessableEntity))
	for _, f := range []string{"scheduled_for", "remind_before"} {
		if d.Find(`[data-testid="error-`+f+`"]`).Length() != 1 {
			t.Errorf("no problem shown for %s: %s", f, text(d, "main"))
		}
	}
	if d.Find(`input[name=components][value=search][checked]`).Length() != 1 {
		t.Error("component choice not kept")
	}
	r = admin.post("/admin/maintenances/new", url.Values{"title": {"Later"}, "message": {"x"}, "components": {"search"},
		"scheduled_for": {en.localInput(en.clock.Now().Add(48 * time.Hour))}, "scheduled_until": {en.localInput(en.clock.Now().Add(49 * time.Hour))}}).
		want(http.StatusSeeOther)
	later := strings.TrimPrefix(strings.SplitN(r.location(), "?", 2)[0], "/admin/maintenances/")
	d = page(t, admin.post("/admin/maintenances/"+later+"/cancel", url.Values{"message": {""}}).want(http.StatusUnprocessableEntity))
	if d.Find("[data-testid=cancel-form] [data-testid=error-message]").Length() != 1 {
		t.Errorf("cancel without message: %s", text(d, "main"))
	}
	admin.post("/admin/maintenances/"+later+"/cancel", url.Values{"message": {"Not needed."}}).want(http.StatusSeeOther)
	if m, _ := en.svc.Maintenance(context.Background(), later); m.Status != status.MaintCancelled {
		t.Fatalf("maintenance after cancel: %s", m.Status)
	}
}

package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/candorstatus/candor/status"
)

// TestCSRFTokenNotFromQuery (issue 18, defect 8): a token in the URL's query does not
// authorize a post — URLs end up in logs, Referer headers and history — while the form
// body and the X-CSRF-Token header do.
func TestCSRFTokenNotFromQuery(t *testing.T) {
	en := newEnv(t)
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	form := url.Values{"title": {"Search is slow"}, "message": {"Looking."}, "action": {"post"}}

	ed.send("POST", "/admin/incidents/new?csrf="+url.QueryEscape(ed.csrf), form).want(http.StatusForbidden)
	if n := en.countIncidents(); n != 0 {
		t.Fatalf("a token in the query created %d incidents", n)
	}
	ed.headers = []string{"X-CSRF-Token", ed.csrf}
	ed.send("POST", "/admin/incidents/new", form).want(http.StatusSeeOther)
	ed.headers = nil
	ed.post("/admin/incidents/new", form).want(http.StatusSeeOther)
	if n := en.countIncidents(); n != 2 {
		t.Fatalf("%d incidents, want 2 (header and body)", n)
	}
}

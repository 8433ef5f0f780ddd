package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func TestMaintenancePreAndPostChecks(t *testing.T) {
	en := newEnv(t)
	en.svc.SetSignalHold(0)
	en.seedComponents([3]string{"db", "Database", ""})
	key := en.signalKey()
	now := en.clock.Now()
	m := en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "DB upgrade", "message": "Slow for a while.",
		"components": []string{"db"}, "scheduled_for": now.Add(time.Hour).Format(time.RFC3339),
		"scheduled_until": now.Add(2 * time.Hour).Format(time.RFC3339), "auto_complete": false,
		"pre_checks": []string{"Backup verified", "Rollback rehearsed"}}).want(201).json()
	id := m["id"].(string)
	checks := get[[]any](t, m, "pre_checks")
	if len(checks) != 2 || checks[0].(map[string]any)["done"] != false {
		t.Fatalf("pre_checks %v", checks)
	}
	_, fields := en.do("POST", "/api/v1/maintenances/"+id+"/start", en.write, `{"override_reason": "urgent"}`).want(409).apiError()
	if fields["pre_checks"] != "2 of 2 not done" {
		t.Errorf("start with pending checks: fields %v", fields)
	}
	for _, c := range checks {
		cid := c.(map[string]any)["id"].(string)
		got := en.do("POST", "/api/v1/maintenances/"+id+"/checks/"+cid, en.write, `{"done": true}`).want(200).json()
		if got["pre_checks"] == nil {
			t.Fatalf("tick answer %v", got)
		}
	}
	en.do("POST", "/api/v1/maintenances/"+id+"/checks/nope", en.write, `{"done": true}`).want(404)
	en.do("POST", "/api/v1/maintenances/"+id+"/checks/x", en.write, `{}`).want(422)
	checks = get[[]any](t, en.maintenance(id), "pre_checks")
	if c := checks[1].(map[string]any); c["done"] != true || c["done_by"] != "write-key" || c["done_at"] == nil {
		t.Errorf("ticked %v", c)
	}
	en.do("POST", "/api/v1/maintenances/"+id+"/start", en.write, nil).want(201)

	// An alert fires during the work and is still firing when staff complete it.
	en.do("POST", "/api/v1/integrations/signal", key, `{"component": "db", "source": "grafana", "summary": "replication lag 40s", "status": "major_outage"}`).want(200)
	if got := componentStatus(en, "db"); got != "under_maintenance" {
		t.Errorf("db during the work: %s", got)
	}
	done := en.do("POST", "/api/v1/maintenances/"+id+"/updates", en.write, `{"status": "completed", "message": "Done."}`).want(201).json()
	if done["status"] != "completed" || done["completed_with_problems"] != true {
		t.Errorf("completed %v %v", done["status"], done["completed_with_problems"])
	}
	if got := componentStatus(en, "db"); got != "major_outage" {
		t.Errorf("db after the work: %s", got)
	}
	drafts := get[[]any](t, en.do("GET", "/api/v1/incidents?status=draft", en.read, nil).want(200).json(), "incidents")
	if len(drafts) != 1 || drafts[0].(map[string]any)["source"] != "maintenance" ||
		!strings.Contains(drafts[0].(map[string]any)["summary"].(string), "replication lag 40s") {
		t.Fatalf("drafts %v", drafts)
	}
	for l, want := range map[string]string{"en": "Completed with problems", "ko": "완료 (문제 발견)"} {
		d := page(t, en.do("GET", "/maintenances/"+id+"?lang="+l, "", nil).want(200))
		if got := strings.TrimSpace(d.Find(`[data-testid=maintenance-status]`).First().Text()); got != want {
			t.Errorf("%s: public status %q, want %q", l, got, want)
		}
	}
	if a := en.auditActions("maintenance.check"); len(a) != 2 {
		t.Errorf("check audit %+v", a)
	}
}

func TestConsolePreChecks(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"db", "Database", ""})
	b := en.signedIn("mina", status.RoleEditor, "10.0.0.5")
	start := en.clock.Now().Add(time.Hour).In(en.seoul)
	r := b.post("/admin/maintenances/new", url.Values{"title_en": {"DB upgrade"}, "message_en": {"Slow."}, "components": {"db"},
		"scheduled_for": {start.Format("2006-01-02T15:04")}, "scheduled_until": {start.Add(time.Hour).Format("2006-01-02T15:04")},
		"pre_checks": {"Backup verified\n\nRollback rehearsed\n"}}).want(http.StatusSeeOther)
	path := strings.SplitN(r.Header().Get("Location"), "?", 2)[0]
	d := page(t, b.get(path).want(http.StatusOK))
	if got := d.Find(`[data-testid=pre-checks] h2`).Text(); got != "Pre-checks: 0 of 2 done" {
		t.Fatalf("heading %q", got)
	}
	// Starting by hand is refused while items are open.
	d = page(t, b.post(path+"/start", url.Values{"override_reason": {"urgent"}}).want(http.StatusConflict))
	if !strings.Contains(d.Find(`[role=alert]`).Text(), "pre-checks are not done") {
		t.Errorf("refusal reads %q", d.Find(`[role=alert]`).Text())
	}
	for range 2 {
		action, _ := page(t, b.get(path).want(http.StatusOK)).Find(`[data-testid=pre-check][data-done=false] form`).First().Attr("action")
		b.post(action, url.Values{"done": {"true"}}).want(http.StatusSeeOther)
	}
	d = page(t, b.get(path).want(http.StatusOK))
	if got := d.Find(`[data-testid=pre-checks] h2`).Text(); got != "Pre-checks: 2 of 2 done" || !strings.Contains(d.Find(`[data-testid=pre-check]`).First().Text(), "mina") {
		t.Errorf("after ticking: %q", got)
	}
	b.post(path+"/start", nil).want(http.StatusSeeOther)
	if a := en.auditActions("maintenance.check"); len(a) != 2 || a[0].Actor.Name != "mina" {
		t.Errorf("audit %+v", a)
	}
}

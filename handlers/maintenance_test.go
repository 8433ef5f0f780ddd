package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

func (en *env) runMaintenance() int {
	en.t.Helper()
	n, err := en.svc.RunMaintenances(context.Background())
	if err != nil {
		en.t.Fatal(err)
	}
	return n
}

func (en *env) maintenance(id string) map[string]any {
	en.t.Helper()
	return en.do("GET", "/api/v1/maintenances/"+id, en.read, nil).want(200).json()
}

func events(t *testing.T, m map[string]any) []string {
	t.Helper()
	var out []string
	for _, u := range get[[]any](t, m, "updates") {
		if e, ok := u.(map[string]any)["event"].(string); ok {
			out = append(out, e)
		} else {
			out = append(out, "staff")
		}
	}
	return out
}

func componentStatus(en *env, id string) string {
	return en.do("GET", "/api/v1/components/"+id, en.read, nil).want(200).json()["status"].(string)
}

func TestMaintenanceValidation(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"db", "Database", ""})
	now := en.clock.Now()
	ok := func() map[string]any {
		return map[string]any{"title": "Upgrade", "message": "Database upgrade.", "components": []string{"db"},
			"scheduled_for": now.Add(2 * time.Hour).Format(time.RFC3339), "scheduled_until": now.Add(4 * time.Hour).Format(time.RFC3339)}
	}
	with := func(k string, v any) map[string]any { m := ok(); m[k] = v; return m }
	for _, tc := range []struct {
		name  string
		body  any
		want  int
		field string
	}{
		{"end before start", with("scheduled_until", now.Add(time.Hour).Format(time.RFC3339)), 422, "scheduled_until"},
		{"start in the past", with("scheduled_for", now.Add(-time.Minute).Format(time.RFC3339)), 422, "scheduled_for"},
		{"missing start", with("scheduled_for", nil), 422, "scheduled_for"},
		{"unknown component", with("components", []string{"nope"}), 422, "components"},
		{"bad reminder", with("remind_before", []string{"tomorrow"}), 422, "remind_before"},
		{"negative reminder", with("remind_before", []string{"-1h"}), 422, "remind_before"},
		{"empty title", with("title", ""), 422, "title"},
		{"unknown field", with("impact", "major"), 400, "impact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, fields := en.do("POST", "/api/v1/maintenances", en.write, tc.body).want(tc.want).apiError()
			if fields[tc.field] == nil {
				t.Fatalf("error does not name %q: %v", tc.field, fields)
			}
		})
	}
	en.do("POST", "/api/v1/maintenances", en.read, ok()).want(403)
	if n := len(get[[]any](t, en.do("GET", "/api/v1/maintenances", en.read, nil).want(200).json(), "maintenances")); n != 0 {
		t.Fatalf("%d maintenances after rejected requests", n)
	}
	m := en.do("POST", "/api/v1/maintenances", en.write, ok()).want(201).json()
	if m["status"] != "scheduled" || m["auto_complete"] != true || len(get[[]any](t, m, "remind_before")) != 2 {
		t.Fatalf("defaults: %v", m)
	}
}

func TestMaintenanceLifecycle(t *testing.T) {
	en := newEnv(t)
	p := en.enablePush(0)
	en.seedComponents([3]string{"db", "Database", ""}, [3]string{"api", "API", ""})
	en.device(token("maint", 1), "en", "db")
	en.drain(p)
	en.do("PATCH", "/api/v1/components/api", en.admin, map[string]any{"status": "degraded_performance"}).want(200)
	start := en.clock.Now().Add(48 * time.Hour)
	end := start.Add(2 * time.Hour)
	m := en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "Database upgrade", "message": "Upgrading.",
		"components": []string{"db", "api"}, "scheduled_for": start.Format(time.RFC3339), "scheduled_until": end.Format(time.RFC3339),
		"remind_before": []string{"24h", "1h"}}).want(201).json()
	id := get[string](t, m, "id")
	en.drain(p)
	pushes := func() []string {
		var kinds []string
		for _, msg := range p.fake.Messages() {
			if msg.Data["incident_id"] == id {
				kinds = append(kinds, msg.Data["kind"])
			}
		}
		return kinds
	}

	t.Run("announced on the page and in v2", func(t *testing.T) {
		d := doc(t, en.do("GET", "/?lang=en", "", nil).want(200))
		item := d.Find("[data-testid=maintenance] [data-testid=maintenance-item]")
		if item.Length() != 1 || !strings.Contains(item.Text(), "Database upgrade") || !strings.Contains(item.Text(), "Starts") {
			t.Fatalf("home maintenance: %q", item.Text())
		}
		up := en.do("GET", "/api/v2/scheduled-maintenances/upcoming.json", "", nil).want(200).json()["scheduled_maintenances"].([]any)
		if len(up) != 1 {
			t.Fatalf("%d upcoming", len(up))
		}
		sm := up[0].(map[string]any)
		hasFields(t, "scheduled maintenance", sm, append(incidentFields, "scheduled_for", "scheduled_until"))
		if sm["status"] != "scheduled" || sm["impact"] != "maintenance" || sm["scheduled_for"] == nil || sm["scheduled_until"] == nil {
			t.Fatalf("v2 maintenance %v", sm)
		}
		if len(en.do("GET", "/api/v2/summary.json", "", nil).json()["scheduled_maintenances"].([]any)) != 1 {
			t.Fatal("summary lacks the upcoming maintenance")
		}
		en.do("GET", "/maintenances/"+id+"?lang=ko", "", nil).want(200)
		if !strings.Contains(en.do("GET", "/history.atom?lang=en", "", nil).Body.String(), "/maintenances/"+id) {
			t.Fatal("atom feed lacks the maintenance")
		}
	})

	t.Run("reminders go out once each", func(t *testing.T) {
		en.clock.Set(start.Add(-24 * time.Hour))
		if en.runMaintenance() != 1 || en.runMaintenance() != 0 {
			t.Fatal("the 24h reminder must be written exactly once")
		}
		en.drain(p)
		en.clock.Set(start.Add(-30 * time.Minute))
		en.runMaintenance()
		en.runMaintenance()
		en.drain(p)
		if got := strings.Join(pushes(), ","); got != "maintenance_scheduled,maintenance_reminder,maintenance_reminder" {
			t.Fatalf("pushes %s", got)
		}
	})

	t.Run("starts on time with components under maintenance", func(t *testing.T) {
		en.clock.Set(start.Add(10 * time.Second))
		en.runMaintenance()
		got := en.maintenance(id)
		if got["status"] != "in_progress" || got["started_at"] == nil {
			t.Fatalf("after start: %v", got["status"])
		}
		if componentStatus(en, "db") != "under_maintenance" || componentStatus(en, "api") != "under_maintenance" {
			t.Fatal("components not under maintenance")
		}
		st := en.do("GET", "/api/v2/status.json", "", nil).json()["status"].(map[string]any)
		if st["indicator"] != "maintenance" {
			t.Fatalf("overall during maintenance: %v", st)
		}
		if n := len(en.do("GET", "/api/v2/scheduled-maintenances/active.json", "", nil).json()["scheduled_maintenances"].([]any)); n != 1 {
			t.Fatalf("%d active", n)
		}
		en.drain(p)
		last := p.fake.Messages()[len(p.fake.Messages())-1]
		if last.Data["kind"] != "maintenance_started" || last.Android.Priority != "high" {
			t.Fatalf("start push %v %s", last.Data, last.Android.Priority)
		}
	})

	t.Run("completes on time and components return to their earlier status", func(t *testing.T) {
		en.clock.Set(end.Add(5 * time.Second))
		en.runMaintenance()
		if en.runMaintenance() != 0 {
			t.Fatal("completion ran twice")
		}
		got := en.maintenance(id)
		if got["status"] != "completed" || got["ended_at"] == nil {
			t.Fatalf("after end: %v", got["status"])
		}
		if componentStatus(en, "db") != "operational" || componentStatus(en, "api") != "degraded_performance" {
			t.Fatalf("after maintenance db=%s api=%s; want operational and the earlier degraded_performance",
				componentStatus(en, "db"), componentStatus(en, "api"))
		}
		en.drain(p)
		if got := strings.Join(pushes(), ","); !strings.HasSuffix(got, "maintenance_started,maintenance_completed") {
			t.Fatalf("pushes %s", got)
		}
		if evs := strings.Join(events(t, got), ","); evs != "staff,reminder,reminder,started,completed" {
			t.Fatalf("timeline %s", evs)
		}
	})
}

func TestMaintenanceCatchUpAndOverrun(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"db", "Database", ""})
	start := en.clock.Now().Add(3 * time.Hour)
	sched := func(auto bool) string {
		return get[string](t, en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "Work", "message": "Work.",
			"components": []string{"db"}, "scheduled_for": start.Format(time.RFC3339),
			"scheduled_until": start.Add(time.Hour).Format(time.RFC3339), "auto_complete": auto}).want(201).json(), "id")
	}
	auto, manual := sched(true), sched(false)
	later := en.clock.Now().Add(50 * time.Hour)
	remind := get[string](t, en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "Later", "message": "Later.",
		"components": []string{"db"}, "scheduled_for": later.Format(time.RFC3339),
		"scheduled_until": later.Add(time.Hour).Format(time.RFC3339)}).want(201).json(), "id")

	// Candor was down from before the reminders until after the window: one run catches up.
	en.clock.Set(start.Add(-2 * time.Hour))
	en.runMaintenance() // the 1h reminder is not due yet; nothing else happens
	if evs := events(t, en.maintenance(auto)); len(evs) != 1 {
		t.Fatalf("early run wrote %v", evs)
	}
	en.clock.Set(start.Add(90 * time.Minute))
	en.runMaintenance()
	if en.runMaintenance() != 0 {
		t.Fatal("catch-up is not idempotent")
	}
	a := en.maintenance(auto)
	// Reminders missed while down are not sent after the start: they would announce the past.
	if evs := strings.Join(events(t, a), ","); a["status"] != "completed" || evs != "staff,started,completed" {
		t.Fatalf("auto-complete catch-up: %v %s", a["status"], evs)
	}
	m := en.maintenance(manual)
	if m["status"] != "verifying" || m["late"] != true || strings.Join(events(t, m), ",") != "staff,started,verifying,late" {
		t.Fatalf("manual: %v late=%v %v", m["status"], m["late"], events(t, m))
	}
	d := doc(t, en.do("GET", "/?lang=en", "", nil).want(200))
	late := d.Find("[data-testid=maintenance-late]")
	if late.Length() != 1 || !strings.Contains(late.Text(), "Running late") {
		t.Fatalf("page does not say the maintenance runs late: %q", d.Find("[data-testid=maintenance]").Text())
	}
	if componentStatus(en, "db") != "under_maintenance" {
		t.Fatal("a maintenance still verifying must keep its components under maintenance")
	}
	// Down across both reminder moments, back before the start: one reminder, not two.
	en.clock.Set(later.Add(-30 * time.Minute))
	en.runMaintenance()
	en.runMaintenance()
	if evs := strings.Join(events(t, en.maintenance(remind)), ","); evs != "staff,reminder" {
		t.Fatalf("missed reminders caught up as %s", evs)
	}
	en.do("POST", "/api/v1/maintenances/"+manual+"/updates", en.write, map[string]any{"status": "completed", "message": "All done."}).want(201)
	if componentStatus(en, "db") != "operational" {
		t.Fatal("completing by hand must release the components")
	}
	en.do("POST", "/api/v1/maintenances/"+manual+"/updates", en.write, map[string]any{"message": "late"}).want(409)
}

func TestMaintenanceWorkControl(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"db", "Database", ""}, [3]string{"web", "Web", ""})
	start := en.clock.Now().Add(time.Hour)
	id := get[string](t, en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "Risky work", "message": "Work.",
		"components": []string{"db"}, "scheduled_for": start.Format(time.RFC3339),
		"scheduled_until": start.Add(time.Hour).Format(time.RFC3339), "remind_before": []string{}}).want(201).json(), "id")
	inc := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "DB errors", "message": "Errors.",
		"components": map[string]string{"db": "partial_outage"}}).want(201).json(), "id")

	en.clock.Set(start.Add(time.Second))
	en.runMaintenance()
	m := en.maintenance(id)
	if m["status"] != "scheduled" || m["held"] != true || get[[]any](t, m, "held_by")[0] != inc {
		t.Fatalf("not held by the open incident: %v held=%v by=%v", m["status"], m["held"], m["held_by"])
	}
	if componentStatus(en, "db") != "partial_outage" {
		t.Fatal("a held maintenance must not touch components")
	}
	d := doc(t, en.do("GET", "/?lang=ko", "", nil).want(200))
	if d.Find("[data-testid=maintenance-postponed]").Length() != 1 {
		t.Fatal("page does not say the maintenance is postponed")
	}
	if v2 := en.do("GET", "/api/v2/scheduled-maintenances/upcoming.json", "", nil).json()["scheduled_maintenances"].([]any); v2[0].(map[string]any)["held"] != true {
		t.Fatal("v2 lacks held")
	}
	en.clock.Advance(time.Minute)
	if en.runMaintenance() != 0 {
		t.Fatal("a held maintenance kept writing entries")
	}
	code, fields := en.do("POST", "/api/v1/maintenances/"+id+"/start", en.write, map[string]any{}).want(409).apiError()
	if code != "conflict" || fields["override_reason"] == nil {
		t.Fatalf("start without a reason: %s %v", code, fields)
	}
	started := en.do("POST", "/api/v1/maintenances/"+id+"/start", en.write,
		map[string]any{"override_reason": "The fix for the incident needs this upgrade."}).want(201).json()
	if started["status"] != "in_progress" || started["override_reason"] == nil {
		t.Fatalf("override start: %v", started)
	}
	if evs := strings.Join(events(t, started), ","); evs != "staff,held,override,started" {
		t.Fatalf("timeline %s", evs)
	}
	ups := get[[]any](t, started, "updates")
	if m := ups[2].(map[string]any)["message"]; !strings.Contains(textIn(m, "en"), "needs this upgrade") || !strings.Contains(textIn(m, "ko"), "needs this upgrade") {
		t.Fatal("the override reason is not in the timeline")
	}
	// The incident's partial outage is worse than maintenance: it still shows.
	if componentStatus(en, "db") != "partial_outage" {
		t.Fatalf("db = %s while an incident holds it at partial_outage", componentStatus(en, "db"))
	}
	en.do("POST", "/api/v1/incidents/"+inc+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201)
	if componentStatus(en, "db") != "under_maintenance" {
		t.Fatalf("after the incident, db = %s; the maintenance still holds it", componentStatus(en, "db"))
	}
}

func TestMaintenanceReleasedWhenIncidentResolves(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"db", "Database", ""})
	start := en.clock.Now().Add(time.Hour)
	id := get[string](t, en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "Work", "message": "Work.",
		"components": []string{"db"}, "scheduled_for": start.Format(time.RFC3339),
		"scheduled_until": start.Add(time.Hour).Format(time.RFC3339)}).want(201).json(), "id")
	inc := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "DB errors", "message": "Errors.",
		"components": map[string]string{"db": "partial_outage"}}).want(201).json(), "id")
	en.clock.Set(start.Add(time.Second))
	en.runMaintenance()
	en.do("POST", "/api/v1/incidents/"+inc+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201)
	en.clock.Advance(15 * time.Second)
	en.runMaintenance()
	m := en.maintenance(id)
	if m["status"] != "in_progress" || m["held"] != false || !strings.HasSuffix(strings.Join(events(t, m), ","), "held,released,started") {
		t.Fatalf("not released after the incident resolved: %v %v", m["status"], events(t, m))
	}
	// Cancel only works before the start.
	en.do("POST", "/api/v1/maintenances/"+id+"/cancel", en.write, map[string]any{"message": "No."}).want(409)
	other := get[string](t, en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "Later", "message": "Later.",
		"components": []string{"db"}, "scheduled_for": en.clock.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"scheduled_until": en.clock.Now().Add(25 * time.Hour).Format(time.RFC3339)}).want(201).json(), "id")
	c := en.do("POST", "/api/v1/maintenances/"+other+"/cancel", en.write, map[string]any{"message": "Not needed."}).want(201).json()
	if c["status"] != "cancelled" {
		t.Fatalf("cancel: %v", c["status"])
	}
	if strings.Contains(en.do("GET", "/?lang=en", "", nil).Body.String(), "/maintenances/"+other) {
		t.Fatal("a cancelled maintenance is still on the page")
	}
}

package handlers_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestV2IncidentByID: every incident (and scheduled maintenance) has its own document, in
// each language, shaped like an entry of incidents.json.
func TestV2IncidentByID(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"chat", "Chat", ""})
	id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{
		"title": map[string]string{"ko": "메시지 지연", "en": "Messages delayed"}, "message": "Looking.",
		"components": map[string]string{"chat": "partial_outage"}}).want(201).json(), "id")

	r := en.do("GET", "/api/v2/incidents/"+id+".json?lang=en", "", nil).want(200)
	if r.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("headers %v", r.Header())
	}
	one := r.json()
	hasFields(t, "incident document", one, []string{"page", "incident"})
	inc := one["incident"].(map[string]any)
	checkIncident(t, inc)
	if inc["id"] != id || inc["name"] != "Messages delayed" {
		t.Fatalf("incident %v", inc)
	}
	listed := en.do("GET", "/api/v2/incidents.json?lang=en", "", nil).json()["incidents"].([]any)[0].(map[string]any)
	if listed["id"] != id || listed["updated_at"] != inc["updated_at"] || len(listed["incident_updates"].([]any)) != len(inc["incident_updates"].([]any)) {
		t.Fatalf("incidents.json entry %v differs from the incident's document %v", listed, inc)
	}
	if ko := en.do("GET", "/api/v2/incidents/"+id+".json?lang=ko", "", nil).want(200).json()["incident"].(map[string]any); ko["name"] != "메시지 지연" {
		t.Fatalf("Korean document names it %v", ko["name"])
	}
	en.do("GET", "/api/v2/incidents/nope.json", "", nil).want(404)

	start := en.clock.Now().Add(time.Hour)
	mid := get[string](t, en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "Upgrade", "message": "Soon.",
		"components": []string{"chat"}, "scheduled_for": start.Format(time.RFC3339),
		"scheduled_until": start.Add(time.Hour).Format(time.RFC3339)}).want(201).json(), "id")
	en.do("GET", "/api/v1/maintenances/"+mid+"/deliveries", en.read, nil).want(200)
	m := en.do("GET", "/api/v2/incidents/"+mid+".json", "", nil).want(200).json()["incident"].(map[string]any)
	if m["id"] != mid || m["status"] != "scheduled" || m["scheduled_for"] == nil {
		t.Fatalf("maintenance document %v", m)
	}
}

// TestV2IDsUnique: a group and a component with the same name get different ids, and an
// id once used is never handed out again.
func TestV2IDsUnique(t *testing.T) {
	en := newEnv(t)
	c := en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Voice calls", "group": "Voice calls"}).want(201).json()
	if c["id"] != "voice-calls" || c["group_id"] != "voice-calls-group" {
		t.Fatalf("component %v, want id voice-calls in group voice-calls-group", c)
	}
	// The group's name, or the slug it used to be known by, still finds the group.
	for i, ref := range []string{"Voice calls", "voice-calls", "voice-calls-group"} {
		v := en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Video " + strconv.Itoa(i), "group": ref}).want(201).json()
		if v["group_id"] != "voice-calls-group" {
			t.Fatalf("group %q put the component in %v", ref, v["group_id"])
		}
	}
	comps := en.do("GET", "/api/v2/components.json", "", nil).want(200).json()["components"].([]any)
	var ids []string
	for _, x := range comps {
		cm := x.(map[string]any)
		if slices.Contains(ids, cm["id"].(string)) {
			t.Fatalf("id %v twice in components.json", cm["id"])
		}
		ids = append(ids, cm["id"].(string))
		if g, _ := cm["group_id"].(string); g == cm["id"] {
			t.Fatalf("component %v is its own group", cm)
		}
	}

	// Deleted: the id is not reused, neither derived from the name nor given.
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Search"}).want(201)
	en.do("DELETE", "/api/v1/components/search", en.admin, nil).want(204)
	if again := en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Search"}).want(201).json(); again["id"] != "search-2" {
		t.Fatalf("a new component named like a deleted one got id %v, want search-2", again["id"])
	}
	code, fields := en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": "search", "name": "Search"}).want(409).apiError()
	if code != "conflict" || fields["id"] == nil {
		t.Fatalf("reusing a deleted id: %s %v", code, fields)
	}
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": "voice-calls-group", "name": "X"}).want(409)
	// The same name twice is still a conflict, not a silent second component.
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Search 2"}).want(409)
}

// TestV2UpdatesAndMaintenanceOrder: affected_components is null for an update that changes
// no component; maintenance is listed in progress first, then upcoming soonest first; a
// future maintenance has no started_at, and the entry that started one lists the
// components it put under maintenance.
func TestV2UpdatesAndMaintenanceOrder(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"db", "Database", ""}, [3]string{"api", "API", ""})
	id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Slow", "message": "Looking.",
		"components": map[string]string{"api": "degraded_performance"}}).want(201).json(), "id")
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "identified", "message": "Found it."}).want(201)
	ups := en.do("GET", "/api/v2/incidents/"+id+".json", "", nil).json()["incident"].(map[string]any)["incident_updates"].([]any)
	if len(ups) != 2 {
		t.Fatalf("%d updates", len(ups))
	}
	newest, first := ups[0].(map[string]any), ups[1].(map[string]any)
	if v, present := newest["affected_components"]; !present || v != nil {
		t.Fatalf("an update changing no component has affected_components %#v (present %v), want null", v, present)
	}
	if a, ok := first["affected_components"].([]any); !ok || len(a) != 1 {
		t.Fatalf("the first update's affected_components %#v", first["affected_components"])
	}
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201)

	plan := func(title string, in time.Duration) string {
		start := en.clock.Now().Add(in)
		return get[string](t, en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": title, "message": "Planned.",
			"components": []string{"db"}, "scheduled_for": start.Format(time.RFC3339),
			"scheduled_until": start.Add(2 * time.Hour).Format(time.RFC3339)}).want(201).json(), "id")
	}
	late, soon, now := plan("Later", 72*time.Hour), plan("Soon", 24*time.Hour), plan("Now", 10*time.Minute)
	en.clock.Advance(11 * time.Minute)
	en.runMaintenance()

	idsOf := func(path string) []string {
		var out []string
		for _, x := range en.do("GET", path, "", nil).want(200).json()["scheduled_maintenances"].([]any) {
			out = append(out, x.(map[string]any)["id"].(string))
		}
		return out
	}
	for path, want := range map[string][]string{
		"/api/v2/summary.json":                          {now, soon, late},
		"/api/v2/scheduled-maintenances/upcoming.json":  {soon, late},
		"/api/v2/scheduled-maintenances/active.json":    {now},
		"/api/v2/scheduled-maintenances.json":           {now, soon, late},
		"/api/v2/scheduled-maintenances.json?lang=en":   {now, soon, late},
		"/api/v2/scheduled-maintenances/upcoming.json?": {soon, late},
	} {
		if got := idsOf(path); !slices.Equal(got, want) {
			t.Errorf("%s lists %v, want %v", path, got, want)
		}
	}

	upcoming := en.do("GET", "/api/v2/incidents/"+soon+".json", "", nil).json()["incident"].(map[string]any)
	if v, present := upcoming["started_at"]; !present || v != nil {
		t.Fatalf("a future maintenance has started_at %#v (present %v), want null", v, present)
	}
	running := en.do("GET", "/api/v2/incidents/"+now+".json?lang=en", "", nil).json()["incident"].(map[string]any)
	if running["started_at"] == nil || running["status"] != "in_progress" {
		t.Fatalf("the running maintenance: %v", running)
	}
	var listed int
	for _, x := range running["incident_updates"].([]any) {
		u := x.(map[string]any)
		a, isList := u["affected_components"].([]any)
		switch {
		case u["status"] == "in_progress":
			if !isList || len(a) != 1 {
				t.Fatalf("the entry that started the work lists %#v", u["affected_components"])
			}
			ac := a[0].(map[string]any)
			if ac["code"] != "db" || ac["name"] != "Database" || ac["old_status"] != "operational" || ac["new_status"] != "under_maintenance" {
				t.Fatalf("affected component %v", ac)
			}
			listed++
		case u["affected_components"] != nil:
			t.Fatalf("a %v entry lists components: %v", u["status"], u["affected_components"])
		}
	}
	if listed != 1 {
		t.Fatalf("%d entries list the maintained components, want 1", listed)
	}
}

// TestV2Preflight: browsers may read /api/v2 from any origin, preflight included, and the
// answer keeps to the public path's eight headers.
func TestV2Preflight(t *testing.T) {
	en := newEnv(t)
	r := en.do("OPTIONS", "/api/v2/summary.json", "", nil, "Origin", "https://widget.example",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "X-Requested-With, If-None-Match").want(http.StatusNoContent)
	h := r.Header()
	if h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") ||
		h.Get("Access-Control-Allow-Headers") != "X-Requested-With, If-None-Match" || h.Get("Access-Control-Max-Age") == "" {
		t.Fatalf("preflight headers %v", h)
	}
	if len(h) > 8 || h.Get("X-Request-Id") != "" {
		t.Fatalf("a preflight answer carries %d headers: %v", len(h), h)
	}
	// Nothing but header names is reflected.
	h = en.do("OPTIONS", "/api/v2/incidents.json", "", nil, "Access-Control-Request-Headers", "x-a, <script>").want(http.StatusNoContent).Header()
	if strings.Contains(h.Get("Access-Control-Allow-Headers"), "script") || h.Get("Access-Control-Allow-Headers") == "" {
		t.Fatalf("allow-headers %q", h.Get("Access-Control-Allow-Headers"))
	}
}

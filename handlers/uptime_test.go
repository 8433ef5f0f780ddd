package handlers_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/status"
)

// TestUptimeEndpoint: incidents posted through the API, rolled up by the scheduled job,
// come back from GET /api/v1/uptime per component and day in the page's zone; bad ranges
// and unknown components get the one error shape.
func TestUptimeEndpoint(t *testing.T) {
	en := newEnv(t)
	en.svc.SetLocation(en.seoul)
	// 2026-11-22 18:00 in Seoul.
	en.seedComponents([3]string{"api", "API", ""}, [3]string{"web", "Web", ""})
	en.clock.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, en.seoul))
	id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "API down", "message": "Down.",
		"components": map[string]string{"api": "major_outage"}}).want(201).json(), "id")
	en.clock.Advance(2 * time.Hour)
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201)

	// Before any roll-up every component is listed, without days.
	got := en.do("GET", "/api/v1/uptime", en.read, nil).want(200).json()
	for _, c := range get[[]any](t, got, "components") {
		c := c.(map[string]any)
		if len(c["days"].([]any)) != 0 || c["uptime_percent"] != nil {
			t.Fatalf("before the roll-up: %v", c)
		}
	}

	en.clock.Set(time.Date(2026, 11, 25, 0, 5, 0, 0, en.seoul))
	sched := periodic.New(nil, nil)
	if err := periodic.AddStandard(sched, en.svc); err != nil {
		t.Fatal(err)
	}
	if err := sched.RunNow("uptime-rollup"); err != nil {
		t.Fatal(err)
	}

	t.Run("defaults to the last 90 complete days of every component", func(t *testing.T) {
		got := en.do("GET", "/api/v1/uptime", en.read, nil).want(200).json()
		if got["from"] != "2026-08-27" || got["to"] != "2026-11-24" {
			t.Fatalf("range %v to %v, want 2026-08-27 to 2026-11-24", got["from"], got["to"])
		}
		comps := get[[]any](t, got, "components")
		if len(comps) != 2 {
			t.Fatalf("%d components", len(comps))
		}
		api, web := comps[0].(map[string]any), comps[1].(map[string]any)
		if api["component_id"] != "api" || web["component_id"] != "web" {
			t.Fatalf("components %v, %v, want api then web (display order)", api["component_id"], web["component_id"])
		}
		days := get[[]any](t, api, "days")
		var ds []string
		for _, d := range days {
			ds = append(ds, d.(map[string]any)["day"].(string))
		}
		if fmt.Sprint(ds) != "[2026-11-22 2026-11-23 2026-11-24]" {
			t.Fatalf("api days %v: want the 22nd (created at 18:00) to the 24th, not today", ds)
		}
		d23 := days[1].(map[string]any)
		want := map[string]any{"day": "2026-11-23", "no_data": false, "major_minutes": 120.0, "partial_minutes": 0.0,
			"degraded_minutes": 0.0, "maintenance_minutes": 0.0, "incidents": 1.0}
		if fmt.Sprint(d23) != fmt.Sprint(want) {
			t.Fatalf("api on the 23rd: %v, want %v", d23, want)
		}
		// Tracked from 18:00 on the 22nd: 6 + 24 + 24 hours, 2 of them down.
		wantPercent := 100 * (1 - 120.0/(360+1440+1440))
		if p := get[float64](t, api, "uptime_percent"); math.Abs(p-wantPercent) > 1e-9 {
			t.Fatalf("api uptime %v, want %v", p, wantPercent)
		}
		if p := get[float64](t, web, "uptime_percent"); p != 100 {
			t.Fatalf("web uptime %v, want 100", p)
		}
	})

	t.Run("one component over a range", func(t *testing.T) {
		got := en.do("GET", "/api/v1/uptime?component=api&from=2026-11-23&to=2026-11-23", en.read, nil).want(200).json()
		comps := get[[]any](t, got, "components")
		if len(comps) != 1 {
			t.Fatalf("%d components, want api only", len(comps))
		}
		api := comps[0].(map[string]any)
		if days := get[[]any](t, api, "days"); len(days) != 1 || days[0].(map[string]any)["major_minutes"] != 120.0 {
			t.Fatalf("api days %v", days)
		}
		if p, want := get[float64](t, api, "uptime_percent"), 100*(1-120.0/1440); math.Abs(p-want) > 1e-9 {
			t.Fatalf("api uptime on the 23rd %v, want %v", p, want)
		}
	})

	t.Run("a range without roll-ups has no days and no percentage", func(t *testing.T) {
		got := en.do("GET", "/api/v1/uptime?component=web&from=2026-01-01&to=2026-01-31", en.read, nil).want(200).json()
		web := get[[]any](t, got, "components")[0].(map[string]any)
		if days := web["days"].([]any); len(days) != 0 || web["uptime_percent"] != nil {
			t.Fatalf("web in January: %v", web)
		}
	})

	t.Run("400 days is the longest range", func(t *testing.T) {
		en.do("GET", "/api/v1/uptime?from=2025-10-21&to=2026-11-24", en.read, nil).want(200)
	})

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name, query string
			status      int
			code        string
			field       string
		}{
			{"unknown component", "component=nope", 404, status.ENOTFOUND, ""},
			{"from after to", "from=2026-11-24&to=2026-11-23", 422, status.EINVALID, "from"},
			{"more than 400 days", "from=2025-10-20&to=2026-11-24", 422, status.EINVALID, "from"},
			{"from not a day", "from=2026-13-01", 422, status.EINVALID, "from"},
			{"to not a day", "to=yesterday", 422, status.EINVALID, "to"},
			{"to in another layout", "from=2026-11-01&to=2026/11/02", 422, status.EINVALID, "to"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, fields := en.do("GET", "/api/v1/uptime?"+tt.query, en.read, nil).want(tt.status).apiError()
				if code != tt.code {
					t.Fatalf("code %q, want %q", code, tt.code)
				}
				if tt.field != "" && fields[tt.field] == nil {
					t.Fatalf("fields %v lack %q", fields, tt.field)
				}
			})
		}
		en.do("GET", "/api/v1/uptime", "", nil).want(401)
	})
}

package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/periodic"
)

// times returns every RFC 3339 time in an eta object, by key.
func etaTimes(t *testing.T, eta map[string]any) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, k := range []string{"p50", "p80", "p90"} {
		if s, ok := eta[k].(string); ok {
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatalf("eta.%s = %q: %v", k, s, err)
			}
			out[k] = tm
		}
	}
	return out
}

// assertNoPastETA checks the rule that no JSON presents a past time as upcoming.
func assertNoPastETA(t *testing.T, en *env, eta map[string]any) {
	t.Helper()
	now := en.clock.Now()
	ts := etaTimes(t, eta)
	if len(ts) != 3 {
		t.Fatalf("eta lacks a range: %v", eta)
	}
	if !(ts["p50"].After(now) && !ts["p80"].Before(ts["p50"]) && !ts["p90"].Before(ts["p80"])) {
		t.Fatalf("eta range not ordered in the future at %v: %v", now, eta)
	}
}

func TestETAFlow(t *testing.T) {
	en := newEnv(t)
	en.enableForecast()
	now := en.clock.Now()
	optimistic := now.Add(5 * time.Minute)
	inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages delayed", "message": "Looking.",
		"impact": "major", "components": map[string]string{"messenger": "partial_outage"},
		"announced_eta": optimistic.Format(time.RFC3339)}).want(201).json()
	id := get[string](t, inc, "id")

	t.Run("an unlikely announced time is accepted with a warning", func(t *testing.T) {
		ws := get[[]any](t, inc, "warnings")
		w := ws[0].(map[string]any)
		if w["code"] != "unlikely_eta" || w["chance"].(float64) >= 0.2 || !strings.Contains(w["message"].(string), "similar incidents") {
			t.Fatalf("warning %v", w)
		}
		eta := get[map[string]any](t, inc, "eta")
		if c := eta["announced_chance"].(float64); c >= 0.2 || c < 0 {
			t.Fatalf("announced_chance %v", c)
		}
		if eta["samples"].(float64) < 1 || eta["basis"] == "none" || eta["missed"] != false {
			t.Fatalf("eta %v", eta)
		}
		assertNoPastETA(t, en, eta)
		// A realistic time draws no warning.
		ok := en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": "Still on it.",
			"announced_eta": now.Add(6 * time.Hour).Format(time.RFC3339)}).want(201).json()
		if _, has := ok["warnings"]; has {
			t.Fatalf("warning for a generous time: %v", ok["warnings"])
		}
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": "Back soon, we hope.",
			"announced_eta": optimistic.Format(time.RFC3339)}).want(201)
	})

	t.Run("the page shows the range and the warning in both languages", func(t *testing.T) {
		for lang, want := range map[string][]string{"en": {"half were restored by", "9 in 10 by", "Unlikely:", "similar incidents (0%) were restored that fast"},
			"ko": {"절반은", "10건 중 9건은", "가능성 낮음:", "이만큼 빨리 복구되었습니다"}} {
			d := doc(t, en.do("GET", "/?lang="+lang, "", nil).want(200))
			block := d.Find("[data-testid=active-incidents] [data-testid=eta]").Text()
			for _, w := range want {
				if !strings.Contains(block, w) {
					t.Errorf("%s eta block lacks %q: %q", lang, w, block)
				}
			}
		}
	})

	t.Run("a passed announced time is never shown as upcoming", func(t *testing.T) {
		en.clock.Set(optimistic.Add(time.Minute))
		if err := en.holder.Rebuild(context.Background()); err != nil { // the minute tick
			t.Fatal(err)
		}
		got := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).want(200).json()
		eta := get[map[string]any](t, got, "eta")
		if eta["missed"] != true {
			t.Fatalf("missed = %v after the announced time passed", eta["missed"])
		}
		assertNoPastETA(t, en, eta)
		v2 := en.do("GET", "/api/v2/incidents/unresolved.json", "", nil).json()["incidents"].([]any)[0].(map[string]any)
		assertNoPastETA(t, en, v2["eta"].(map[string]any))
		d := doc(t, en.do("GET", "/?lang=en", "", nil).want(200))
		block := d.Find("[data-testid=active-incidents] [data-testid=eta]")
		if block.Find("[data-testid=eta-missed]").Length() == 0 || strings.Contains(block.Text(), "Staff expect") {
			t.Fatalf("page after the announced time: %q", block.Text())
		}
	})

	t.Run("the watchdog records the missed promise once", func(t *testing.T) {
		sched := periodic.New(nil, nil)
		if err := periodic.AddStandard(sched, en.svc); err != nil {
			t.Fatal(err)
		}
		if err := sched.RunNow("eta-watchdog"); err != nil {
			t.Fatal(err)
		}
		if err := sched.RunNow("eta-watchdog"); err != nil {
			t.Fatal(err)
		}
		got := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).json()
		ups := get[[]any](t, got, "updates")
		last := ups[len(ups)-1].(map[string]any)
		var system int
		for _, u := range ups {
			if u.(map[string]any)["kind"] == "system" {
				system++
			}
		}
		if system != 1 || last["kind"] != "system" || !strings.Contains(textIn(last["message"], "en"), "taking longer than announced") ||
			!strings.Contains(textIn(last["message"], "ko"), "안내한 복구 예정 시각") || strings.Contains(textIn(last["message"], "en"), "안내") {
			t.Fatalf("%d system entries; last %v", system, last)
		}
		if last["notify"] != true {
			t.Fatal("the first missed promise must notify")
		}
		d := doc(t, en.do("GET", "/incidents/"+id+"?lang=en", "", nil).want(200))
		if !strings.Contains(d.Find("[data-testid=update]").First().Text(), "taking longer than announced") {
			t.Fatal("the automatic entry is not on the incident page")
		}
	})

	t.Run("the published p90 passing is recorded too", func(t *testing.T) {
		got := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).json()
		p90 := etaTimes(t, get[map[string]any](t, got, "eta"))["p90"]
		en.clock.Set(p90.Add(30 * time.Second))
		if n, err := en.svc.CheckMissedETAs(context.Background()); err != nil || n != 1 {
			t.Fatalf("watchdog wrote %d entries (err %v) after p90 passed, want 1", n, err)
		}
		got = en.do("GET", "/api/v1/incidents/"+id, en.read, nil).json()
		assertNoPastETA(t, en, get[map[string]any](t, got, "eta"))
		ups := get[[]any](t, got, "updates")
		m := ups[len(ups)-1].(map[string]any)["message"]
		if !strings.Contains(textIn(m, "en"), "longer than our estimate: 9 in 10 similar incidents were restored by") ||
			!strings.Contains(textIn(m, "ko"), "비슷한 장애 10건 중 9건이 복구된 시각") {
			t.Fatalf("entry for a passed p90: %v", m)
		}
	})

	t.Run("resolution ends the estimate and feeds the calibration report", func(t *testing.T) {
		res := en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201).json()
		if res["eta"] != nil {
			t.Fatalf("resolved incident has eta %v", res["eta"])
		}
		if n, _ := en.svc.CheckMissedETAs(context.Background()); n != 0 {
			t.Fatal("watchdog wrote to a resolved incident")
		}
		cal := en.do("GET", "/api/v1/eta/calibration", en.read, nil).want(200).json()
		ann := cal["announced"].(map[string]any)
		// Two distinct announced times: the optimistic one (missed) and the 6-hour one (met).
		if ann["count"].(float64) != 2 || ann["met"].(float64) != 1 || ann["median_late_min"].(float64) <= 0 {
			t.Fatalf("announced calibration %v, want 2 announced, 1 met", ann)
		}
		model := cal["model"].(map[string]any)
		if model["count"].(float64) < 4 || model["p90_coverage"] == nil {
			t.Fatalf("model calibration %v", model)
		}
		recent := cal["recent"].([]any)
		if len(recent) == 0 || recent[0].(map[string]any)["id"] != id {
			t.Fatal("calibration does not list the incident first")
		}
	})
}

func TestJobsEndpoint(t *testing.T) {
	en := newEnv(t)
	sched := periodic.New(nil, nil)
	if err := periodic.AddStandard(sched, en.svc); err != nil {
		t.Fatal(err)
	}
	en.e = rebuildWithJobs(t, en, sched)
	if err := sched.RunNow("eta-watchdog"); err != nil {
		t.Fatal(err)
	}
	list := get[[]any](t, en.do("GET", "/api/v1/jobs", en.read, nil).want(200).json(), "jobs")
	if len(list) != 6 { // eta-watchdog, maintenance, idempotency-sweep, signals, signal-sweep, uptime-rollup
		t.Fatalf("%d jobs", len(list))
	}
	w := list[0].(map[string]any)
	if w["name"] != "eta-watchdog" || w["runs"] != 1.0 || w["last_run"] == nil || w["schedule"] != periodic.ETAWatchdogSpec {
		t.Fatalf("job %v", w)
	}
}

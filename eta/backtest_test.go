package eta

import (
	"encoding/json"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

// targets are the calibration bands: P90 coverage 0.90 ± p90Tol, P50 0.50 ± p50Tol.
type targets struct{ p90Tol, p50Tol float64 }

// checkCalibration asserts the bands overall and at every elapsed time.
func checkCalibration(t *testing.T, rep Report, tg targets) {
	t.Helper()
	check := func(name string, s Scores) {
		t.Helper()
		if s.Evaluations == 0 {
			t.Errorf("%s: no evaluations", name)
			return
		}
		if math.Abs(s.P90Coverage-0.9) > tg.p90Tol {
			t.Errorf("%s: P90 coverage %.3f, want 0.90 ± %.2f", name, s.P90Coverage, tg.p90Tol)
		}
		if math.Abs(s.P50Coverage-0.5) > tg.p50Tol {
			t.Errorf("%s: P50 coverage %.3f, want 0.50 ± %.2f", name, s.P50Coverage, tg.p50Tol)
		}
		if !(s.P50Coverage <= s.P80Coverage && s.P80Coverage <= s.P90Coverage) {
			t.Errorf("%s: coverages not ordered: %.3f %.3f %.3f", name, s.P50Coverage, s.P80Coverage, s.P90Coverage)
		}
	}
	check("overall", rep.Scores)
	for _, e := range []string{"0", "30", "60", "120", "240"} {
		check("elapsed "+e, rep.ByElapsed[e])
	}
}

// syntheticService is a history unlike the real one: shorter incidents, impacts that
// matter, phases used differently, and a few incidents still open. It has no drift: a
// model that learns from the past lags any drift by design, and this test is about
// calibration where the past does describe the future.
func syntheticService(n int, seed int64) []Record {
	rng := rand.New(rand.NewSource(seed))
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	span := 3 * 365 * 24 * time.Hour
	var out []Record
	for i := 0; i < n; i++ {
		start := end.Add(-span + time.Duration(float64(span)*float64(i)/float64(n)))
		imp, med := "minor", 45.0
		switch u := rng.Float64(); {
		case u < 0.05:
			imp, med = "critical", 240
		case u < 0.3:
			imp, med = "major", 100
		}
		d := logLogisticSample(rng, med, 1.6)
		r := Record{ID: "s" + string(rune('a'+i%26)), Impact: imp, Components: []string{[]string{"api", "web", "db"}[rng.Intn(3)]}, Start: start}
		if rng.Float64() < 0.5 {
			r.Identified = start.Add(fromMinutes(d * (0.1 + 0.4*rng.Float64())))
		}
		if rng.Float64() < 0.7 {
			r.Monitoring = start.Add(fromMinutes(d * (0.5 + 0.4*rng.Float64())))
		}
		if e := start.Add(fromMinutes(d)); e.Before(end) {
			r.End = e
		}
		out = append(out, r)
	}
	return out
}

func TestBacktestSyntheticService(t *testing.T) {
	rep := Backtest(syntheticService(600, 21), DefaultConfig())
	t.Logf("\n%s", rep.Text())
	// Fewer evaluations than the real file, so wider bands at each elapsed time (the
	// binomial standard error of a coverage near 0.9 over ~150 evaluations is 0.025).
	checkCalibration(t, rep, targets{p90Tol: 0.05, p50Tol: 0.08})
	// Here impact says a lot about durations and the phases about what remains: the
	// model knows more than the baselines and must score better than all of them on the
	// proper scores, at every elapsed time.
	for _, e := range []string{"0", "30", "60", "120", "240"} {
		m := rep.ByElapsed[e]
		for name, b := range rep.Baselines {
			if be := b.ByElapsed[e]; m.PinballP50 > be.PinballP50 || m.PinballP90 > be.PinballP90 {
				t.Errorf("elapsed %s: pinball loss of P50 %.1f and P90 %.1f, baseline %s %.1f and %.1f",
					e, m.PinballP50, m.PinballP90, name, be.PinballP50, be.PinballP90)
			}
		}
	}
}

func TestBacktestReportShape(t *testing.T) {
	recs := syntheticService(60, 5)
	rep := Backtest(recs, DefaultConfig())
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		slices.Sort(k)
		return k
	}
	obj := func(path ...string) map[string]any {
		m := got
		for _, p := range path {
			m, _ = m[p].(map[string]any)
		}
		return m
	}
	anyKey := func(m map[string]any) string {
		for k := range m {
			return k
		}
		return ""
	}
	scoreKeys := []string{"evaluations", "incidents_scored", "interval_score", "p10_coverage", "p50_coverage", "p50_coverage_se", "p50_mean_abs_error_min",
		"p50_median_abs_error_min", "p80_coverage", "p90_coverage", "p90_coverage_se", "pinball_p50", "pinball_p90"}
	with := func(extra ...string) []string {
		return slices.Sorted(slices.Values(append(slices.Clone(scoreKeys), extra...)))
	}
	year := anyKey(obj("by_year"))
	for _, tc := range []struct {
		name   string
		obj    map[string]any
		want   []string
		legacy []string // keys earlier versions had, which must stay
	}{
		{"top", got, with("baselines", "by_elapsed", "by_phase", "by_year", "goal_misses", "incidents", "versus_best_baseline"),
			[]string{"baselines", "by_elapsed", "evaluations", "incidents", "p50_coverage", "p50_mean_abs_error_min", "p50_median_abs_error_min", "p80_coverage", "p90_coverage"}},
		{"by_elapsed", obj("by_elapsed"), []string{"0", "120", "240", "30", "60"}, []string{"0", "120", "30", "60"}},
		{"by_elapsed 30", obj("by_elapsed", "30"), scoreKeys,
			[]string{"evaluations", "p50_coverage", "p50_mean_abs_error_min", "p50_median_abs_error_min", "p80_coverage", "p90_coverage"}},
		{"by_year entry", obj("by_year", year), with("by_elapsed"), nil},
		{"by_year entry by_elapsed 0", obj("by_year", year, "by_elapsed", "0"), scoreKeys, nil},
		{"by_phase", obj("by_phase"), []string{"identified", "investigating", "monitoring"}, nil},
		{"by_phase entry", obj("by_phase", "investigating"), with("by_elapsed"), nil},
		{"baselines", obj("baselines"), []string{"global_median", "global_median_minus_elapsed", "recent_conditional"},
			[]string{"global_median", "global_median_minus_elapsed"}},
		{"baseline", obj("baselines", "global_median"), with("by_elapsed", "by_phase", "by_year"),
			[]string{"by_elapsed", "p50_coverage", "p50_mean_abs_error_min", "p50_median_abs_error_min"}},
		{"baseline by_elapsed 0", obj("baselines", "global_median_minus_elapsed", "by_elapsed", "0"), scoreKeys,
			[]string{"evaluations", "p50_coverage", "p50_mean_abs_error_min", "p50_median_abs_error_min"}},
		{"baseline by_year entry", obj("baselines", "recent_conditional", "by_year", year), scoreKeys, nil},
		{"versus_best_baseline", obj("versus_best_baseline"), []string{"0", "120", "240", "30", "60", "all"}, nil},
		{"versus_best_baseline 30", obj("versus_best_baseline", "30"), []string{"best_p50", "best_p90", "pinball_p50_diff",
			"pinball_p50_diff_se", "pinball_p90_diff", "pinball_p90_diff_se"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := keys(tc.obj)
			if !slices.Equal(k, tc.want) {
				t.Errorf("keys %v, want %v", k, tc.want)
			}
			for _, l := range tc.legacy {
				if !slices.Contains(k, l) {
					t.Errorf("lost the key %q", l)
				}
			}
		})
	}
	// goal_misses is a list, empty rather than null when the goal is met, of objects with
	// these keys.
	misses, ok := got["goal_misses"].([]any)
	if !ok {
		t.Fatalf("goal_misses is %T, want a list", got["goal_misses"])
	}
	for _, m := range misses {
		if k := keys(m.(map[string]any)); !slices.Equal(k, []string{"group", "measure", "se", "value", "want"}) {
			t.Errorf("goal miss keys %v", k)
		}
	}

	if rep.Incidents != 60 || rep.Evaluations == 0 {
		t.Errorf("incidents %d evaluations %d", rep.Incidents, rep.Evaluations)
	}
	// Every breakdown partitions the evaluations.
	sum := func(m map[string]Scores) (n int) {
		for _, s := range m {
			n += s.Evaluations
		}
		return n
	}
	years, phases := map[string]Scores{}, map[string]Scores{}
	for k, b := range rep.ByYear {
		years[k] = b.Scores
		if n := sum(b.ByElapsed); n != b.Evaluations {
			t.Errorf("year %s: by-elapsed evaluations add up to %d, not %d", k, n, b.Evaluations)
		}
	}
	for k, b := range rep.ByPhase {
		phases[k] = b.Scores
	}
	for name, m := range map[string]map[string]Scores{"elapsed": rep.ByElapsed, "year": years, "phase": phases} {
		if n := sum(m); n != rep.Evaluations {
			t.Errorf("by-%s evaluations add up to %d, overall %d", name, n, rep.Evaluations)
		}
	}
	for name, b := range rep.Baselines {
		if b.Evaluations != rep.Evaluations || sum(b.ByElapsed) != rep.Evaluations {
			t.Errorf("baseline %s scored %d evaluations (by elapsed %d), the model %d", name, b.Evaluations, sum(b.ByElapsed), rep.Evaluations)
		}
	}
	txt := rep.Text()
	for _, want := range []string{"evaluations", "240m", "cov90", "se90", "pin90", "interval", "recent_conditional", "investigating", "best baseline"} {
		if !strings.Contains(txt, want) {
			t.Errorf("Text() lacks %q:\n%s", want, txt)
		}
	}
}

func TestBacktestBurnIn(t *testing.T) {
	// With fewer resolved incidents than the burn-in nothing is scored.
	recs := syntheticService(BurnIn, 9)
	if rep := Backtest(recs, DefaultConfig()); rep.Evaluations != 0 {
		t.Errorf("%d evaluations with only %d incidents", rep.Evaluations, BurnIn)
	}
}

func TestClusteredSE(t *testing.T) {
	// Two incidents, each evaluated twice, hitting or missing together: the evaluations
	// are two draws, not four. Coverage 1/2; per-incident deviations ±1 from 2·½; the
	// sandwich estimate is √(2/(2−1)·(1+1))/4 = 0.5, where four independent evaluations
	// would give √(¼/4) = 0.25.
	var tl tally
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := [nLevels]time.Time{now.Add(time.Minute), now.Add(2 * time.Minute), now.Add(3 * time.Minute), now.Add(4 * time.Minute)}
	a, b := &Record{ID: "a"}, &Record{ID: "b"}
	tl.add(a, now, at) // restored before every quantile: all covered, twice
	tl.add(a, now, at)
	tl.add(b, now.Add(time.Hour), at) // restored after every quantile: none covered, twice
	tl.add(b, now.Add(time.Hour), at)
	s := tl.scores()
	if s.P90Coverage != 0.5 || math.Abs(s.P90CoverageSE-0.5) > 1e-12 || math.Abs(s.P50CoverageSE-0.5) > 1e-12 {
		t.Errorf("coverage %.3f ± %.3f (P50 ± %.3f), want 0.5 ± 0.5", s.P90Coverage, s.P90CoverageSE, s.P50CoverageSE)
	}
	// One incident: no estimate of the spread between incidents.
	var one tally
	one.add(a, now, at)
	one.add(a, now.Add(time.Hour), at)
	if s := one.scores(); s.P90CoverageSE != 0 {
		t.Errorf("one incident: standard error %.3f, want 0", s.P90CoverageSE)
	}
}

func TestVersusBestBaseline(t *testing.T) {
	rep := Backtest(syntheticService(300, 31), DefaultConfig())
	for _, k := range []string{"all", "0", "30", "60", "120", "240"} {
		v, ok := rep.VersusBest[k]
		if !ok {
			t.Fatalf("no comparison at %q", k)
		}
		m, bs := rep.Scores, func(b BaselineScores) Scores { return b.Scores }
		if k != "all" {
			m, bs = rep.ByElapsed[k], func(b BaselineScores) Scores { return b.ByElapsed[k] }
		}
		for _, lv := range []struct {
			best     string
			diff, se float64
			get      func(Scores) float64
		}{
			{v.BestP50, v.PinballP50Diff, v.PinballP50DiffSE, func(s Scores) float64 { return s.PinballP50 }},
			{v.BestP90, v.PinballP90Diff, v.PinballP90DiffSE, func(s Scores) float64 { return s.PinballP90 }},
		} {
			b, ok := rep.Baselines[lv.best]
			if !ok {
				t.Fatalf("%s: best baseline %q unknown", k, lv.best)
			}
			for name, o := range rep.Baselines {
				if lv.get(bs(o)) < lv.get(bs(b)) {
					t.Errorf("%s: %s is better than the named best %s", k, name, lv.best)
				}
			}
			if want := lv.get(m) - lv.get(bs(b)); math.Abs(lv.diff-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: difference %.3f, want model − best = %.3f", k, lv.diff, want)
			}
			if !(lv.se > 0) {
				t.Errorf("%s: standard error %v", k, lv.se)
			}
		}
	}
}

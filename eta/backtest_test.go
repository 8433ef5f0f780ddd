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
	for _, e := range []string{"0", "30", "60", "120"} {
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
	if m, b := rep.P50MedianAbsErrorMin, rep.Baselines[BaselineGlobalMedian].P50MedianAbsErrorMin; m > b {
		t.Errorf("P50 median absolute error %.1f min, baseline %.1f", m, b)
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
	scoreKeys := []string{"evaluations", "p50_coverage", "p50_mean_abs_error_min", "p50_median_abs_error_min", "p80_coverage", "p90_coverage"}
	for _, tc := range []struct {
		name string
		obj  map[string]any
		want []string
	}{
		{"top", got, []string{"baselines", "by_elapsed", "evaluations", "incidents", "p50_coverage", "p50_mean_abs_error_min", "p50_median_abs_error_min", "p80_coverage", "p90_coverage"}},
		{"by_elapsed", got["by_elapsed"].(map[string]any), []string{"0", "120", "30", "60"}},
		{"by_elapsed 30", got["by_elapsed"].(map[string]any)["30"].(map[string]any), scoreKeys},
		{"baselines", got["baselines"].(map[string]any), []string{"global_median", "global_median_minus_elapsed"}},
		{"baseline", got["baselines"].(map[string]any)["global_median"].(map[string]any), []string{"by_elapsed", "p50_coverage", "p50_mean_abs_error_min", "p50_median_abs_error_min"}},
		{"baseline by_elapsed 0", got["baselines"].(map[string]any)["global_median_minus_elapsed"].(map[string]any)["by_elapsed"].(map[string]any)["0"].(map[string]any),
			[]string{"evaluations", "p50_coverage", "p50_mean_abs_error_min", "p50_median_abs_error_min"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k := keys(tc.obj); !slices.Equal(k, tc.want) {
				t.Errorf("keys %v, want %v", k, tc.want)
			}
		})
	}
	if rep.Incidents != 60 || rep.Evaluations == 0 {
		t.Errorf("incidents %d evaluations %d", rep.Incidents, rep.Evaluations)
	}
	var sum int
	for _, s := range rep.ByElapsed {
		sum += s.Evaluations
	}
	if sum != rep.Evaluations {
		t.Errorf("by-elapsed evaluations add up to %d, overall %d", sum, rep.Evaluations)
	}
	txt := rep.Text()
	for _, want := range []string{"evaluations", "120m", "cov90", "median-minus-elapsed"} {
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

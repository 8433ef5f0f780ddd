package eta

import (
	"slices"
	"strings"
	"testing"
)

// TestGoalMisses checks the goal on a hand-made report: coverage bands per group, groups
// too small to count, and pinball losses against the best baseline per elapsed time.
func TestGoalMisses(t *testing.T) {
	ok := Scores{IncidentsScored: 80, P50Coverage: 0.52, P90Coverage: 0.91}
	r := Report{
		Scores: ok,
		ByElapsed: map[string]Scores{
			"0":   ok,
			"30":  {IncidentsScored: 80, P50Coverage: 0.56, P90Coverage: 0.90}, // P50 off by 0.06
			"60":  ok,
			"120": ok,
			"240": {IncidentsScored: 12, P50Coverage: 0.2, P90Coverage: 0.6}, // too few to count
		},
		ByYear: map[string]Breakdown{
			"2023": {Scores: Scores{IncidentsScored: 50, P50Coverage: 0.5, P90Coverage: 0.925}}, // P90 off by 0.025
			"2024": {Scores: Scores{IncidentsScored: 49, P50Coverage: 0.3, P90Coverage: 0.7}},   // too few
			"2025": {Scores: Scores{IncidentsScored: 60, P50Coverage: 0.45, P90Coverage: 0.88}}, // both at the edge: met
		},
		ByPhase: map[string]Breakdown{
			"investigating": {Scores: ok},
			"monitoring":    {Scores: Scores{IncidentsScored: 70, P50Coverage: 0.5, P90Coverage: 0.87}},
		},
		VersusBest: map[string]Versus{
			"all": {PinballP50Diff: 5, PinballP90Diff: 5}, // overall is not part of the pinball goal
			"0":   {BestP50: "recent_conditional", PinballP50Diff: 1.5, PinballP50DiffSE: 1, BestP90: "global_median", PinballP90Diff: -3},
			"30":  {PinballP50Diff: -1, PinballP90Diff: 0},
			"60":  {PinballP50Diff: -1, BestP90: "recent_conditional", PinballP90Diff: 4, PinballP90DiffSE: 2},
			"240": {PinballP50Diff: 9, PinballP90Diff: 9}, // too few incidents at 240
		},
	}
	var got []string
	for _, m := range goalMisses(r) {
		got = append(got, m.Group+" "+m.Measure+" "+m.Want)
	}
	want := []string{
		"elapsed 30 p50_coverage 0.50 ± 0.05",
		"year 2023 p90_coverage 0.90 ± 0.02",
		"phase monitoring p90_coverage 0.90 ± 0.02",
		"elapsed 0 pinball_p50 ≤ recent_conditional",
		"elapsed 60 pinball_p90 ≤ recent_conditional",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("misses\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	r.GoalMisses = goalMisses(r)
	if txt := r.GoalText(); !strings.Contains(txt, "5 misses") || !strings.Contains(txt, "year 2023") {
		t.Errorf("text:\n%s", txt)
	}
	met := Report{Scores: ok, ByElapsed: map[string]Scores{"0": ok}, VersusBest: map[string]Versus{"0": {PinballP50Diff: -1, PinballP90Diff: -1}}}
	met.GoalMisses = goalMisses(met)
	if met.GoalMisses == nil || len(met.GoalMisses) != 0 || !strings.HasSuffix(met.GoalText(), ": met\n") {
		t.Errorf("a met goal: %#v %q", met.GoalMisses, met.GoalText())
	}
}

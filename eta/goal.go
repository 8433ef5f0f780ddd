package eta

import (
	"fmt"
	"math"
	"strconv"
)

// The goal a backtest is held to: P90 covering 0.90 ± 0.02 and P50 0.50 ± 0.05 overall, at
// every elapsed time, in every phase and in every calendar year, and a pinball loss of P50
// and P90 no higher than the best baseline's at every elapsed time. Groups with fewer than
// GoalMinIncidents scored incidents are not held to it: their coverage is mostly noise.
const (
	GoalP90, GoalP90Tol = 0.90, 0.02
	GoalP50, GoalP50Tol = 0.50, 0.05
	GoalMinIncidents    = 50
)

// GoalMiss is one place where a backtest misses the goal.
type GoalMiss struct {
	// Group is "all", "elapsed 30", "year 2024" or "phase identified".
	Group string `json:"group"`
	// Measure is "p50_coverage", "p90_coverage", "pinball_p50" or "pinball_p90".
	Measure string `json:"measure"`
	// Value is the coverage, or for a pinball loss the model's minus the best baseline's
	// in minutes; SE is its standard error (clustered by incident).
	Value float64 `json:"value"`
	SE    float64 `json:"se"`
	// Want says what the goal asks, in words: "0.90 ± 0.02", "≤ recent_conditional".
	Want string `json:"want"`
}

// String renders the miss for people, with the value's distance from the goal in
// standard errors: a miss within about two of them is within the noise.
func (m GoalMiss) String() string {
	if m.Measure == "pinball_p50" || m.Measure == "pinball_p90" {
		return fmt.Sprintf("%-16s %-12s %+8.1f min ± %.1f, want %s", m.Group, m.Measure, m.Value, m.SE, m.Want)
	}
	return fmt.Sprintf("%-16s %-12s %.3f ± %.3f, want %s", m.Group, m.Measure, m.Value, m.SE, m.Want)
}

// outside reports whether x is outside goal ± tol. A coverage on the edge (0.88 for
// 0.90 ± 0.02) is within: the slack absorbs the rounding of the subtraction.
func outside(x, goal, tol float64) bool { return math.Abs(x-goal) > tol+1e-9 }

// goalMisses checks r against the goal, in a fixed order: overall, elapsed times, years,
// phases, then the pinball losses by elapsed time.
func goalMisses(r Report) []GoalMiss {
	out := []GoalMiss{}
	cover := func(group string, s Scores) {
		if s.IncidentsScored < GoalMinIncidents {
			return
		}
		if outside(s.P90Coverage, GoalP90, GoalP90Tol) {
			out = append(out, GoalMiss{group, "p90_coverage", s.P90Coverage, s.P90CoverageSE, fmt.Sprintf("%.2f ± %.2f", GoalP90, GoalP90Tol)})
		}
		if outside(s.P50Coverage, GoalP50, GoalP50Tol) {
			out = append(out, GoalMiss{group, "p50_coverage", s.P50Coverage, s.P50CoverageSE, fmt.Sprintf("%.2f ± %.2f", GoalP50, GoalP50Tol)})
		}
	}
	cover("all", r.Scores)
	for _, e := range checkpoints {
		cover("elapsed "+strconv.Itoa(e), r.ByElapsed[strconv.Itoa(e)])
	}
	for _, y := range sortedKeys(r.ByYear) {
		cover("year "+y, r.ByYear[y].Scores)
	}
	for _, ph := range phaseNames {
		if b, ok := r.ByPhase[ph]; ok {
			cover("phase "+ph, b.Scores)
		}
	}
	for _, e := range checkpoints {
		k := strconv.Itoa(e)
		v, ok := r.VersusBest[k]
		if !ok || r.ByElapsed[k].IncidentsScored < GoalMinIncidents {
			continue
		}
		if v.PinballP50Diff > 0 {
			out = append(out, GoalMiss{"elapsed " + k, "pinball_p50", v.PinballP50Diff, v.PinballP50DiffSE, "≤ " + v.BestP50})
		}
		if v.PinballP90Diff > 0 {
			out = append(out, GoalMiss{"elapsed " + k, "pinball_p90", v.PinballP90Diff, v.PinballP90DiffSE, "≤ " + v.BestP90})
		}
	}
	return out
}

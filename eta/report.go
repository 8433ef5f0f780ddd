package eta

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Text renders the report as readable tables: the model's coverage and scores overall, by
// elapsed time, by year and by phase, then the baselines' on the same rows.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ETA backtest: %d incidents, %d evaluations (burn-in: %d resolved incidents)\n", r.Incidents, r.Evaluations, BurnIn)
	fmt.Fprintf(&b, "Model: coverage of P10/P50/P80/P90 (ideal .10 .50 .80 .90) and the standard errors of P50's and P90's (clustered by incident); pinball loss of P50 and P90, interval score of [P10, P90] and P50 errors, in minutes (lower is better)\n")
	head := fmt.Sprintf("%-14s %6s | %5s %5s %5s %5s %5s %5s | %7s %7s %8s | %7s %7s\n",
		"", "evals", "cov10", "cov50", "cov80", "cov90", "se50", "se90", "pin50", "pin90", "interval", "MdAE", "MAE")
	row := func(name string, s Scores) {
		fmt.Fprintf(&b, "%-14s %6d | %5.3f %5.3f %5.3f %5.3f %5.3f %5.3f | %7.1f %7.1f %8.0f | %7.1f %7.1f\n", name, s.Evaluations,
			s.P10Coverage, s.P50Coverage, s.P80Coverage, s.P90Coverage, s.P50CoverageSE, s.P90CoverageSE,
			s.PinballP50, s.PinballP90, s.IntervalScore, s.P50MedianAbsErrorMin, s.P50MeanAbsErrorMin)
	}
	b.WriteString(head)
	row("all", r.Scores)
	for _, e := range checkpoints {
		k := strconv.Itoa(e)
		row(k+"m", r.ByElapsed[k])
	}
	for _, k := range sortedKeys(r.ByYear) {
		row(k, r.ByYear[k].Scores)
	}
	for _, k := range phaseNames {
		if s, ok := r.ByPhase[k]; ok {
			row(k, s.Scores)
		}
	}
	fmt.Fprintf(&b, "Baselines: coverage of P50 and P90, pinball loss of P50 and P90 (minutes)\n")
	fmt.Fprintf(&b, "%-14s", "")
	for _, n := range baselineNames {
		fmt.Fprintf(&b, " | %-29s", n)
	}
	b.WriteString("\n")
	brow := func(name string, get func(BaselineScores) Scores) {
		fmt.Fprintf(&b, "%-14s", name)
		for _, n := range baselineNames {
			s := get(r.Baselines[n])
			fmt.Fprintf(&b, " | %5.3f %5.3f %8.1f %8.1f", s.P50Coverage, s.P90Coverage, s.PinballP50, s.PinballP90)
		}
		b.WriteString("\n")
	}
	brow("all", func(s BaselineScores) Scores { return s.Scores })
	for _, e := range checkpoints {
		k := strconv.Itoa(e)
		brow(k+"m", func(s BaselineScores) Scores { return s.ByElapsed[k] })
	}
	for _, k := range sortedKeys(r.ByYear) {
		brow(k, func(s BaselineScores) Scores { return s.ByYear[k] })
	}
	for _, k := range phaseNames {
		if _, ok := r.ByPhase[k]; ok {
			brow(k, func(s BaselineScores) Scores { return s.ByPhase[k] })
		}
	}
	fmt.Fprintf(&b, "Model minus best baseline, pinball loss in minutes ± paired standard error (clustered by incident); negative: the model is better\n")
	fmt.Fprintf(&b, "%-14s | %-44s | %-44s\n", "", "P50", "P90")
	vrow := func(name string, v Versus) {
		cell := func(best string, d, se, model float64) string {
			return fmt.Sprintf("%+7.1f ± %5.1f (%+5.1f%%) vs %-18s", d, se, 100*d/(model-d), best)
		}
		fmt.Fprintf(&b, "%-14s | %s | %s\n", name,
			cell(v.BestP50, v.PinballP50Diff, v.PinballP50DiffSE, r.pinballOf(name, 50)),
			cell(v.BestP90, v.PinballP90Diff, v.PinballP90DiffSE, r.pinballOf(name, 90)))
	}
	if v, ok := r.VersusBest["all"]; ok {
		vrow("all", v)
	}
	for _, e := range checkpoints {
		k := strconv.Itoa(e)
		if v, ok := r.VersusBest[k]; ok {
			vrow(k+"m", v)
		}
	}
	b.WriteString(r.GoalText())
	return b.String()
}

// GoalText says whether the figures meet the goal (goal.go) and lists each miss.
func (r Report) GoalText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Goal: P90 coverage %.2f ± %.2f and P50 %.2f ± %.2f overall, per elapsed time, year and phase (those with %d or more incidents scored); pinball loss of P50 and P90 no higher than the best baseline's at every elapsed time: ",
		GoalP90, GoalP90Tol, GoalP50, GoalP50Tol, GoalMinIncidents)
	if len(r.GoalMisses) == 0 {
		b.WriteString("met\n")
		return b.String()
	}
	fmt.Fprintf(&b, "%d misses\n", len(r.GoalMisses))
	for _, m := range r.GoalMisses {
		fmt.Fprintf(&b, "  %s\n", m)
	}
	return b.String()
}

// pinballOf is the model's P50 or P90 pinball loss on the row named as in Text ("all",
// "30m").
func (r Report) pinballOf(row string, level int) float64 {
	s := r.Scores
	if row != "all" {
		s = r.ByElapsed[strings.TrimSuffix(row, "m")]
	}
	if level == 50 {
		return s.PinballP50
	}
	return s.PinballP90
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

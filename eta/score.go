package eta

import (
	"math"
	"sort"
	"time"
)

// Scores are a forecaster's figures over a set of evaluations: coverage of each published
// quantile, the P50's absolute errors, and the proper scores. Pinball loss and interval
// score are strictly proper — only the true quantiles minimise their expectation — so,
// unlike the median absolute error, they cannot be won by ranges that are too early.
type Scores struct {
	Evaluations int `json:"evaluations"`
	// IncidentsScored is the number of distinct incidents among the evaluations.
	IncidentsScored int     `json:"incidents_scored"`
	P10Coverage     float64 `json:"p10_coverage"` // share restored by P10; ideal 0.10
	P50Coverage     float64 `json:"p50_coverage"` // ideal 0.50
	P80Coverage     float64 `json:"p80_coverage"` // ideal 0.80
	P90Coverage     float64 `json:"p90_coverage"` // ideal 0.90
	// Absolute errors of P50 against the actual restoration, in minutes.
	P50MedianAbsErrorMin float64 `json:"p50_median_abs_error_min"`
	P50MeanAbsErrorMin   float64 `json:"p50_mean_abs_error_min"`
	// Mean pinball (quantile) loss of P50 and P90 in minutes: for level τ and actual y,
	// τ·(y−p) when y ≥ p and (1−τ)·(p−y) otherwise. Lower is better.
	PinballP50 float64 `json:"pinball_p50"`
	PinballP90 float64 `json:"pinball_p90"`
	// Mean interval score of [P10, P90] in minutes (Gneiting & Raftery 2007, α = 0.2):
	// the width plus 2/α times the distance by which the actual falls outside. Lower is
	// better.
	IntervalScore float64 `json:"interval_score"`
	// Standard errors of P50Coverage and P90Coverage, clustered by incident: one
	// incident's evaluations at 0, 30, 60… minutes mostly hit or miss together, so they
	// count as one draw, not several. A coverage is within sampling noise of its ideal
	// when it is within about two of these. 0 with fewer than two incidents.
	P50CoverageSE float64 `json:"p50_coverage_se"`
	P90CoverageSE float64 `json:"p90_coverage_se"`
}

// tally accumulates evaluations for one set of figures.
type tally struct {
	n          int
	cover      [nLevels]int
	pin50      float64
	pin90      float64
	interval   float64
	errs       []float64
	sumAbsErrs float64
	// byIncident holds the same sums per incident, for standard errors clustered by
	// incident; keyed by whatever identifies the incident (Backtest: its *Record).
	byIncident map[any]*incidentSums
}

// incidentSums are one incident's evaluations within a tally.
type incidentSums struct {
	n            int
	cover50      int
	cover90      int
	pin50, pin90 float64
}

// add scores one published range (P10, P50, P80, P90) of incident inc against the actual
// restoration.
func (t *tally) add(inc any, actual time.Time, at [nLevels]time.Time) {
	t.n++
	if t.byIncident == nil {
		t.byIncident = map[any]*incidentSums{}
	}
	c := t.byIncident[inc]
	if c == nil {
		c = &incidentSums{}
		t.byIncident[inc] = c
	}
	c.n++
	for l := range at {
		if !actual.After(at[l]) {
			t.cover[l]++
		}
	}
	if !actual.After(at[lvl50]) {
		c.cover50++
	}
	if !actual.After(at[lvl90]) {
		c.cover90++
	}
	y := func(l int) float64 { return minutes(actual.Sub(at[l])) } // actual minus prediction
	p50, p90 := pinball(levels[lvl50], y(lvl50)), pinball(levels[lvl90], y(lvl90))
	t.pin50 += p50
	t.pin90 += p90
	c.pin50 += p50
	c.pin90 += p90
	const alpha = 0.2 // [P10, P90] is the central 80% interval
	width := minutes(at[lvl90].Sub(at[lvl10]))
	t.interval += width + 2/alpha*(math.Max(0, -y(lvl10))+math.Max(0, y(lvl90)))
	e := math.Abs(y(lvl50))
	t.errs = append(t.errs, e)
	t.sumAbsErrs += e
}

// pinball is the quantile loss at level tau of a prediction that the actual exceeds by d.
func pinball(tau, d float64) float64 {
	if d >= 0 {
		return tau * d
	}
	return (tau - 1) * d
}

// scores summarises the tally.
func (t *tally) scores() Scores {
	s := Scores{Evaluations: t.n, IncidentsScored: len(t.byIncident)}
	if t.n == 0 {
		return s
	}
	n := float64(t.n)
	s.P10Coverage, s.P50Coverage = float64(t.cover[lvl10])/n, float64(t.cover[lvl50])/n
	s.P80Coverage, s.P90Coverage = float64(t.cover[lvl80])/n, float64(t.cover[lvl90])/n
	e := append([]float64(nil), t.errs...)
	sort.Float64s(e)
	s.P50MedianAbsErrorMin = median(e)
	s.P50MeanAbsErrorMin = t.sumAbsErrs / n
	s.PinballP50, s.PinballP90, s.IntervalScore = t.pin50/n, t.pin90/n, t.interval/n
	s.P50CoverageSE = t.clusteredSE(func(c *incidentSums) float64 { return float64(c.cover50) })
	s.P90CoverageSE = t.clusteredSE(func(c *incidentSums) float64 { return float64(c.cover90) })
	return s
}

// clusteredSE is the standard error of the mean of a per-evaluation quantity whose sum
// per incident is sum, with incidents as the independent draws (the cluster-robust
// sandwich estimator, with the small-sample factor C/(C−1) for C incidents): of a
// coverage, or of a difference of pinball losses paired on the same evaluations.
func (t *tally) clusteredSE(sum func(*incidentSums) float64) float64 {
	nc := len(t.byIncident)
	if nc < 2 || t.n == 0 {
		return 0
	}
	total := 0.0
	for _, c := range t.byIncident {
		total += sum(c)
	}
	mean := total / float64(t.n)
	ss := 0.0
	for _, c := range t.byIncident {
		d := sum(c) - float64(c.n)*mean
		ss += d * d
	}
	return math.Sqrt(ss*float64(nc)/float64(nc-1)) / float64(t.n)
}

// median of sorted values.
func median(sorted []float64) float64 { return empirical(sorted, 0.5) }

// empirical is the p-quantile of sorted values, interpolating linearly between order
// statistics (Hyndman & Fan's type 7, the usual default); 0 for no values.
func empirical(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	h := p * float64(n-1)
	i := int(h)
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

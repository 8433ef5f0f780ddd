package eta

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// backtestElapsed are the elapsed times, in minutes, at which Backtest evaluates each
// incident that was still open then.
var backtestElapsed = []int{0, 30, 60, 120}

// BurnIn is the number of incidents that must have been resolved before an evaluation
// point for it to count. Before that there is no history to speak of, every estimate is
// the prior, and scoring it would measure the prior rather than the method.
const BurnIn = 10

// Scores are the model's figures over a set of evaluations.
type Scores struct {
	Evaluations int     `json:"evaluations"`
	P50Coverage float64 `json:"p50_coverage"` // share restored by P50; ideal 0.50
	P80Coverage float64 `json:"p80_coverage"` // ideal 0.80
	P90Coverage float64 `json:"p90_coverage"` // ideal 0.90
	// Absolute errors of P50 against the actual restoration, in minutes.
	P50MedianAbsErrorMin float64 `json:"p50_median_abs_error_min"`
	P50MeanAbsErrorMin   float64 `json:"p50_mean_abs_error_min"`
}

// BaselineScores are a baseline's point-estimate figures.
type BaselineScores struct {
	P50Coverage          float64                    `json:"p50_coverage"`
	P50MedianAbsErrorMin float64                    `json:"p50_median_abs_error_min"`
	P50MeanAbsErrorMin   float64                    `json:"p50_mean_abs_error_min"`
	ByElapsed            map[string]BaselineElapsed `json:"by_elapsed"`
}

// BaselineElapsed is a baseline's figures at one elapsed time.
type BaselineElapsed struct {
	Evaluations          int     `json:"evaluations"`
	P50Coverage          float64 `json:"p50_coverage"`
	P50MedianAbsErrorMin float64 `json:"p50_median_abs_error_min"`
	P50MeanAbsErrorMin   float64 `json:"p50_mean_abs_error_min"`
}

// Report is the outcome of Backtest. Its JSON keys are stable.
type Report struct {
	// Incidents is the number of records replayed (every record with a start).
	Incidents int `json:"incidents"`
	Scores
	// ByElapsed holds the same figures per elapsed time, keyed "0", "30", "60", "120".
	ByElapsed map[string]Scores `json:"by_elapsed"`
	// Baselines are "global_median" (start + median of past durations) and
	// "global_median_minus_elapsed" (now + max(median − elapsed, 1 min)).
	Baselines map[string]BaselineScores `json:"baselines"`
}

// Names of the baselines in Report.Baselines.
const (
	BaselineGlobalMedian             = "global_median"
	BaselineGlobalMedianMinusElapsed = "global_median_minus_elapsed"
)

// tally accumulates evaluations for one set of figures.
type tally struct {
	n             int
	c50, c80, c90 int
	errs          []float64
}

// add scores one estimate: coverage of each quantile, and the P50's absolute error.
func (t *tally) add(actual, p50, p80, p90 time.Time) {
	t.n++
	if !actual.After(p50) {
		t.c50++
	}
	if !actual.After(p80) {
		t.c80++
	}
	if !actual.After(p90) {
		t.c90++
	}
	t.errs = append(t.errs, math.Abs(minutes(actual.Sub(p50))))
}

// scores summarises the tally.
func (t *tally) scores() Scores {
	s := Scores{Evaluations: t.n}
	if t.n == 0 {
		return s
	}
	n := float64(t.n)
	s.P50Coverage, s.P80Coverage, s.P90Coverage = float64(t.c50)/n, float64(t.c80)/n, float64(t.c90)/n
	e := append([]float64(nil), t.errs...)
	sort.Float64s(e)
	s.P50MedianAbsErrorMin = median(e)
	sum := 0.0
	for _, v := range e {
		sum += v
	}
	s.P50MeanAbsErrorMin = sum / n
	return s
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Backtest replays records in time order and scores the model honestly. For each resolved
// incident and each elapsed E in {0, 30, 60, 120} minutes at which it was still open, the
// model is built from only what was known at t = start + E — incidents resolved before t
// are observed, incidents started before t and open at t are censored at t, later ones
// do not exist, and the incident's own phase counts only if entered by t — and its
// estimate is compared with the actual restoration. Evaluation points with fewer than
// BurnIn resolved incidents before them are skipped. The model is rebuilt for each
// point — only the curves that point's estimate reads — which keeps the replay
// obviously leak-free; a replay of ~700 incidents takes about three seconds, and the
// cost grows with the square of the history.
func Backtest(records []Record, cfg Config) Report {
	recs := byStart(records)
	ends := resolvedByEnd(recs)

	var all, bm, bme tally
	byE := make([]tally, len(backtestElapsed))
	byBM := make([]tally, len(backtestElapsed))
	byBME := make([]tally, len(backtestElapsed))
	var past []float64
	replay(recs, cfg, func(p evalPoint) {
		all.add(p.actual, p.est.P50, p.est.P80, p.est.P90)
		byE[p.ei].add(p.actual, p.est.P50, p.est.P80, p.est.P90)
		past = past[:0]
		for _, d := range ends[:p.resolved] {
			past = append(past, d.dur)
		}
		sort.Float64s(past)
		med := median(past)
		start := p.q.Start
		b := start.Add(fromMinutes(med))
		bm.add(p.actual, b, b, b)
		byBM[p.ei].add(p.actual, b, b, b)
		b = p.q.Now.Add(fromMinutes(math.Max(med-float64(backtestElapsed[p.ei]), 1)))
		bme.add(p.actual, b, b, b)
		byBME[p.ei].add(p.actual, b, b, b)
	})
	rep := Report{
		Incidents: len(recs),
		Scores:    all.scores(),
		ByElapsed: map[string]Scores{},
		Baselines: map[string]BaselineScores{
			BaselineGlobalMedian:             baseline(bm, byBM),
			BaselineGlobalMedianMinusElapsed: baseline(bme, byBME),
		},
	}
	for ei, e := range backtestElapsed {
		rep.ByElapsed[strconv.Itoa(e)] = byE[ei].scores()
	}
	return rep
}

// baseline turns a baseline's tallies into its report entry.
func baseline(all tally, by []tally) BaselineScores {
	s := all.scores()
	b := BaselineScores{
		P50Coverage:          s.P50Coverage,
		P50MedianAbsErrorMin: s.P50MedianAbsErrorMin,
		P50MeanAbsErrorMin:   s.P50MeanAbsErrorMin,
		ByElapsed:            map[string]BaselineElapsed{},
	}
	for ei, e := range backtestElapsed {
		x := by[ei].scores()
		b.ByElapsed[strconv.Itoa(e)] = BaselineElapsed{x.Evaluations, x.P50Coverage, x.P50MedianAbsErrorMin, x.P50MeanAbsErrorMin}
	}
	return b
}

// Text renders the report as a readable table: the model's coverage and errors overall
// and by elapsed time, next to the two baselines' errors.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ETA backtest: %d incidents, %d evaluations (burn-in: %d resolved incidents)\n", r.Incidents, r.Evaluations, BurnIn)
	fmt.Fprintf(&b, "%-8s %6s | %6s %6s %6s | %9s %9s | %9s %9s | %9s %9s\n",
		"elapsed", "evals", "cov50", "cov80", "cov90", "model", "", "median", "", "med-elap", "")
	fmt.Fprintf(&b, "%-8s %6s | %6s %6s %6s | %9s %9s | %9s %9s | %9s %9s\n",
		"", "", "(.50)", "(.80)", "(.90)", "MdAE min", "MAE min", "MdAE min", "MAE min", "MdAE min", "MAE min")
	row := func(name string, s Scores, a, c BaselineElapsed) {
		fmt.Fprintf(&b, "%-8s %6d | %6.3f %6.3f %6.3f | %9.1f %9.1f | %9.1f %9.1f | %9.1f %9.1f\n",
			name, s.Evaluations, s.P50Coverage, s.P80Coverage, s.P90Coverage,
			s.P50MedianAbsErrorMin, s.P50MeanAbsErrorMin,
			a.P50MedianAbsErrorMin, a.P50MeanAbsErrorMin, c.P50MedianAbsErrorMin, c.P50MeanAbsErrorMin)
	}
	gm, gme := r.Baselines[BaselineGlobalMedian], r.Baselines[BaselineGlobalMedianMinusElapsed]
	row("all", r.Scores,
		BaselineElapsed{P50MedianAbsErrorMin: gm.P50MedianAbsErrorMin, P50MeanAbsErrorMin: gm.P50MeanAbsErrorMin},
		BaselineElapsed{P50MedianAbsErrorMin: gme.P50MedianAbsErrorMin, P50MeanAbsErrorMin: gme.P50MeanAbsErrorMin})
	for _, e := range backtestElapsed {
		k := strconv.Itoa(e)
		row(k+"m", r.ByElapsed[k], gm.ByElapsed[k], gme.ByElapsed[k])
	}
	fmt.Fprintf(&b, "baseline p50 coverage: median %.3f, median-minus-elapsed %.3f\n", gm.P50Coverage, gme.P50Coverage)
	return b.String()
}

// done is a resolved incident's end and duration.
type done struct {
	end time.Time
	dur float64
}

// resolvedByEnd lists resolved incidents ordered by end, for burn-in counts and the
// baselines' medians of past durations.
func resolvedByEnd(recs []Record) []done {
	var ends []done
	for _, r := range recs {
		if !r.End.IsZero() {
			ends = append(ends, done{r.End, minutes(r.End.Sub(r.Start))})
		}
	}
	sort.Slice(ends, func(i, j int) bool { return ends[i].end.Before(ends[j].end) })
	return ends
}

// byStart returns the records that have a start, ordered by it.
func byStart(records []Record) []Record {
	recs := make([]Record, 0, len(records))
	for _, r := range records {
		if !r.Start.IsZero() {
			recs = append(recs, r)
		}
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Start.Before(recs[j].Start) })
	return recs
}

// evalPoint is one scored estimate of the replay.
type evalPoint struct {
	ei       int // index into backtestElapsed
	rec      Record
	q        Query
	est      Estimate
	actual   time.Time
	resolved int // incidents resolved by q.Now
}

// replay walks the evaluation points of Backtest in time order, building the model from
// what was known at each and calling fn with the estimate. recs must be ordered by start.
func replay(recs []Record, cfg Config, fn func(evalPoint)) {
	ends := resolvedByEnd(recs)
	for i := range recs {
		r := recs[i]
		if r.End.IsZero() {
			continue
		}
		for ei, e := range backtestElapsed {
			el := time.Duration(e) * time.Minute
			if r.End.Sub(r.Start) <= el {
				break
			}
			t := r.Start.Add(el)
			nDone := sort.Search(len(ends), func(k int) bool { return ends[k].end.After(t) })
			if nDone < BurnIn {
				continue
			}
			// History is every record started by t; Build censors and truncates it at t.
			nStarted := sort.Search(len(recs), func(k int) bool { return recs[k].Start.After(t) })
			q := Query{Components: r.Components, Impact: r.Impact, Cause: r.Cause, Start: r.Start, Now: t}
			if !r.Identified.IsZero() && !r.Identified.After(t) {
				q.Identified = r.Identified
			}
			if !r.Monitoring.IsZero() && !r.Monitoring.After(t) {
				q.Monitoring = r.Monitoring
			}
			m := build(recs[:nStarted], t, cfg, &q)
			fn(evalPoint{ei: ei, rec: r, q: q, est: m.Estimate(q), actual: r.End, resolved: nDone})
		}
	}
}

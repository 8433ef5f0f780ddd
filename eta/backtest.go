package eta

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// BurnIn is the number of incidents that must have been resolved before an evaluation
// point for it to count. Before that there is no history to speak of, every estimate is
// the prior, and scoring it would measure the prior rather than the method.
const BurnIn = 10

// Report is the outcome of Backtest. Its JSON keys are stable; later versions only add.
type Report struct {
	// Incidents is the number of records replayed (every record with a start).
	Incidents int `json:"incidents"`
	Scores
	// ByElapsed holds the same figures per elapsed time, keyed "0", "30", "60", "120",
	// "240".
	ByElapsed map[string]Scores `json:"by_elapsed"`
	// ByYear holds them per calendar year (UTC) of the incident's start, keyed "2024".
	ByYear map[string]Breakdown `json:"by_year"`
	// ByPhase holds them per phase at the evaluation: "investigating", "identified",
	// "monitoring".
	ByPhase map[string]Breakdown `json:"by_phase"`
	// Baselines are scored on the same evaluations; see the Baseline… names.
	Baselines map[string]BaselineScores `json:"baselines"`
	// VersusBest compares the model's pinball losses with the best baseline's, overall
	// ("all") and per elapsed time ("0", "30", …).
	VersusBest map[string]Versus `json:"versus_best_baseline"`
	// GoalMisses lists where the figures miss the goal (goal.go); empty when it is met.
	GoalMisses []GoalMiss `json:"goal_misses"`
}

// Versus is the model's pinball loss minus the best baseline's (the baseline with the
// lowest loss on the same evaluations), in minutes: negative when the model is better.
// Each difference comes with its standard error, paired on the evaluations and clustered
// by incident; a difference within about two of them is within the noise.
type Versus struct {
	BestP50          string  `json:"best_p50"`
	PinballP50Diff   float64 `json:"pinball_p50_diff"`
	PinballP50DiffSE float64 `json:"pinball_p50_diff_se"`
	BestP90          string  `json:"best_p90"`
	PinballP90Diff   float64 `json:"pinball_p90_diff"`
	PinballP90DiffSE float64 `json:"pinball_p90_diff_se"`
}

// Breakdown is a set of figures with the same figures per elapsed time.
type Breakdown struct {
	Scores
	ByElapsed map[string]Scores `json:"by_elapsed"`
}

// BaselineScores are a baseline's figures, overall and broken down like the model's.
type BaselineScores struct {
	Scores
	ByElapsed map[string]Scores `json:"by_elapsed"`
	ByYear    map[string]Scores `json:"by_year"`
	ByPhase   map[string]Scores `json:"by_phase"`
}

// Names of the baselines in Report.Baselines. Each publishes the 10/50/80/90% quantiles of
// a set of past durations (incidents resolved before the evaluation):
//   - global_median: start + quantile of all past durations;
//   - global_median_minus_elapsed: now + max(quantile − elapsed, 1 min);
//   - recent_conditional: start + quantile of the past durations longer than the elapsed
//     time among incidents resolved in the last two years (all past durations longer than
//     the elapsed time when there are none) — an empirical survival curve with a short
//     memory, which under drift covers better than a long one.
const (
	BaselineGlobalMedian             = "global_median"
	BaselineGlobalMedianMinusElapsed = "global_median_minus_elapsed"
	BaselineRecentConditional        = "recent_conditional"
)

// recentWindow is the memory of the recent_conditional baseline.
const recentWindow = 2 * 365 * 24 * time.Hour

var baselineNames = []string{BaselineGlobalMedian, BaselineGlobalMedianMinusElapsed, BaselineRecentConditional}

// phaseNames are the keys of Report.ByPhase.
var phaseNames = [numPhases]string{"investigating", "identified", "monitoring"}

// Backtest replays records in time order and scores the model honestly. For each resolved
// incident and each elapsed E in {0, 30, 60, 120, 240} minutes at which it was still open,
// the model is built from only what was known at t = start + E — incidents resolved before
// t are observed, incidents started before t and open at t are censored at t, later ones
// do not exist, and the incident's own phase counts only if entered by t — and the range
// it publishes, corrected by the outcomes known by t of the ranges published before
// (correct.go), is compared with the actual restoration. This is the replay production
// runs (replay.go); here every range is scored. Evaluation points with fewer than BurnIn
// resolved incidents before them are skipped. The model is rebuilt for each point — only
// the curves that point's estimate reads — which keeps the replay obviously leak-free; its
// cost grows with the square of the history.
func Backtest(records []Record, cfg Config) Report {
	recs := byStart(records)
	var horizon time.Time
	for _, r := range recs {
		horizon = maxTime(horizon, maxTime(r.Start, r.End))
	}
	ends := resolvedByEnd(recs)
	forecasters := append([]string{"model"}, baselineNames...)
	board := map[string]map[string]*tally{} // forecaster → group → tally
	for _, f := range forecasters {
		board[f] = map[string]*tally{}
	}
	add := func(f, group string, inc *Record, at [nLevels]time.Time) {
		t := board[f][group]
		if t == nil {
			t = &tally{}
			board[f][group] = t
		}
		t.add(inc, inc.End, at)
	}
	var past, recent []float64
	replay(recs, 0, horizon, cfg, memo{}, func(p evalPoint) {
		if p.rec.End.IsZero() {
			return // still open at the end of the history: nothing to score against
		}
		e := checkpoints[p.ei]
		groups := []string{"", "e" + strconv.Itoa(e)}
		y := strconv.Itoa(p.rec.Start.UTC().Year())
		ph := phaseNames[p.cell.phase]
		groups = append(groups, "y"+y, "y"+y+"/"+groups[1], "p"+ph, "p"+ph+"/"+groups[1])
		past, recent = past[:0], recent[:0]
		for _, d := range ends[:p.resolved] {
			past = append(past, d.dur)
			if d.dur > float64(e) && p.q.Now.Sub(d.end) <= recentWindow {
				recent = append(recent, d.dur)
			}
		}
		if len(recent) == 0 {
			for _, v := range past {
				if v > float64(e) {
					recent = append(recent, v)
				}
			}
		}
		slices.Sort(past)
		slices.Sort(recent)
		var gm, gme, rc [nLevels]time.Time
		for l, lv := range levels {
			q := empirical(past, lv)
			gm[l] = p.q.Start.Add(fromMinutes(q))
			gme[l] = p.q.Now.Add(fromMinutes(math.Max(q-float64(e), 1)))
			rc[l] = gme[l]
			if len(recent) > 0 {
				rc[l] = p.q.Start.Add(fromMinutes(empirical(recent, lv)))
			}
		}
		for _, g := range groups {
			add("model", g, p.rec, p.at)
			add(BaselineGlobalMedian, g, p.rec, gm)
			add(BaselineGlobalMedianMinusElapsed, g, p.rec, gme)
			add(BaselineRecentConditional, g, p.rec, rc)
		}
	})
	rep := Report{Incidents: len(recs), Baselines: map[string]BaselineScores{}}
	rep.Scores, rep.ByElapsed = board["model"][""].scoresOrZero(), byElapsed(board["model"], "")
	rep.ByYear, rep.ByPhase = map[string]Breakdown{}, map[string]Breakdown{}
	for g, t := range board["model"] {
		if len(g) < 2 || (g[0] != 'y' && g[0] != 'p') || slices.Contains([]byte(g), '/') {
			continue
		}
		b := Breakdown{Scores: t.scores(), ByElapsed: byElapsed(board["model"], g+"/")}
		if g[0] == 'y' {
			rep.ByYear[g[1:]] = b
		} else {
			rep.ByPhase[g[1:]] = b
		}
	}
	for _, name := range baselineNames {
		ts := board[name]
		b := BaselineScores{Scores: ts[""].scoresOrZero(), ByElapsed: byElapsed(ts, ""),
			ByYear: map[string]Scores{}, ByPhase: map[string]Scores{}}
		for g, t := range ts {
			if len(g) < 2 || slices.Contains([]byte(g), '/') {
				continue
			}
			switch g[0] {
			case 'y':
				b.ByYear[g[1:]] = t.scores()
			case 'p':
				b.ByPhase[g[1:]] = t.scores()
			}
		}
		rep.Baselines[name] = b
	}
	rep.VersusBest = map[string]Versus{}
	for _, k := range append([]string{"all"}, elapsedKeys()...) {
		g := ""
		if k != "all" {
			g = "e" + k
		}
		if m := board["model"][g]; m != nil {
			bs := map[string]*tally{}
			for _, name := range baselineNames {
				bs[name] = board[name][g]
			}
			rep.VersusBest[k] = versus(m, bs)
		}
	}
	rep.GoalMisses = goalMisses(rep)
	return rep
}

// elapsedKeys are the checkpoints as report keys: "0", "30", ….
func elapsedKeys() []string {
	ks := make([]string, len(checkpoints))
	for i, e := range checkpoints {
		ks[i] = strconv.Itoa(e)
	}
	return ks
}

// versus compares the model's tally with the best of the baselines' on the same
// evaluations.
func versus(model *tally, baselines map[string]*tally) Versus {
	var v Versus
	best := func(loss func(*tally) float64) string {
		name := ""
		for _, n := range baselineNames {
			if b := baselines[n]; b != nil && (name == "" || loss(b) < loss(baselines[name])) {
				name = n
			}
		}
		return name
	}
	diff := func(name string, sum func(*incidentSums) float64) (float64, float64) {
		b := baselines[name]
		paired := &tally{n: model.n, byIncident: map[any]*incidentSums{}}
		total := 0.0
		for k, c := range model.byIncident {
			d := sum(c)
			if bc := b.byIncident[k]; bc != nil { // always: both scored the same evaluations
				d -= sum(bc)
			}
			paired.byIncident[k] = &incidentSums{n: c.n, pin50: d}
			total += d
		}
		return total / float64(model.n), paired.clusteredSE(func(c *incidentSums) float64 { return c.pin50 })
	}
	v.BestP50 = best(func(t *tally) float64 { return t.pin50 })
	v.BestP90 = best(func(t *tally) float64 { return t.pin90 })
	if v.BestP50 == "" {
		return v
	}
	v.PinballP50Diff, v.PinballP50DiffSE = diff(v.BestP50, func(c *incidentSums) float64 { return c.pin50 })
	v.PinballP90Diff, v.PinballP90DiffSE = diff(v.BestP90, func(c *incidentSums) float64 { return c.pin90 })
	return v
}

// scoresOrZero is scores, or empty figures for a nil tally (no evaluations at all).
func (t *tally) scoresOrZero() Scores {
	if t == nil {
		return Scores{}
	}
	return t.scores()
}

// byElapsed collects the tallies of the groups prefix+"e<elapsed>", one entry per
// checkpoint (empty figures where there were no evaluations).
func byElapsed(ts map[string]*tally, prefix string) map[string]Scores {
	out := map[string]Scores{}
	for _, e := range checkpoints {
		k := strconv.Itoa(e)
		out[k] = ts[prefix+"e"+k].scoresOrZero()
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// done is a resolved incident's end and duration.
type done struct {
	end time.Time
	dur float64
}

// resolvedByEnd lists resolved incidents ordered by end, for burn-in counts and the
// baselines' past durations.
func resolvedByEnd(recs []Record) []done {
	var ends []done
	for _, r := range recs {
		if !r.End.IsZero() {
			ends = append(ends, done{r.End, minutes(r.End.Sub(r.Start))})
		}
	}
	slices.SortStableFunc(ends, func(a, b done) int { return a.end.Compare(b.end) })
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
	slices.SortStableFunc(recs, func(a, b Record) int { return a.Start.Compare(b.Start) })
	return recs
}

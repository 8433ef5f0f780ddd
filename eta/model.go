package eta

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Record is one historical or open incident, reduced to what the ETA model uses.
type Record struct {
	ID         string
	Components []string // affected component ids
	Impact     string   // none|minor|major|critical
	Cause      string   // may be empty; carried for callers, not used for pooling (see package doc)
	Start      time.Time
	// Identified and Monitoring are the times the incident entered those phases; zero
	// when it never did.
	Identified, Monitoring time.Time
	// End is the restoration time; zero while the incident is open, which makes the
	// record right-censored: it is known to last at least until now, no more.
	End time.Time
}

// Query describes the open incident whose restoration time is estimated.
type Query struct {
	Components []string
	Impact     string
	Cause      string
	// Start, Identified and Monitoring are phase entry times; zero when not reached.
	Start, Identified, Monitoring time.Time
	// Now is the moment of the estimate; the incident is known to be open at Now.
	Now time.Time
}

// Estimate is a restoration-time range for an open incident.
type Estimate struct {
	// P50, P80 and P90 are wall-clock quantiles of the restoration time: by P80, say, the
	// incident is restored with probability 0.8. All are strictly after Query.Now and
	// P50 < P80 < P90.
	P50, P80, P90 time.Time
	// Samples is how many comparable past incidents the estimate rests on: the effective
	// (recency-weighted, Kish) count of incidents in Pool that were still open at the
	// incident's current elapsed time or time in phase.
	Samples int
	// Pool is the narrowest pool carrying the largest share of the estimate:
	// "components+impact", "impact", "all", or "prior" when history says too little.
	Pool string
	// Few is true when the estimate rests on little history; the range is then wide
	// because the heavy-tailed prior carries much of it, and the wording says so.
	Few bool
	// Phase is the incident phase the comparison was restricted to ("investigating",
	// "identified", "monitoring"), or "" when only the elapsed time was: what "similar"
	// meant, so the words on the page can say it.
	Phase string
}

// Chance is the probability that an incident is restored by an announced time.
type Chance struct {
	// P is the model's probability, given the incident is still open at Query.Now.
	P float64
	// Met of Of comparable past incidents — those that lasted at least as long as this one
	// has on the same clock, and whose outcome at the horizon is known — were restored
	// within the announced remaining time: "7 of 31 similar incidents were restored this
	// fast". Raw counts, unweighted, for people to read.
	Met, Of int
}

// Pool names as reported in Estimate.Pool.
const (
	PoolComponentsImpact = "components+impact"
	PoolImpact           = "impact"
	PoolAll              = "all"
	PoolPrior            = "prior"
)

// pool is one group of comparable incidents. total is the survival curve of durations
// from start over the whole pool; byPhase[k][p] is that curve restricted to the
// incidents that were open and in phase p at landmark k (nil when none were).
type pool struct {
	total   *curve
	byPhase [][numPhases]*curve
}

// Model is the precomputed state for estimates: per-pool survival curves, overall and
// per landmark and phase, and the fitted parametric tail. It is immutable after Build and
// safe for concurrent use.
type Model struct {
	cfg    Config
	now    time.Time
	grid   []float64
	all    *pool
	impact map[string]*pool
	narrow map[string]*pool // keyed by impact and the sorted component set
	tail   burr
	kImp   float64 // shrinkage strength of impact pools (see shrink.go)
	kNar   float64 // shrinkage strength of components+impact pools
	pools  []pool  // backing store of all, impact and narrow
	// corr is the online self-correction applied to every estimate (correct.go); nil
	// for a model built without a replay of its own past estimates.
	corr *correction
}

// minObs is the shortest duration, in minutes, a record is taken to have. Zero or
// negative durations come from clock skew in the source; the log-scale fit needs t > 0.
const minObs = 0.5

func normImpact(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// narrowKey identifies the components+impact pool: the same impact and exactly the same
// set of components. Exact sets keep the pool crisp and precomputable; thin sets are
// harmless because shrinkage hands them over to the impact pool.
func narrowKey(impact string, comps []string) (string, bool) {
	if len(comps) > 0 && sortedUnique(comps) {
		return impact + "\x00" + strings.Join(comps, "\x00"), true
	}
	cs := make([]string, 0, len(comps))
	for _, c := range comps {
		if c = strings.TrimSpace(c); c != "" {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return "", false
	}
	sort.Strings(cs)
	out := cs[:1]
	for _, c := range cs[1:] {
		if c != out[len(out)-1] {
			out = append(out, c)
		}
	}
	return impact + "\x00" + strings.Join(out, "\x00"), true
}

func minutes(d time.Duration) float64 { return d.Minutes() }

func fromMinutes(x float64) time.Duration {
	const maxMin = float64(math.MaxInt64/int64(time.Minute)) / 2
	if x > maxMin {
		x = maxMin
	}
	return time.Duration(x * float64(time.Minute))
}

// sortedUnique reports whether comps is already canonical (sorted, distinct, trimmed and
// non-empty), as Statuspage imports usually make it, so that narrowKey can skip the copy.
func sortedUnique(comps []string) bool {
	for i, c := range comps {
		if c == "" || strings.TrimSpace(c) != c || (i > 0 && comps[i-1] >= c) {
			return false
		}
	}
	return true
}

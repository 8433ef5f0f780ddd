package eta

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
	"time"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// genSpec describes synthetic incidents for the model tests.
type genSpec struct {
	n          int
	median     float64 // minutes
	beta       float64 // log-logistic tail exponent
	impact     string
	components []string
	ageFrom    time.Duration // incidents start between ageFrom and ageTo before now
	ageTo      time.Duration
	// phases, when set, gives each incident its identified and monitoring entry as
	// minutes from start, given its duration; negative for never.
	phases func(rng *rand.Rand, dur float64) (identified, monitoring float64)
}

// gen makes resolved synthetic incidents ending before now.
func gen(t testing.TB, seed int64, specs ...genSpec) []Record {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	var out []Record
	for si, s := range specs {
		for i := 0; i < s.n; i++ {
			dur := logLogisticSample(rng, s.median, s.beta)
			age := s.ageFrom + time.Duration(rng.Float64()*float64(s.ageTo-s.ageFrom))
			start := testNow.Add(-age)
			r := Record{ID: fmt.Sprintf("%d-%d", si, i), Impact: s.impact, Components: s.components, Start: start}
			end := start.Add(fromMinutes(dur))
			if end.After(testNow) {
				end = testNow.Add(-time.Minute)
				if !end.After(start) {
					continue
				}
			}
			r.End = end
			if s.phases != nil {
				id, mon := s.phases(rng, minutes(end.Sub(start)))
				if id >= 0 {
					r.Identified = start.Add(fromMinutes(id))
				}
				if mon >= 0 {
					r.Monitoring = start.Add(fromMinutes(mon))
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// remaining returns an estimate's three quantiles as minutes after now.
func remaining(e Estimate, now time.Time) [3]float64 {
	return [3]float64{minutes(e.P50.Sub(now)), minutes(e.P80.Sub(now)), minutes(e.P90.Sub(now))}
}

// checkEstimate asserts the invariants every estimate must keep.
func checkEstimate(t *testing.T, e Estimate, now time.Time) {
	t.Helper()
	if !e.P50.After(now) || e.P80.Before(e.P50) || e.P90.Before(e.P80) {
		t.Errorf("quantiles not strictly after now and ordered: now %v, P50 %v, P80 %v, P90 %v", now, e.P50, e.P80, e.P90)
	}
	switch e.Phase {
	case "", "investigating", "identified", "monitoring":
	default:
		t.Errorf("unknown phase %q", e.Phase)
	}
	switch e.Pool {
	case PoolComponentsImpact, PoolImpact, PoolAll, PoolPrior:
	default:
		t.Errorf("unknown pool %q", e.Pool)
	}
}

func TestPhaseShortensRemaining(t *testing.T) {
	// Investigation takes most of an incident; once a fix is monitored, what remains is
	// short; identification sits in between.
	hist := gen(t, 1, genSpec{n: 800, median: 150, beta: 1.5, impact: "minor", ageFrom: time.Hour, ageTo: 2 * 365 * 24 * time.Hour,
		phases: func(rng *rand.Rand, d float64) (float64, float64) {
			id, mon := -1.0, -1.0
			if rng.Float64() < 0.6 {
				id = d * (0.3 + 0.2*rng.Float64())
			}
			if rng.Float64() < 0.8 {
				mon = d * (0.75 + 0.2*rng.Float64())
			}
			return id, mon
		}})
	m := Build(hist, testNow, DefaultConfig())
	for _, elapsed := range []time.Duration{30 * time.Minute, 90 * time.Minute, 4 * time.Hour} {
		t.Run(elapsed.String(), func(t *testing.T) {
			start := testNow.Add(-elapsed)
			inv := m.Estimate(Query{Impact: "minor", Start: start, Now: testNow})
			idq := m.Estimate(Query{Impact: "minor", Start: start, Identified: start.Add(elapsed / 2), Now: testNow})
			mon := m.Estimate(Query{Impact: "minor", Start: start, Identified: start.Add(elapsed / 3), Monitoring: testNow.Add(-elapsed / 10), Now: testNow})
			for _, e := range []Estimate{inv, idq, mon} {
				checkEstimate(t, e, testNow)
			}
			// Identified and monitoring are each shorter than investigating. Between the
			// two there is no fixed order: which is shorter depends on how many incidents
			// were in each phase at this age, and thin phases fall back to elapsed time.
			ri, rd, rm := remaining(inv, testNow), remaining(idq, testNow), remaining(mon, testNow)
			t.Logf("investigating %.0f, identified %.0f, monitoring %.0f (P50/P80/P90 min)", ri, rd, rm)
			for q := range ri {
				if !(rm[q] < ri[q] && rd[q] < ri[q]) {
					t.Errorf("quantile %d: monitoring %.0f, identified %.0f, investigating %.0f minutes; want both below investigating", q, rm[q], rd[q], ri[q])
				}
			}
			if rm[0] > 0.6*ri[0] {
				t.Errorf("monitoring P50 %.0f min is not clearly shorter than investigating %.0f", rm[0], ri[0])
			}
		})
	}
}

func TestNarrowPoolShrinkage(t *testing.T) {
	const broadMedian, narrowMedian = 60.0, 600.0
	broad := func(n int) []genSpec {
		var out []genSpec
		for _, c := range []string{"web", "api", "cdn", "dns"} {
			out = append(out, genSpec{n: n, median: broadMedian, beta: 2, impact: "minor", components: []string{c}, ageFrom: time.Hour, ageTo: 365 * 24 * time.Hour})
		}
		return out
	}
	narrow := func(n int) genSpec {
		return genSpec{n: n, median: narrowMedian, beta: 2, impact: "minor", components: []string{"db"}, ageFrom: time.Hour, ageTo: 365 * 24 * time.Hour}
	}
	q := Query{Impact: "minor", Components: []string{"db"}, Start: testNow, Now: testNow}
	base := Build(gen(t, 2, broad(100)...), testNow, DefaultConfig()).Estimate(q)
	baseP50 := remaining(base, testNow)[0]
	for _, tc := range []struct {
		name      string
		n         int
		wantPool  string
		minPull   float64 // share of the log-distance from the broad to the narrow median
		maxPull   float64
		wantFewEN bool
	}{
		{"many", 200, PoolComponentsImpact, 0.8, 1.1, false},
		{"two", 2, PoolImpact, 0, 0.3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hist := gen(t, 3, append(broad(100), narrow(tc.n))...)
			e := Build(hist, testNow, DefaultConfig()).Estimate(q)
			checkEstimate(t, e, testNow)
			p50 := remaining(e, testNow)[0]
			pull := math.Log(p50/baseP50) / math.Log(narrowMedian/baseP50)
			t.Logf("P50 %.0f min (broad alone %.0f): pull %.2f toward the narrow median, pool %s", p50, baseP50, pull, e.Pool)
			if pull < tc.minPull || pull > tc.maxPull {
				t.Errorf("P50 %.0f min (broad alone %.0f, narrow median %.0f): pull %.2f, want in [%.1f, %.1f]",
					p50, baseP50, narrowMedian, pull, tc.minPull, tc.maxPull)
			}
			if e.Pool != tc.wantPool {
				t.Errorf("pool %q, want %q", e.Pool, tc.wantPool)
			}
		})
	}
}

func TestImpactPoolWhenImpactsDiffer(t *testing.T) {
	hist := gen(t, 4,
		genSpec{n: 300, median: 60, beta: 2, impact: "minor", ageFrom: time.Hour, ageTo: 365 * 24 * time.Hour},
		genSpec{n: 100, median: 480, beta: 2, impact: "critical", ageFrom: time.Hour, ageTo: 365 * 24 * time.Hour})
	m := Build(hist, testNow, DefaultConfig())
	crit := m.Estimate(Query{Impact: "critical", Start: testNow, Now: testNow})
	minor := m.Estimate(Query{Impact: "minor", Start: testNow, Now: testNow})
	if crit.Pool != PoolImpact || minor.Pool != PoolImpact {
		t.Errorf("pools %q and %q, want impact", crit.Pool, minor.Pool)
	}
	if c, n := remaining(crit, testNow)[0], remaining(minor, testNow)[0]; c < 300 || n > 90 {
		t.Errorf("critical P50 %.0f (true 480), minor P50 %.0f (true 60)", c, n)
	}
}

func TestPriorWithoutHistory(t *testing.T) {
	for _, tc := range []struct {
		name string
		hist []Record
		q    Query
	}{
		{"empty", nil, Query{Impact: "major", Start: testNow.Add(-10 * time.Minute), Now: testNow}},
		{"empty, monitoring", nil, Query{Impact: "minor", Start: testNow.Add(-2 * time.Hour), Monitoring: testNow.Add(-time.Hour), Now: testNow}},
		{"one incident", gen(t, 5, genSpec{n: 1, median: 60, beta: 2, impact: "minor", ageFrom: time.Hour, ageTo: 2 * time.Hour}),
			Query{Impact: "minor", Start: testNow, Now: testNow}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Build(tc.hist, testNow, DefaultConfig()).Estimate(tc.q)
			checkEstimate(t, e, testNow)
			if e.Pool != PoolPrior || !e.Few {
				t.Errorf("pool %q few %v, want prior and few", e.Pool, e.Few)
			}
			r := remaining(e, testNow)
			// The prior's range is wide: P90 several times P50.
			if r[2] < 3*r[0] {
				t.Errorf("range P50 %.0f – P90 %.0f min is not wide", r[0], r[2])
			}
		})
	}
	e := Build(nil, testNow, DefaultConfig()).Estimate(Query{Start: testNow, Now: testNow})
	if p50 := remaining(e, testNow)[0]; math.Abs(p50-90) > 1 {
		t.Errorf("empty history at elapsed 0: P50 %.1f min, want the prior's median 90", p50)
	}
}

func TestChance(t *testing.T) {
	hist := gen(t, 6, genSpec{n: 400, median: 180, beta: 2.5, impact: "minor", ageFrom: time.Hour, ageTo: 365 * 24 * time.Hour})
	m := Build(hist, testNow, DefaultConfig())
	q := Query{Impact: "minor", Start: testNow.Add(-30 * time.Minute), Now: testNow}
	for _, tc := range []struct {
		name         string
		announced    time.Time
		minP, maxP   float64
		wantNoCounts bool
	}{
		{"optimistic", testNow.Add(15 * time.Minute), 0, 0.1, false},
		{"median-ish", testNow.Add(150 * time.Minute), 0.3, 0.7, false},
		{"generous", testNow.Add(48 * time.Hour), 0.95, 1, false},
		{"in the past", testNow.Add(-time.Minute), 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := m.Chance(q, tc.announced)
			if c.P < tc.minP || c.P > tc.maxP {
				t.Errorf("P = %.3f, want in [%.2f, %.2f]", c.P, tc.minP, tc.maxP)
			}
			if tc.wantNoCounts {
				if c.Met != 0 || c.Of != 0 {
					t.Errorf("counts %d of %d for a past time, want none", c.Met, c.Of)
				}
				return
			}
			if c.Of < 300 || c.Met > c.Of {
				t.Errorf("%d of %d: want most of the 400 incidents comparable and Met ≤ Of", c.Met, c.Of)
			}
			if share := float64(c.Met) / float64(c.Of); math.Abs(share-c.P) > 0.08 {
				t.Errorf("counts say %.3f, model says %.3f", share, c.P)
			}
		})
	}
	// Chance at the estimate's own quantiles matches their levels.
	e := m.Estimate(q)
	for _, tc := range []struct {
		at   time.Time
		want float64
	}{{e.P50, 0.5}, {e.P80, 0.8}, {e.P90, 0.9}} {
		if c := m.Chance(q, tc.at); math.Abs(c.P-tc.want) > 0.01 {
			t.Errorf("Chance at the P%.0f = %.3f", tc.want*100, c.P)
		}
	}
}

func TestRecencyFavoursRecentHistory(t *testing.T) {
	const oldMedian, newMedian = 600.0, 60.0
	hist := gen(t, 7,
		genSpec{n: 300, median: oldMedian, beta: 2, impact: "minor", ageFrom: 6 * 365 * 24 * time.Hour, ageTo: 8 * 365 * 24 * time.Hour},
		genSpec{n: 300, median: newMedian, beta: 2, impact: "minor", ageFrom: time.Hour, ageTo: 365 * 24 * time.Hour})
	e := Build(hist, testNow, DefaultConfig()).Estimate(Query{Impact: "minor", Start: testNow, Now: testNow})
	p50 := remaining(e, testNow)[0]
	t.Logf("P50 %.0f min (recent median %.0f, old %.0f)", p50, newMedian, oldMedian)
	if math.Abs(math.Log(p50/newMedian)) >= math.Abs(math.Log(p50/oldMedian))/3 {
		t.Errorf("P50 %.0f min: not clearly closer to the recent median %.0f than to the old %.0f", p50, newMedian, oldMedian)
	}
	// With recency weighting practically off, the two halves count alike.
	cfg := DefaultConfig()
	cfg.HalfLife = 1e6 * time.Hour
	flat := remaining(Build(hist, testNow, cfg).Estimate(Query{Impact: "minor", Start: testNow, Now: testNow}), testNow)[0]
	if flat < 2*p50 {
		t.Errorf("without recency weighting P50 %.0f, with %.0f: weighting made little difference", flat, p50)
	}
}

func TestEstimateInvariants(t *testing.T) {
	hist := gen(t, 8, genSpec{n: 200, median: 120, beta: 1.3, impact: "minor", components: []string{"api"}, ageFrom: time.Hour, ageTo: 365 * 24 * time.Hour})
	// Open incidents too: censored at now.
	hist = append(hist, Record{ID: "open", Impact: "minor", Start: testNow.Add(-3 * time.Hour)})
	m := Build(hist, testNow, DefaultConfig())
	for _, tc := range []struct {
		name string
		q    Query
	}{
		{"just started", Query{Impact: "minor", Start: testNow, Now: testNow}},
		{"start in the future", Query{Impact: "minor", Start: testNow.Add(time.Hour), Now: testNow}},
		{"no start", Query{Impact: "minor", Now: testNow}},
		{"zero now uses build time", Query{Impact: "minor", Start: testNow.Add(-time.Hour)}},
		{"far beyond history", Query{Impact: "minor", Start: testNow.Add(-100 * 24 * time.Hour), Now: testNow}},
		{"monitoring just now", Query{Impact: "minor", Start: testNow.Add(-time.Hour), Monitoring: testNow, Now: testNow}},
		{"phase times in the future", Query{Impact: "minor", Start: testNow.Add(-time.Hour), Identified: testNow.Add(time.Hour), Now: testNow}},
		{"unknown impact and components", Query{Impact: "weird", Components: []string{"x", "x", " "}, Start: testNow.Add(-time.Hour), Now: testNow}},
		{"later now than build", Query{Impact: "minor", Start: testNow.Add(-time.Hour), Now: testNow.Add(24 * time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.q.Now
			if now.IsZero() {
				now = testNow
			}
			checkEstimate(t, m.Estimate(tc.q), now)
		})
	}
}

func TestDegenerateHistories(t *testing.T) {
	same := make([]Record, 50)
	open := make([]Record, 30)
	for i := range same {
		start := testNow.Add(-time.Duration(i+1) * 24 * time.Hour)
		same[i] = Record{Impact: "minor", Start: start, End: start.Add(30 * time.Minute)}
	}
	for i := range open {
		open[i] = Record{Impact: "minor", Start: testNow.Add(-time.Duration(i+1) * time.Hour)}
	}
	backwards := []Record{{Impact: "minor", Start: testNow.Add(-time.Hour), End: testNow.Add(-2 * time.Hour), Identified: testNow.Add(-3 * time.Hour)}}
	for _, tc := range []struct {
		name string
		hist []Record
	}{{"all the same duration", same}, {"all still open", open}, {"end before start", backwards}} {
		t.Run(tc.name, func(t *testing.T) {
			m := Build(tc.hist, testNow, DefaultConfig())
			for _, el := range []time.Duration{0, 20 * time.Minute, 10 * time.Hour} {
				q := Query{Impact: "minor", Start: testNow.Add(-el), Now: testNow}
				e := m.Estimate(q)
				checkEstimate(t, e, testNow)
				for _, r := range remaining(e, testNow) {
					if math.IsNaN(r) || math.IsInf(r, 0) || r > 1e7 {
						t.Errorf("elapsed %v: remaining %v", el, remaining(e, testNow))
					}
				}
				// At its P80 the chance is 0.8, or more when the one-minute floor or the
				// gap between published quantiles lifted it above the model's own P80.
				c := m.Chance(q, e.P80)
				mx := m.blend(q)
				lifted := mx.quantile(0.8) < minutes(e.P80.Sub(testNow))-1e-6
				if math.IsNaN(c.P) || c.P < 0.79 || (c.P > 0.81 && !lifted) {
					t.Errorf("elapsed %v: chance at P80 = %v (remaining %v)", el, c.P, remaining(e, testNow))
				}
			}
		})
	}
}

// TestEstimateSaysWhatSimilarMeant: the phase an estimate compared with is reported, so the
// words on the page (package wording) can say "still under investigation after 45 min".
func TestEstimateSaysWhatSimilarMeant(t *testing.T) {
	hist := gen(t, 9, genSpec{n: 400, median: 120, beta: 1.5, impact: "minor", ageFrom: time.Hour, ageTo: 365 * 24 * time.Hour,
		phases: func(rng *rand.Rand, d float64) (float64, float64) { return -1, d * 0.7 }})
	m := Build(hist, testNow, DefaultConfig())
	for _, tc := range []struct {
		name  string
		q     Query
		phase string
	}{
		{"investigating", Query{Impact: "minor", Start: testNow.Add(-45 * time.Minute), Now: testNow}, "investigating"},
		{"monitoring", Query{Impact: "minor", Start: testNow.Add(-90 * time.Minute), Monitoring: testNow.Add(-10 * time.Minute), Now: testNow}, "monitoring"},
		{"at start", Query{Impact: "minor", Start: testNow, Now: testNow}, "investigating"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := m.Estimate(tc.q)
			if e.Few {
				t.Fatalf("few with 400 incidents: %+v", e)
			}
			if e.Phase != tc.phase {
				t.Errorf("phase %q, want %q", e.Phase, tc.phase)
			}
		})
	}
}

func TestBuildIgnoresTheFuture(t *testing.T) {
	// A model built at t from records that carry later information (ends, phases, whole
	// incidents) must equal one built from the records as they stood at t.
	hist := gen(t, 10, genSpec{n: 300, median: 120, beta: 1.5, impact: "minor", components: []string{"api"}, ageFrom: time.Hour, ageTo: 200 * 24 * time.Hour,
		phases: func(rng *rand.Rand, d float64) (float64, float64) { return d * 0.2, d * 0.6 }})
	at := testNow.Add(-100 * 24 * time.Hour)
	var asOf []Record
	for _, r := range hist {
		if r.Start.After(at) {
			continue
		}
		if r.End.After(at) {
			r.End = time.Time{}
		}
		if r.Identified.After(at) {
			r.Identified = time.Time{}
		}
		if r.Monitoring.After(at) {
			r.Monitoring = time.Time{}
		}
		asOf = append(asOf, r)
	}
	full, trunc := Build(hist, at, DefaultConfig()), Build(asOf, at, DefaultConfig())
	for _, el := range []time.Duration{0, 40 * time.Minute, 3 * time.Hour} {
		for _, mon := range []bool{false, true} {
			q := Query{Impact: "minor", Components: []string{"api"}, Start: at.Add(-el), Now: at}
			if mon && el > 0 {
				q.Monitoring = at.Add(-el / 2)
			}
			a, b := full.Estimate(q), trunc.Estimate(q)
			if a != b {
				t.Errorf("elapsed %v monitoring %v: future-complete %+v, as-of %+v", el, mon, a, b)
			}
			// The backtest's focused build must match the full one.
			if c := build(hist, at, DefaultConfig(), &q).Estimate(q); c != a {
				t.Errorf("elapsed %v monitoring %v: focused build %+v, full %+v", el, mon, c, a)
			}
		}
	}
}

package eta

import (
	"math"
	"math/rand"
	"strconv"
	"testing"
	"time"
)

// driftService is a synthetic history of n incidents arriving at perYear a year, with
// log-logistic durations (median 2 h, tail exponent 1.4) that are multiplied by factor from
// incident change on: the step change the self-correction must track. Impacts, components
// and phases are drawn as in syntheticService. Every incident is resolved.
func driftService(n, change int, factor, perYear float64, seed int64) []Record {
	rng := rand.New(rand.NewSource(seed))
	t := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []Record
	for i := 0; i < n; i++ {
		t = t.Add(time.Duration(rng.ExpFloat64() / perYear * float64(365*24*time.Hour)))
		imp := "minor"
		if rng.Float64() < 0.3 {
			imp = "major"
		}
		d := logLogisticSample(rng, 120, 1.4)
		if i >= change {
			d *= factor
		}
		r := Record{ID: strconv.Itoa(i), Impact: imp, Components: []string{[]string{"api", "web", "db"}[rng.Intn(3)]}, Start: t}
		if rng.Float64() < 0.4 {
			r.Identified = t.Add(fromMinutes(d * (0.1 + 0.4*rng.Float64())))
		}
		if rng.Float64() < 0.7 {
			r.Monitoring = t.Add(fromMinutes(d * (0.5 + 0.4*rng.Float64())))
		}
		r.End = t.Add(fromMinutes(d))
		out = append(out, r)
	}
	return out
}

// coverage counts, per level, the published (corrected) and the model's own (raw)
// quantiles that the actual restoration did not outlast.
type coverage struct {
	n              int
	published, raw [nLevels]int
}

func (c *coverage) add(p evalPoint) {
	c.n++
	for l := range p.at {
		if !p.rec.End.After(p.at[l]) {
			c.published[l]++
		}
		if !p.rec.End.After(p.q.Now.Add(fromMinutes(p.raw[l]))) {
			c.raw[l]++
		}
	}
}

func (c *coverage) share(counts [nLevels]int, l int) float64 {
	return float64(counts[l]) / float64(c.n)
}

// replayAll replays recs to the end of their history, calling fn with every published
// range, and checks on the way that every range is strictly ordered.
func replayAll(t *testing.T, recs []Record, fn func(evalPoint)) *correction {
	t.Helper()
	recs = byStart(recs)
	var horizon time.Time
	for _, r := range recs {
		horizon = maxTime(horizon, r.End)
	}
	return replay(recs, 0, horizon, DefaultConfig(), memo{}, func(p evalPoint) {
		for l := 1; l < nLevels; l++ {
			if !p.at[l].After(p.at[l-1]) {
				t.Fatalf("%s at %v: published quantiles not strictly increasing: %v", p.rec.ID, p.q.Now, p.at)
			}
		}
		if !p.at[0].After(p.q.Now) {
			t.Fatalf("%s at %v: P10 %v not after now", p.rec.ID, p.q.Now, p.at[0])
		}
		fn(p)
	})
}

func TestCorrectionTracksStepChange(t *testing.T) {
	// Durations double after incident 400. Over the evaluations of the 100 incidents that
	// follow, the published P90 must cover 0.90 ± 0.04 (and P50 0.50 ± 0.05), where the
	// model alone, still remembering two years of the old durations, falls short. Page
	// sizes from a few dozen to a few hundred incidents a year: the model's memory is in
	// time, the correction's in outcomes.
	for _, tc := range []struct {
		perYear float64
		seed    int64
	}{{100, 1}, {100, 2}, {100, 3}, {30, 4}, {400, 5}} {
		t.Run(strconv.FormatFloat(tc.perYear, 'f', 0, 64)+"/"+strconv.FormatInt(tc.seed, 10), func(t *testing.T) {
			var after coverage
			replayAll(t, driftService(520, 400, 2, tc.perYear, tc.seed), func(p evalPoint) {
				if i, _ := strconv.Atoi(p.rec.ID); i >= 400 && i < 500 {
					after.add(p)
				}
			})
			pub, raw := after.share(after.published, lvl90), after.share(after.raw, lvl90)
			t.Logf("after the change: P90 covers %.3f published, %.3f by the model alone; P50 %.3f and %.3f (%d evaluations)",
				pub, raw, after.share(after.published, lvl50), after.share(after.raw, lvl50), after.n)
			if math.Abs(pub-0.9) > 0.04 {
				t.Errorf("P90 coverage over the 100 incidents after the change %.3f, want 0.90 ± 0.04", pub)
			}
			if p50 := after.share(after.published, lvl50); math.Abs(p50-0.5) > 0.05 {
				t.Errorf("P50 coverage over the 100 incidents after the change %.3f, want 0.50 ± 0.05", p50)
			}
			if raw50 := after.share(after.raw, lvl50); math.Abs(raw-0.9) <= 0.04 && math.Abs(raw50-0.5) <= 0.05 {
				t.Errorf("the model alone covers %.3f at P90 and %.3f at P50 after the change: the test no longer shows the correction at work", raw, raw50)
			}
		})
	}
}

func TestCorrectionStationary(t *testing.T) {
	// Without drift the correction must not cost calibration: over a long stationary
	// history P90 covers 0.90 ± 0.02 and P50 0.50 ± 0.05, overall and in each phase.
	for _, seed := range []int64{11, 12} {
		t.Run(strconv.FormatInt(seed, 10), func(t *testing.T) {
			var all coverage
			byPhase := make([]coverage, numPhases)
			replayAll(t, driftService(1200, 1200, 1, 150, seed), func(p evalPoint) {
				all.add(p)
				byPhase[p.cell.phase].add(p)
			})
			check := func(name string, c *coverage, tol90 float64) {
				p50, p90 := c.share(c.published, lvl50), c.share(c.published, lvl90)
				t.Logf("%s: %d evaluations, P50 covers %.3f, P90 %.3f", name, c.n, p50, p90)
				if math.Abs(p90-0.9) > tol90 || math.Abs(p50-0.5) > 0.05 {
					t.Errorf("%s: P90 coverage %.3f (want 0.90 ± %.2f), P50 %.3f (want 0.50 ± 0.05)", name, p90, tol90, p50)
				}
			}
			check("all", &all, 0.02)
			for ph := range byPhase {
				// A few hundred evaluations per phase: the binomial error alone is 0.015.
				check(phaseNames[ph], &byPhase[ph], 0.03)
			}
		})
	}
}

func TestCorrectionObserve(t *testing.T) {
	// The guarantee rests on this identity: a group's offset moves by η times its excess
	// misses, so a bounded offset means a miss rate near 1−τ.
	var k correction
	c := cell{phase: phaseIdentified, band: 2}
	rng := rand.New(rand.NewSource(1))
	misses := 0
	const n = 400
	for i := 0; i < n; i++ {
		miss := rng.Float64() < 0.2 // P90 missing twice as often as it should
		if miss {
			misses++
		}
		k.observe(c, lvl90, miss)
	}
	want := trackStep * (float64(misses) - 0.1*n)
	for name, got := range map[string]float64{"root": k.root[lvl90], "phase": k.phase[phaseIdentified][lvl90], "band": k.band[2][lvl90]} {
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s offset %.4f, want η·(misses − 0.1·n) = %.4f", name, got, want)
		}
	}
	if got := k.offset(c, lvl90); got <= 0 || k.offset(c, lvl50) != 0 || k.offset(cell{phase: phaseMonitoring, band: 0}, lvl90) != k.root[lvl90] {
		t.Errorf("offsets: cell %.3f, other level %.3f, other cell %.3f", got, k.offset(c, lvl50), k.offset(cell{phase: phaseMonitoring}, lvl90))
	}
	// Offsets stay bounded however one-sided the outcomes.
	for i := 0; i < 10000; i++ {
		k.observe(c, lvl90, true)
	}
	if k.root[lvl90] > maxOffset {
		t.Errorf("offset %.2f beyond its bound %.0f", k.root[lvl90], maxOffset)
	}
}

func TestCorrectionApplyOrdered(t *testing.T) {
	// Whatever the offsets — here P50 pushed up and P90 down as far as they go — the
	// published quantiles stay strictly increasing and after now.
	var k correction
	k.root = [nLevels]float64{maxOffset, maxOffset, -maxOffset, -maxOffset}
	for _, raw := range [][nLevels]float64{{10, 60, 200, 500}, {0, 0, 0, 0}, {5, 5, 5, 5}, {1e-9, 1e6, 2e6, 3e6}} {
		x := k.apply(raw, cell{}, 1)
		if x[0] < 1 || !(x[0] < x[1] && x[1] < x[2] && x[2] < x[3]) {
			t.Errorf("raw %v → published %v: not ordered or below the floor", raw, x)
		}
	}
	// A nil correction publishes the model's own quantiles.
	if x := (*correction)(nil).apply([nLevels]float64{10, 60, 200, 500}, cell{}, 1); x != [nLevels]float64{10, 60, 200, 500} {
		t.Errorf("nil correction changed the quantiles: %v", x)
	}
}

func TestBandOf(t *testing.T) {
	for e, want := range map[float64]int{0: 0, 29.9: 0, 30: 1, 59: 1, 60: 2, 119: 2, 120: 3, 239: 3, 240: 4, 1e5: 4} {
		if got := bandOf(e); got != want {
			t.Errorf("bandOf(%v) = %d, want %d", e, got, want)
		}
	}
}

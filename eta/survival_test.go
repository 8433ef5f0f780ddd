package eta

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"
)

// logLogisticSample draws a log-logistic duration in minutes with the given median and
// tail exponent β.
func logLogisticSample(rng *rand.Rand, median, beta float64) float64 {
	u := rng.Float64()
	for u == 0 {
		u = rng.Float64()
	}
	return median * math.Pow(u/(1-u), 1/beta)
}

// dist is a known duration distribution for the recovery tests.
type dist struct {
	name   string
	draw   func(*rand.Rand) float64
	surv   func(t float64) float64
	invSur func(p float64) float64 // t with surv(t) = p
}

func testDists() []dist {
	const lnMed, sigma = 4.787, 1.0 // log-normal: median e^4.787 ≈ 120 min
	const llMed, llBeta = 120.0, 1.3
	const wScale, wShape = 150.0, 0.7
	return []dist{
		{
			name:   "lognormal",
			draw:   func(r *rand.Rand) float64 { return math.Exp(lnMed + sigma*r.NormFloat64()) },
			surv:   func(t float64) float64 { return 0.5 * math.Erfc((math.Log(t)-lnMed)/(sigma*math.Sqrt2)) },
			invSur: func(p float64) float64 { return math.Exp(lnMed + sigma*math.Sqrt2*math.Erfcinv(2*p)) },
		},
		{
			name:   "loglogistic-pareto-tail",
			draw:   func(r *rand.Rand) float64 { return logLogisticSample(r, llMed, llBeta) },
			surv:   func(t float64) float64 { return 1 / (1 + math.Pow(t/llMed, llBeta)) },
			invSur: func(p float64) float64 { return llMed * math.Pow(1/p-1, 1/llBeta) },
		},
		{
			name:   "weibull",
			draw:   func(r *rand.Rand) float64 { return wScale * math.Pow(-math.Log(1-r.Float64()), 1/wShape) },
			surv:   func(t float64) float64 { return math.Exp(-math.Pow(t/wScale, wShape)) },
			invSur: func(p float64) float64 { return wScale * math.Pow(-math.Log(p), 1/wShape) },
		},
	}
}

// trueRemaining is the q-quantile of the remaining time after surviving e:
// the x with P(T > e+x | T > e) = 1−q.
func trueRemaining(d dist, e, q float64) float64 {
	return d.invSur((1-q)*d.surv(e)) - e
}

// censoredHistory draws n durations. With censorShare 0 every incident is long over.
// Otherwise each incident also gets an independent censoring time C, exponential with the
// mean that makes about censorShare of them end up censored; an incident with C < T is
// still open at now, started C ago (that is how censoring reaches Build), and the others
// are resolved. Weights are made equal by the caller's long half-life.
func censoredHistory(t *testing.T, d dist, n int, seed int64, censorShare float64, now time.Time) (recs []Record, censored int) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	durs := make([]float64, n)
	exps := make([]float64, n)
	for i := range durs {
		durs[i] = d.draw(rng)
		exps[i] = rng.ExpFloat64()
	}
	mean := math.Inf(1)
	if censorShare > 0 {
		lo, hi := 1.0, 1e9
		for i := 0; i < 100; i++ {
			mid := math.Sqrt(lo * hi)
			c := 0
			for j, v := range durs {
				if exps[j]*mid < v {
					c++
				}
			}
			if float64(c)/float64(n) > censorShare {
				lo = mid
			} else {
				hi = mid
			}
		}
		mean = hi
	}
	for i, v := range durs {
		r := Record{ID: fmt.Sprint(i), Impact: "minor"}
		if c := exps[i] * mean; c < v {
			r.Start = now.Add(-fromMinutes(c))
			censored++
		} else {
			r.Start = now.Add(-fromMinutes(v + 1 + rng.Float64()*1e5))
			r.End = r.Start.Add(fromMinutes(v))
		}
		recs = append(recs, r)
	}
	return recs, censored
}

func TestRecoversConditionalQuantiles(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := DefaultConfig()
	cfg.HalfLife = 1e6 * time.Hour // equal weights: this test is about the survival estimate
	for _, d := range testDists() {
		for _, share := range []float64{0, 0.3} {
			t.Run(fmt.Sprintf("%s/censored=%.0f%%", d.name, share*100), func(t *testing.T) {
				recs, cens := censoredHistory(t, d, 6000, 7, share, now)
				if got := float64(cens) / float64(len(recs)); math.Abs(got-share) > 0.05 {
					t.Fatalf("censored share %.2f, want about %.2f", got, share)
				}
				m := Build(recs, now, cfg)
				for _, e := range []float64{0, 60, 240} {
					q := Query{Impact: "minor", Start: now.Add(-fromMinutes(e)), Now: now}
					est := m.Estimate(q)
					for _, c := range []struct {
						q   float64
						got time.Time
					}{{0.5, est.P50}, {0.8, est.P80}, {0.9, est.P90}} {
						want := trueRemaining(d, e, c.q)
						got := minutes(c.got.Sub(now))
						// A quantile is as precise as the incidents still observed around
						// it: allow 8% plus sampling noise of order 1/√(at risk there).
						_, atRisk := m.all.total.effective(e + want)
						tol := 0.08 + 0.5/math.Sqrt(math.Max(1, float64(atRisk)))
						if rel := math.Abs(got-want) / want; rel > tol {
							t.Errorf("e=%v q=%.1f: remaining %.1f min, true %.1f (off by %.0f%%, tolerance %.0f%% with %d at risk)",
								e, c.q, got, want, rel*100, tol*100, atRisk)
						}
					}
				}
			})
		}
	}
}

// TestCensoringDoesNotBias compares with the naive estimate that drops open incidents:
// that one is biased short, because the incidents still open are the long ones.
func TestCensoringDoesNotBias(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := DefaultConfig()
	cfg.HalfLife = 1e6 * time.Hour
	for _, d := range testDists() {
		t.Run(d.name, func(t *testing.T) {
			recs, _ := censoredHistory(t, d, 4000, 11, 0.3, now)
			est := Build(recs, now, cfg).Estimate(Query{Impact: "minor", Start: now, Now: now})
			var done []float64
			for _, r := range recs {
				if !r.End.IsZero() {
					done = append(done, minutes(r.End.Sub(r.Start)))
				}
			}
			sort.Float64s(done)
			naive90 := done[int(0.9*float64(len(done)))]
			want := trueRemaining(d, 0, 0.9)
			model := minutes(est.P90.Sub(now))
			if math.Abs(model-want) >= math.Abs(naive90-want) {
				t.Errorf("P90: model %.0f, naive %.0f, true %.0f: the model should be closer", model, naive90, want)
			}
			if naive90 > 0.9*want {
				t.Errorf("naive P90 %.0f is not biased short against true %.0f; the test's censoring is too weak", naive90, want)
			}
		})
	}
}

func TestCurveBasics(t *testing.T) {
	tail := burr{mu: math.Log(100), c: 1, k: 1}
	o := []obs{{t: 10, w: 1, event: true}, {t: 15, w: 1}, {t: 20, w: 1, event: true}, {t: 30, w: 1, event: true}, {t: 40, w: 1}}
	t.Run("kaplan-meier without prior", func(t *testing.T) {
		// With a negligible prior strength the estimate is Kaplan–Meier: 5 at risk, one
		// restored at 10 → 4/5; one censored at 15; 3 at risk at 20 → 4/5·2/3; 2 at 30 → ·1/2.
		c := newCurve(o, tail, 1e-12)
		for _, tc := range []struct{ t, want float64 }{
			{5, 1}, {10, 0.8}, {12, 0.8}, {15, 0.8}, {20, 0.8 * 2 / 3}, {30, 0.8 * 2 / 3 / 2}, {35, 0.8 * 2 / 3 / 2},
		} {
			if got := c.S(tc.t); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("S(%v) = %v, want %v", tc.t, got, tc.want)
			}
		}
	})
	t.Run("parametric past the data", func(t *testing.T) {
		c := newCurve(o, tail, 5)
		for _, x := range []float64{60, 600, 6000} {
			if got, want := c.S(x)/c.S(40), tail.S(x)/tail.S(40); math.Abs(got-want) > 1e-12 {
				t.Errorf("S(%v)/S(40) = %v, want the tail's %v", x, got, want)
			}
		}
		// Between data points the prior hazard counts as c of c+Y at risk.
		if got, want := c.S(12)/c.S(10), math.Pow(tail.S(12)/tail.S(10), 5.0/(5+4)); math.Abs(got-want) > 1e-12 {
			t.Errorf("S(12)/S(10) = %v, want %v", got, want)
		}
	})
	t.Run("quantiles invert the survival function", func(t *testing.T) {
		rng := rand.New(rand.NewSource(1))
		var big []obs
		for i := 0; i < 300; i++ {
			big = append(big, obs{t: logLogisticSample(rng, 60, 1.5), w: rng.Float64(), event: rng.Float64() < 0.8})
		}
		sort.Slice(big, func(i, j int) bool { return big[i].t < big[j].t })
		c := newCurve(big, tail, 5)
		for _, s := range []float64{0, 30, 200, 5000} {
			for _, q := range []float64{0.1, 0.5, 0.8, 0.9, 0.99} {
				x := c.condQuantile(s, q)
				// The first x with P(T ≤ s+x | T > s) ≥ q: reached at x, not just before.
				at, before := 1-c.S(s+x)/c.S(s), 1-c.S(s+x*(1-1e-9))/c.S(s)
				if at < q-1e-9 || before > q+1e-9 {
					t.Errorf("s=%v q=%v: x=%.3f gives %.6f (just before: %.6f)", s, q, x, at, before)
				}
			}
		}
	})
	c := newCurve(o, tail, 5)
	if n, raw := c.effective(12); raw != 4 || math.Abs(n-4) > 1e-12 {
		t.Errorf("effective(12) = %v, %d; want 4, 4", n, raw)
	}
	if met, of := c.counts(12, 10); met != 1 || of != 3 {
		t.Errorf("counts(12, 10) = %d of %d; want 1 of 3 (the one censored at 15 is unknown)", met, of)
	}
}

func TestFitBurr(t *testing.T) {
	for _, tc := range []struct {
		name string
		want burr
	}{
		{"log-logistic", burr{mu: math.Log(200), c: 1.5, k: 1}},
		{"heavier tail than body", burr{mu: math.Log(100), c: 2.5, k: 0.4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(3))
			var o []obs
			for i := 0; i < 5000; i++ {
				v := tc.want.quantile(rng.Float64())
				c := 20 + rng.Float64()*5000 // independent censoring
				if v <= c {
					o = append(o, obs{t: v, w: 1, event: true})
				} else {
					o = append(o, obs{t: c, w: 1})
				}
			}
			p0 := burr{mu: math.Log(90), c: 1.2, k: 1}
			got := fitBurr(o, p0, p0)
			for _, q := range []float64{0.5, 0.9, 0.99} {
				g, w := got.quantile(q), tc.want.quantile(q)
				if math.Abs(g-w)/w > 0.1 {
					t.Errorf("q=%v: fitted %.0f, true %.0f (fit %+v)", q, g, w, got)
				}
			}
			if g, w := got.c*got.k, tc.want.c*tc.want.k; math.Abs(g-w)/w > 0.15 {
				t.Errorf("tail exponent %.2f, want %.2f", g, w)
			}
		})
	}
	if p := fitBurr(nil, burr{mu: 4, c: 0.8, k: 1}, burr{mu: 4, c: 0.8, k: 1}); p != (burr{mu: 4, c: 0.8, k: 1}) {
		t.Errorf("no data: got %+v, want the prior", p)
	}
}

package eta

import (
	"math"
	"time"
)

// level is one layer of the shrinkage chain for a query: a survival curve of durations
// from start, and the share of the estimate it gets.
type level struct {
	c       *curve
	pool    string
	byPhase bool    // the curve holds only incidents in the query's phase at its landmark
	n       float64 // effective comparable incidents (open at the query's elapsed time)
	weight  float64
}

// blend is a query's conditional remaining-time distribution: the levels' survival
// curves conditioned on lasting the elapsed time, combined with shrinkage weights
// (see quantile), ending in the fitted parametric distribution (itself shrunk toward the
// prior) for whatever weight the data levels leave over.
type blend struct {
	levels   []level
	tail     burr
	tailW    float64
	phase    phase
	elapsed  float64 // minutes since start
	chosen   int     // index into levels of the level the estimate mostly rests on; -1 for prior
	samples  int
	poolName string
}

// phase returns the query's phase at Now.
func (q Query) phase() phase {
	return phaseAt(minutes(q.Now.Sub(q.Start)),
		entryMinutes(q.Start, q.Identified, q.Now), entryMinutes(q.Start, q.Monitoring, q.Now))
}

// blend assembles the shrinkage chain for q, from narrow to broad:
//
//	components+impact, impact, all   incidents open and in q's phase at the landmark ≤ elapsed
//	components+impact, impact, all   incidents open at elapsed, whatever their phase
//	fitted Burr XII distribution, with the prior inside its fit
//
// Every curve is conditioned on lasting the elapsed time e: the remaining time is
// P(T > e+x | T > e). Each level takes n/(n+k) of the weight its parents would otherwise
// get, n being its effective count of incidents open at e. Phase comes first because, as
// history shows, it says more about what remains than components or impact do (this is
// landmarking: compare with incidents that were in the same state at the same age); with
// thin phase data the estimate falls back to elapsed-only conditioning, which every
// incident has, and finally to the parametric fit.
func (m *Model) blend(q Query) blend {
	if q.Start.IsZero() || q.Start.After(q.Now) {
		q.Start = q.Now
	}
	mx := blend{
		phase:   q.phase(),
		elapsed: math.Max(0, minutes(q.Now.Sub(q.Start))),
		tail:    m.tail,
		levels:  make([]level, 0, 6),
	}
	k := landmarkIndex(m.grid, mx.elapsed)
	ik := normImpact(q.Impact)
	nk, hasNarrow := narrowKey(ik, q.Components)
	pools := [3]*pool{nil, m.impact[ik], m.all}
	if hasNarrow {
		pools[0] = m.narrow[nk]
	}
	names := [3]string{PoolComponentsImpact, PoolImpact, PoolAll}
	for i, p := range pools {
		if p != nil && k < len(p.byPhase) && p.byPhase[k][mx.phase] != nil {
			mx.levels = append(mx.levels, level{c: p.byPhase[k][mx.phase], pool: names[i], byPhase: true})
		}
	}
	for i, p := range pools {
		if p != nil && !p.total.empty() {
			mx.levels = append(mx.levels, level{c: p.total, pool: names[i]})
		}
	}

	rest := 1.0
	for i := range mx.levels {
		l := &mx.levels[i]
		l.n, _ = l.c.effective(mx.elapsed)
		if l.n <= 0 {
			continue
		}
		shrink := m.cfg.Shrinkage
		switch l.pool {
		case PoolComponentsImpact:
			shrink = m.kNar
		case PoolImpact:
			shrink = m.kImp
		}
		l.weight = rest * l.n / (l.n + shrink)
		rest -= l.weight
	}
	mx.tailW = rest

	// The estimate "rests on" the level with the largest share; ties go to the narrower.
	mx.chosen, mx.poolName = -1, PoolPrior
	best := mx.tailW
	for i, l := range mx.levels {
		if l.weight > best {
			best, mx.chosen, mx.poolName = l.weight, i, l.pool
		}
	}
	if mx.chosen >= 0 {
		mx.samples = int(math.Round(mx.levels[mx.chosen].n))
	} else if n := len(mx.levels); n > 0 && mx.levels[n-1].pool == PoolAll && !mx.levels[n-1].byPhase {
		mx.samples = int(math.Round(mx.levels[n-1].n))
	}
	return mx
}

// quantile returns the remaining minutes by which the incident is restored with
// probability q: the weighted geometric mean of the levels' own conditional quantiles.
//
// Averaging log quantiles, rather than mixing survival curves, is what the shrinkage
// weights mean: under a hierarchical model of log durations (shrink.go) a pool's posterior
// location is the weighted average of its own and its parent's. It also keeps the range
// unimodal: a blend of a thin, fast phase pool and a slow fallback would put P50 with
// one and P90 with the other.
func (mx *blend) quantile(q float64) float64 {
	sum := 0.0
	for _, l := range mx.levels {
		if l.weight > 0 {
			sum += l.weight * math.Log(math.Max(l.c.condQuantile(mx.elapsed, q), minQuantile))
		}
	}
	if mx.tailW > 0 {
		sum += mx.tailW * math.Log(math.Max(mx.tail.condQuantile(mx.elapsed, q), minQuantile))
	}
	return math.Exp(sum)
}

// minQuantile bounds level quantiles away from zero before their logs are averaged (a
// level whose next restoration is immediate must not drag the estimate to zero): one
// second.
const minQuantile = 1.0 / 60

// raw returns the blend's remaining-time quantiles at the tracked levels, in minutes.
func (mx *blend) raw() [nLevels]float64 {
	var r [nLevels]float64
	for l, p := range levels {
		r[l] = mx.quantile(p)
	}
	return r
}

// cell is the group of the self-correction the query belongs to.
func (mx *blend) cell() cell { return cell{phase: mx.phase, band: int8(bandOf(mx.elapsed))} }

// cdf returns P(restored within x minutes) under the corrected distribution, inverting
// quantile·exp(θ) by bisection on the level: 50 halvings are far finer than anyone reads.
// Between the tracked levels the offset θ is interpolated linearly, beyond them it is
// the nearest level's.
func (mx *blend) cdf(x float64, k *correction) float64 {
	c := mx.cell()
	lo, hi := 0.0, 1.0
	for i := 0; i < 50; i++ {
		mid := (lo + hi) / 2
		if mx.quantile(mid)*math.Exp(k.offsetAt(c, mid)) <= x {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// Estimate returns the restoration range for the open incident q. Each level's quantile
// is a binary search on a curve precomputed by Build; the self-correction then scales
// them (correct.go).
func (m *Model) Estimate(q Query) Estimate {
	if q.Now.IsZero() {
		q.Now = m.now
	}
	mx := m.blend(q)
	x := m.corr.apply(mx.raw(), mx.cell(), minutes(m.cfg.MinRemaining))
	e := Estimate{
		P50:     q.Now.Add(fromMinutes(x[lvl50])),
		P80:     q.Now.Add(fromMinutes(x[lvl80])),
		P90:     q.Now.Add(fromMinutes(x[lvl90])),
		Samples: mx.samples,
		Pool:    mx.poolName,
		Few:     mx.poolName == PoolPrior || mx.samples < m.cfg.FewBelow,
	}
	if mx.chosen >= 0 && mx.levels[mx.chosen].byPhase {
		e.Phase = mx.phase.String()
	}
	return e
}

// Chance returns the probability that q is restored by announced, given it is still open
// at q.Now, with the raw counts behind it from the pool the estimate rests on.
func (m *Model) Chance(q Query, announced time.Time) Chance {
	if q.Now.IsZero() {
		q.Now = m.now
	}
	mx := m.blend(q)
	x := minutes(announced.Sub(q.Now))
	if x <= 0 {
		return Chance{}
	}
	ch := Chance{P: mx.cdf(x, m.corr)}
	var l *level
	if mx.chosen >= 0 {
		l = &mx.levels[mx.chosen]
	} else if n := len(mx.levels); n > 0 {
		l = &mx.levels[n-1] // the broadest data there is, however thin
	}
	if l != nil {
		ch.Met, ch.Of = l.c.counts(mx.elapsed, x)
	}
	return ch
}

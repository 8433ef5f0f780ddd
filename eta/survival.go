package eta

import "math"

// obs is one incident's contribution to a survival curve: its duration in minutes from
// start, whether it ended in a restoration (event) or is still open (censored, the
// duration so far), and its recency weight.
type obs struct {
	t     float64
	w     float64
	a0    float64 // the model's parametric cumulative hazard at t, when known (see init)
	event bool
}

// curve is a survival estimate for one group of incidents, with everything Estimate
// needs precomputed so that a query is a few binary searches.
//
// The estimator is the posterior mean of Hjort's beta process (Ann. Statist. 18, 1990)
// centred on the fitted Burr XII distribution (prior.go): at each moment the hazard is
//
//	dA(t) = (c·dA₀(t) + dN(t)) / (c + Y(t))
//
// with dN the weight of restorations at t, Y(t) the weight still at risk, A₀ the
// parametric cumulative hazard and c a prior strength counted in incidents. Where many
// incidents are at risk this is the Kaplan–Meier / Nelson–Aalen estimate; where few are,
// the hazard moves smoothly to the parametric one; past the longest incident it is the
// parametric tail. A plain KM there would either stop (last observation censored) or
// claim that nothing lasts longer than the longest incident seen (last one an event),
// and it is at its noisiest exactly where P90 of a heavy-tailed duration usually lies:
// among the last handful at risk.
//
// Weights are rescaled per curve so that they sum to Kish's effective size: with recency
// weights, c must be compared with effective incidents, not with raw weight.
type curve struct {
	pts  []point // one per distinct observation time, ascending
	c    float64 // prior strength, in effective incidents
	tail burr
}

// point is the curve at one distinct observation time. A single slice of these keeps a
// curve to one allocation: Build makes thousands of curves, most of them small.
type point struct {
	t      float64
	logS   float64 // log survival just after t
	a0     float64 // parametric cumulative hazard A₀(t)
	riskW  float64 // Σw over observations lasting at least t (Kish-scaled)
	riskW2 float64 // Σw² over the same set, for Kish's effective size
	riskN  int32   // raw count at risk, for the human-readable "N of M"
	cumEv  int32   // raw count of events at or before t
	cumCen int32   // raw count of censored observations at or before t
}

// newCurve builds the curve from observations sorted by time.
func newCurve(o []obs, tail burr, c float64) *curve {
	cv := &curve{}
	cv.init(o, make([]point, len(o)), tail, c, false)
	return cv
}

// init builds the curve from observations sorted by time, taking its points from the
// front of slab (zeroed, at least len(o) long) and returning the rest. Build carves every
// curve out of one slab: a model holds thousands of curves, most of them small. With
// haveA0 the observations carry tail's cumulative hazard at their times, which Build
// computes once per incident rather than once per curve the incident is in.
func (cv *curve) init(o []obs, slab []point, tail burr, c float64, haveA0 bool) []point {
	cv.tail, cv.c = tail, c
	if len(o) == 0 {
		return slab
	}
	distinct := 1
	var sw, sw2 float64
	for i, x := range o {
		if i > 0 && x.t > o[i-1].t {
			distinct++
		}
		sw += x.w
		sw2 += x.w * x.w
	}
	scale := 1.0
	if sw2 > 0 {
		scale = sw / sw2
	}
	cv.pts = slab[:distinct:distinct]
	// Forward pass: per-time totals (event weight kept in logS for now) and raw counts.
	k := -1
	ev, cen := int32(0), int32(0)
	for i, x := range o {
		if i == 0 || x.t > o[i-1].t {
			k++
			cv.pts[k].t = x.t
			if haveA0 {
				cv.pts[k].a0 = x.a0
			} else {
				cv.pts[k].a0 = tail.cumHazard(x.t)
			}
		}
		p := &cv.pts[k]
		w := x.w * scale
		p.riskW += w // made suffix sums below
		p.riskW2 += w * w
		p.riskN++
		if x.event {
			p.logS += w
			ev++
		} else {
			cen++
		}
		p.cumEv, p.cumCen = ev, cen
	}
	var w, w2 float64
	var n int32
	for k := len(cv.pts) - 1; k >= 0; k-- {
		p := &cv.pts[k]
		w += p.riskW
		w2 += p.riskW2
		n += p.riskN
		p.riskW, p.riskW2, p.riskN = w, w2, n
	}
	logS, a0 := 0.0, 0.0
	for k := range cv.pts {
		p := &cv.pts[k]
		d := p.logS
		// Continuous part over (t_{k-1}, t_k], where p.riskW are at risk, then the jump.
		logS -= c / (c + p.riskW) * (p.a0 - a0)
		if d > 0 {
			logS += math.Log1p(-d / (c + p.riskW))
		}
		p.logS, a0 = logS, p.a0
	}
	return slab[distinct:]
}

// empty reports whether the curve has no observations at all.
func (cv *curve) empty() bool { return cv == nil || len(cv.pts) == 0 }

// upTo returns the number of points with time ≤ t.
func (cv *curve) upTo(t float64) int {
	lo, hi := 0, len(cv.pts)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cv.pts[mid].t <= t {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// atRisk returns the index of the first point with time ≥ s, or len(pts) if none.
func (cv *curve) atRisk(s float64) int {
	lo, hi := 0, len(cv.pts)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cv.pts[mid].t < s {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// logS is log P(T > t).
func (cv *curve) logS(t float64) float64 {
	k := cv.upTo(t)
	base, a0, y := 0.0, 0.0, 0.0
	if k > 0 {
		base, a0 = cv.pts[k-1].logS, cv.pts[k-1].a0
	}
	if k < len(cv.pts) {
		y = cv.pts[k].riskW
	}
	return base - cv.c/(cv.c+y)*(cv.tail.cumHazard(t)-a0)
}

// S is the survival function P(T > t).
func (cv *curve) S(t float64) float64 { return math.Exp(cv.logS(t)) }

// effective returns Kish's effective sample size of the incidents still open at s on
// this curve's clock, (Σw)²/Σw², and their raw count. Recency weights make old incidents
// count for less, and this is the honest count of how much history stands behind the
// conditional curve.
func (c *curve) effective(s float64) (float64, int) {
	if c.empty() {
		return 0, 0
	}
	k := c.atRisk(s)
	if k >= len(c.pts) || c.pts[k].riskW2 <= 0 {
		return 0, 0
	}
	p := c.pts[k]
	return p.riskW * p.riskW / p.riskW2, int(p.riskN)
}

// condQuantile returns the x with P(T ≤ s+x | T > s) = q.
func (c *curve) condQuantile(s, q float64) float64 {
	return math.Max(0, c.timeAt(c.logS(s)+math.Log1p(-q))-s)
}

// timeAt returns the first t with log S(t) ≤ L: a binary search for the segment, then the
// segment's closed form. Between observations log S falls linearly in the parametric
// cumulative hazard, which the Burr family inverts exactly; at an observation it may
// jump past L.
func (c *curve) timeAt(L float64) float64 {
	n := len(c.pts)
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c.pts[mid].logS <= L {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	k := lo
	prevLogS, prevA0, prevT := 0.0, 0.0, 0.0
	if k > 0 {
		prevLogS, prevA0, prevT = c.pts[k-1].logS, c.pts[k-1].a0, c.pts[k-1].t
	}
	r := 1.0 // past the last observation nobody is at risk: the parametric hazard alone
	if k < n {
		r = c.c / (c.c + c.pts[k].riskW)
		if prevLogS-r*(c.pts[k].a0-prevA0) > L {
			return c.pts[k].t // the restorations at t_k carry log S past L
		}
	}
	t := c.tail.timeAtCumHazard(prevA0 + (prevLogS-L)/r)
	if t < prevT {
		t = prevT
	}
	if k < n && t > c.pts[k].t {
		t = c.pts[k].t
	}
	return t
}

// counts returns, among the incidents that lasted at least s on this clock, how many
// were restored within the following x minutes (met) and how many have a known outcome at
// that horizon (of): those restored by then plus those known to have lasted longer.
// Incidents censored in between are left out, because nobody knows whether they made it.
func (c *curve) counts(s, x float64) (met, of int) {
	if c.empty() {
		return 0, 0
	}
	k := c.atRisk(s)
	if k >= len(c.pts) {
		return 0, 0
	}
	j := c.upTo(s + x)
	var evBefore, cenBefore int32
	if k > 0 {
		evBefore, cenBefore = c.pts[k-1].cumEv, c.pts[k-1].cumCen
	}
	evUpTo, cenUpTo := evBefore, cenBefore
	if j > 0 {
		evUpTo, cenUpTo = c.pts[j-1].cumEv, c.pts[j-1].cumCen
	}
	return int(evUpTo - evBefore), int(c.pts[k].riskN - (cenUpTo - cenBefore))
}

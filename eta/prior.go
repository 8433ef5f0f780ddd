package eta

import "math"

// burr is the parametric family behind the prior and the tails: Burr type XII, also
// called Singh–Maddala, with survival
//
//	S(t) = (1 + (t/m)^c)^(−k)
//
// For k = 1 it is the log-logistic, whose body is log-symmetric like a log-normal's; in
// general the body rises with slope c on log scale and the tail falls off as a power law,
// S(t) ~ (t/m)^(−c·k), with the tail exponent c·k free of the body. That freedom matters:
// outage durations are heavy-tailed — Naldi (DRCN 2013) found them well modelled by a
// generalised Pareto tail, Dunne & Malone (J. Systems and Software 131, 2017) fitted
// Pareto and log-normal service times to 300 cloud outages, and the mean incident on
// Atlassian Statuspage in 2017 (104.5 years over ~175 000 incidents: about 5 h) is
// several times the typical median of 1–3 h — while a log-normal, or a log-logistic fitted
// to the body, decays too fast and underestimates the top percent. (On the history this
// was developed on, a log-logistic fit put P99 at a third of the observed one.)
//
// mu is log m (minutes); c and k are positive.
type burr struct {
	mu, c, k float64
}

// S is P(T > t) for t in minutes.
func (d burr) S(t float64) float64 { return math.Exp(-d.cumHazard(t)) }

// cumHazard is −log S(t) = k·log(1 + (t/m)^c).
func (d burr) cumHazard(t float64) float64 {
	if t <= 0 {
		return 0
	}
	return d.k * softplus(d.c*(math.Log(t)-d.mu))
}

// timeAtCumHazard returns the t with cumHazard(t) = h: the inverse of softplus is
// log(e^y − 1).
func (d burr) timeAtCumHazard(h float64) float64 {
	if h <= 0 {
		return 0
	}
	y := h / d.k
	z := y
	if y < 30 {
		z = math.Log(math.Expm1(y))
	}
	return math.Exp(d.mu + z/d.c)
}

// condQuantile returns the x with P(T ≤ s+x | T > s) = q.
func (d burr) condQuantile(s, q float64) float64 {
	return math.Max(0, d.timeAtCumHazard(d.cumHazard(s)-math.Log1p(-q))-s)
}

// quantile returns the t with P(T ≤ t) = q.
func (d burr) quantile(q float64) float64 {
	return math.Exp(d.mu + math.Log(math.Expm1(-math.Log1p(-q)/d.k))/d.c)
}

// prior returns the configured prior of incident durations: a log-logistic (k = 1) with
// the configured median and tail exponent.
func (cfg Config) prior() burr {
	return burr{mu: math.Log(cfg.PriorMedian.Minutes()), c: cfg.PriorShape, k: 1}
}

// Widths of the Gaussian priors on log m, log c and log k in the MAP fit. They let a few
// dozen incidents move the fit freely while keeping a fit on two or three incidents from
// collapsing to a point mass or an absurd tail; log k's prior centres the family on the
// log-logistic, so that the tail departs from it only as far as the data insist.
const (
	priorSDMu = 1.0
	priorSDC  = 0.5
	priorSDK  = 0.5
)

// fitBurr fits the family to weighted, right-censored durations by maximum a
// posteriori: the censored log-likelihood Σ w·[δ·log f(t) + (1−δ)·log S(t)] plus
// Gaussian priors centred on prior. Weights are rescaled so that they sum to Kish's
// effective sample size: recency weighting must not pretend to have more information
// than the incidents carry. The search starts at start (prior, or an earlier fit to
// nearly the same data). With no data the prior itself is returned.
func fitBurr(o []obs, prior, start burr) burr {
	var sw, sw2 float64
	for _, x := range o {
		sw += x.w
		sw2 += x.w * x.w
	}
	if sw <= 0 || sw2 <= 0 {
		return prior
	}
	scale := sw / sw2 // Σ(w·scale) = (Σw)²/Σw²
	ys := make([]float64, len(o))
	for i, x := range o {
		ys[i] = math.Log(x.t)
	}
	p0 := [3]float64{prior.mu, math.Log(prior.c), math.Log(prior.k)}
	sd := [3]float64{priorSDMu, priorSDC, priorSDK}
	// eval returns the log-posterior with its gradient and Hessian in θ = (mu, log c,
	// log k), in one pass with one exp and one log per observation: the fit runs in every
	// Build. With δ the event indicator, z = c·(y−mu), p = sigmoid(z), s = softplus(z):
	//   ℓ = δ·(log k + log c − y + z) − (k+δ)·s,   g = ∂ℓ/∂z = δ − (k+δ)·p,
	// and the derivatives below follow from ∂z/∂mu = −c, ∂z/∂log c = z, ∂k/∂log k = k.
	eval := func(th [3]float64) (f float64, gr [3]float64, h [3][3]float64) {
		mu, c, k := th[0], math.Exp(th[1]), math.Exp(th[2])
		for i, x := range o {
			w := x.w * scale
			z := c * (ys[i] - mu)
			ez := math.Exp(-math.Abs(z))
			s := math.Log1p(ez)
			var p float64
			if z >= 0 {
				s += z
				p = 1 / (1 + ez)
			} else {
				p = ez / (1 + ez)
			}
			d := 0.0
			if x.event {
				d = 1
				f += w * (th[2] + th[1] - ys[i] + z)
			}
			f -= w * (k + d) * s
			g := d - (k+d)*p
			g1 := -(k + d) * p * (1 - p)
			gr[0] += w * -c * g
			gr[1] += w * (d + z*g)
			gr[2] += w * (d - k*s)
			h[0][0] += w * c * c * g1
			h[0][1] += w * -c * (g + z*g1)
			h[0][2] += w * c * k * p
			h[1][1] += w * (z*g + z*z*g1)
			h[1][2] += w * -k * p * z
			h[2][2] += w * -k * s
		}
		for j := range th {
			dv := th[j] - p0[j]
			f -= dv * dv / (2 * sd[j] * sd[j])
			gr[j] -= dv / (sd[j] * sd[j])
			h[j][j] -= 1 / (sd[j] * sd[j])
		}
		h[1][0], h[2][0], h[2][1] = h[0][1], h[0][2], h[1][2]
		return
	}
	// Levenberg–Marquardt on the log-posterior: a Newton step on −H + λI, with λ raised
	// while the step does not improve and lowered after one that does.
	th := [3]float64{start.mu, math.Log(start.c), math.Log(start.k)}
	f, gr, h := eval(th)
	lambda := 1e-3
	for it := 0; it < 60; it++ {
		var a [3][3]float64
		for i := range a {
			for j := range a[i] {
				a[i][j] = -h[i][j]
			}
			a[i][i] += lambda * (1 + math.Abs(a[i][i]))
		}
		step, ok := solve3(a, gr)
		if !ok {
			lambda *= 10
			continue
		}
		var nt [3]float64
		for j := range th {
			nt[j] = th[j] + step[j]
		}
		if math.Abs(step[0])+math.Abs(step[1])+math.Abs(step[2]) < 1e-7 {
			// Converged: the step is far below any precision that matters, so take it
			// without paying for one more pass over the data to confirm it.
			th = nt
			break
		}
		nf, ng, nh := eval(nt)
		if nf >= f && !math.IsNaN(nf) {
			th, f, gr, h = nt, nf, ng, nh
			lambda = math.Max(lambda/10, 1e-9)
		} else {
			lambda *= 10
			if lambda > 1e12 {
				break
			}
		}
	}
	return burr{mu: th[0], c: math.Exp(th[1]), k: math.Exp(th[2])}
}

// solve3 solves a·x = b for a symmetric positive-definite 3×3 a by Cholesky; ok is false
// when a is not positive definite.
func solve3(a [3][3]float64, b [3]float64) (x [3]float64, ok bool) {
	var l [3][3]float64
	for i := 0; i < 3; i++ {
		for j := 0; j <= i; j++ {
			s := a[i][j]
			for k := 0; k < j; k++ {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if s <= 0 {
					return x, false
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	var y [3]float64
	for i := 0; i < 3; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i][k] * y[k]
		}
		y[i] = s / l[i][i]
	}
	for i := 2; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < 3; k++ {
			s -= l[k][i] * x[k]
		}
		x[i] = s / l[i][i]
	}
	return x, true
}

// softplus is log(1+e^z), computed without overflow.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

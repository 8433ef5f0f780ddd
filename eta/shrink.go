package eta

import "math"

// Shrinkage between pools is empirical Bayes. A pool with n effective incidents gets
// weight n/(n+k) against its parent, and k = σ²/τ² is what a normal–normal hierarchical
// model prescribes: σ² the variance of log duration within pools, τ² the variance of the
// pools' true mean log durations around their parent's. When pools differ a lot, k is
// small and a pool speaks for itself after a few incidents; when they do not differ at
// all (for instance components that say nothing about how long an incident lasts), k is
// large and the noise of small pools is kept out of the estimate. Config.Shrinkage is the
// floor of k: no pool is trusted more than that, however different pools look.
//
// τ² is estimated by DerSimonian and Laird's method of moments on the log durations of
// resolved incidents (unweighted by recency: this is a question about how groups differ,
// and recency weighting would only add noise to it). Censored incidents are left out;
// that shifts every pool's mean alike and matters little to how far apart they are.

// heterogeneity returns k for impact pools (against everything) and for
// components+impact pools (against their impact pool).
func heterogeneity(hs []hist, nImp, nNar int, floor float64) (kImp, kNar float64) {
	var sum float64
	var n int
	impSum := make([]float64, nImp)
	impN := make([]int, nImp)
	narSum := make([]float64, nNar)
	narN := make([]int, nNar)
	narImp := make([]int32, nNar)
	for i := range hs {
		h := &hs[i]
		if !h.event {
			continue
		}
		y := math.Log(h.t)
		sum += y
		n++
		impSum[h.imp] += y
		impN[h.imp]++
		if h.nar >= 0 {
			narSum[h.nar] += y
			narN[h.nar]++
			narImp[h.nar] = h.imp
		}
	}
	if n == 0 {
		return floor, floor
	}
	mean := sum / float64(n)
	impMean := make([]float64, nImp)
	for i := range impMean {
		if impN[i] > 0 {
			impMean[i] = impSum[i] / float64(impN[i])
		}
	}
	// Impact groups, centred on the overall mean.
	var dlImp, dlNar dl
	for i := range hs {
		h := &hs[i]
		if !h.event {
			continue
		}
		y := math.Log(h.t)
		dlImp.within(y, impSum[h.imp]/float64(impN[h.imp]))
		if h.nar >= 0 {
			dlNar.within(y, narSum[h.nar]/float64(narN[h.nar]))
		}
	}
	for i := 0; i < nImp; i++ {
		dlImp.group(impN[i], impSum[i]/math.Max(1, float64(impN[i]))-mean)
	}
	for i := 0; i < nNar; i++ {
		dlNar.group(narN[i], narSum[i]/math.Max(1, float64(narN[i]))-impMean[narImp[i]])
	}
	return dlImp.k(floor), dlNar.k(floor)
}

// dl accumulates DerSimonian–Laird's moments: the within-group sum of squares, and per
// group its size and its mean's deviation from the parent.
type dl struct {
	ss        float64 // Σ (y − group mean)²
	n, groups int
	sn, sn2   float64 // Σ n_j, Σ n_j²
	snd, snd2 float64 // Σ n_j·d_j, Σ n_j·d_j²
}

func (d *dl) within(y, groupMean float64) {
	e := y - groupMean
	d.ss += e * e
}

func (d *dl) group(n int, dev float64) {
	if n == 0 {
		return
	}
	d.n += n
	d.groups++
	fn := float64(n)
	d.sn += fn
	d.sn2 += fn * fn
	d.snd += fn * dev
	d.snd2 += fn * dev * dev
}

// k returns σ²/τ², at least floor; +Inf when the groups show no spread beyond chance.
func (d *dl) k(floor float64) float64 {
	if d.groups < 2 || d.n <= d.groups {
		return floor
	}
	sigma2 := d.ss / float64(d.n-d.groups)
	if sigma2 <= 0 {
		return floor
	}
	// With weights w_j = n_j/σ²: Q = Σ w_j (d_j − d̄)², d̄ the weighted mean deviation.
	dbar := d.snd / d.sn
	q := (d.snd2 - d.sn*dbar*dbar) / sigma2
	denom := (d.sn - d.sn2/d.sn) / sigma2
	tau2 := (q - float64(d.groups-1)) / denom
	if tau2 <= 0 || denom <= 0 {
		return math.Inf(1)
	}
	return math.Max(floor, sigma2/tau2)
}

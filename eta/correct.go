package eta

import "math"

// The online self-correction (see the package doc, "Self-correction"): quantile tracking
// in log time with group offsets. Every published quantile is the model's quantile
// multiplied by exp(θ), θ the sum of the offsets of the groups the estimate belongs to:
// everything, its phase, and its elapsed band. When the outcome of a published quantile
// becomes known, each of those offsets takes one step of online gradient descent on the
// pinball loss of log remaining time:
//
//	θ_g ← θ_g + η·(miss − (1−τ))
//
// miss being 1 when the incident outlasted the published time. This is adaptive conformal
// inference (Gibbs & Candès, NeurIPS 2021) in the form of quantile tracking on the score
// log(actual/model) (Angelopoulos, Candès & Tibshirani, NeurIPS 2023): as long as the
// offsets stay bounded, the running miss rate of every group tends to 1−τ whatever the
// data do, because the offset's total movement is η times the group's excess misses.

// Levels are the quantile levels the correction tracks: P10 (for the interval score), P50,
// P80 and P90.
var levels = [nLevels]float64{0.1, 0.5, 0.8, 0.9}

const (
	nLevels = 4
	lvl10   = 0
	lvl50   = 1
	lvl80   = 2
	lvl90   = 3
)

// Elapsed bands of the correction: an estimate at elapsed e belongs to the band of the
// largest checkpoint ≤ e. The checkpoints are where the replay evaluates the model.
var checkpoints = []int{0, 30, 60, 120, 240}

const nBands = 5

// bandOf returns the elapsed band of e minutes.
func bandOf(e float64) int {
	b := 0
	for b+1 < nBands && float64(checkpoints[b+1]) <= e {
		b++
	}
	return b
}

// trackStep is η, the step of every group offset in log-time units per outcome. A miss of
// P90 moves the offsets up by 0.9·η and a hit down by 0.1·η. See the package doc for why
// this size.
const trackStep = 0.05

// maxOffset bounds |θ_g|: a factor e^3 ≈ 20 either way is far more than any honest
// correction of a survival model, and the bound keeps one freak run of outcomes from
// winding an offset up beyond recovery.
const maxOffset = 3.0

// correction is the state of the online self-correction: per group and level, the offset
// θ_g (natural log of a factor on remaining time).
type correction struct {
	root  [nLevels]float64
	phase [numPhases][nLevels]float64
	band  [nBands][nLevels]float64
	n     int // outcomes absorbed
}

// cell identifies the groups an estimate belongs to.
type cell struct {
	phase phase
	band  int8
}

// offset is θ for level l in cell c: the sum of its groups' offsets.
func (k *correction) offset(c cell, l int) float64 {
	if k == nil {
		return 0
	}
	return k.root[l] + k.phase[c.phase][l] + k.band[c.band][l]
}

// observe absorbs one outcome: whether the incident outlasted the quantile of level l that
// was published for cell c. Each of the cell's groups takes the same step.
func (k *correction) observe(c cell, l int, miss bool) {
	g := -(1 - levels[l])
	if miss {
		g++
	}
	g *= trackStep
	step := func(x *float64) { *x = math.Max(-maxOffset, math.Min(maxOffset, *x+g)) }
	step(&k.root[l])
	step(&k.phase[c.phase][l])
	step(&k.band[c.band][l])
	k.n++
}

// apply turns the model's remaining-time quantiles (minutes, one per level) into the
// published ones: each multiplied by its correction factor, then floored at minRem and
// made strictly increasing, at least a minute apart, so that P10 < P50 < P80 < P90 however
// the offsets have moved.
func (k *correction) apply(raw [nLevels]float64, c cell, minRem float64) [nLevels]float64 {
	var out [nLevels]float64
	for l := range raw {
		out[l] = raw[l] * math.Exp(k.offset(c, l))
		if l == 0 {
			out[l] = math.Max(out[l], minRem)
		} else {
			out[l] = math.Max(out[l], out[l-1]+minGap)
		}
	}
	return out
}

// minGap is the least distance, in minutes, between consecutive published quantiles.
const minGap = 1.0

// offsetAt is θ at any level p: interpolated linearly between the tracked levels and
// the nearest level's beyond them, for Chance to invert the corrected distribution.
func (k *correction) offsetAt(c cell, p float64) float64 {
	if k == nil {
		return 0
	}
	if p <= levels[0] {
		return k.offset(c, 0)
	}
	for l := 1; l < nLevels; l++ {
		if p <= levels[l] {
			f := (p - levels[l-1]) / (levels[l] - levels[l-1])
			return (1-f)*k.offset(c, l-1) + f*k.offset(c, l)
		}
	}
	return k.offset(c, nLevels-1)
}

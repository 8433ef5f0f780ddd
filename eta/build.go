package eta

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// hist is one history record as known at the model's now, in minutes from its start.
type hist struct {
	obs
	identified, monitoring float64 // phase entry, minutes from start; -1 if not by now
	imp, nar               int32   // pool indexes; nar -1 if the record has no components
}

// Build precomputes the model from history as known at now. Records starting after now are
// ignored; records still open at now (End zero or after now) are censored at now, and
// phases entered after now are ignored, so a replay can pass future-complete records
// without leaking. Call it again when history changes; Estimate is then cheap.
func Build(history []Record, now time.Time, cfg Config) *Model {
	return build(history, now, cfg, nil)
}

// build is Build; with focus set it builds only what an estimate for that one query
// reads — its three pools' total curves and their curves at its landmark — so that a
// backtest, which rebuilds the model for every evaluation point, does not spend its time
// on curves nobody asks for. The curves it builds are identical to Build's.
func build(history []Record, now time.Time, cfg Config, focus *Query) *Model {
	cfg = cfg.withDefaults()
	m := &Model{cfg: cfg, now: now, grid: landmarks(), impact: map[string]*pool{}, narrow: map[string]*pool{}}
	impIdx, narIdx := map[string]int32{}, map[string]int32{}
	var impKeys, narKeys []string
	hs := make([]hist, 0, len(history))
	halfLife := cfg.HalfLife.Minutes()
	for i := range history {
		r := &history[i]
		if r.Start.IsZero() || r.Start.After(now) {
			continue
		}
		end, event := r.End, !r.End.IsZero() && !r.End.After(now)
		if !event {
			end = now
		}
		t := minutes(end.Sub(r.Start))
		if t < minObs {
			if !event {
				continue // open for under half a minute: says nothing yet
			}
			t = minObs
		}
		h := hist{obs: obs{t: t, event: event, w: math.Exp2(-minutes(now.Sub(r.Start)) / halfLife)}}
		h.identified = entryMinutes(r.Start, r.Identified, end)
		h.monitoring = entryMinutes(r.Start, r.Monitoring, end)
		ik := normImpact(r.Impact)
		ii, ok := impIdx[ik]
		if !ok {
			ii = int32(len(impKeys))
			impIdx[ik] = ii
			impKeys = append(impKeys, ik)
		}
		h.imp, h.nar = ii, -1
		if nk, has := narrowKey(ik, r.Components); has {
			if h.nar, ok = narIdx[nk]; !ok {
				h.nar = int32(len(narKeys))
				narIdx[nk] = h.nar
				narKeys = append(narKeys, nk)
			}
		}
		hs = append(hs, h)
	}
	// One sort by duration; every pool and landmark then receives its observations in order.
	slices.SortFunc(hs, func(a, b hist) int { return cmp.Compare(a.t, b.t) })
	all := make([]obs, len(hs))
	for i := range hs {
		all[i] = hs[i].obs
	}
	m.tail = fitBurr(all, cfg.prior())
	m.kImp, m.kNar = heterogeneity(hs, len(impKeys), len(narKeys), cfg.Shrinkage)
	sel := selection{pools: make([]bool, 1+len(impKeys)+len(narKeys)), lmHi: len(m.grid)}
	for i := range sel.pools {
		sel.pools[i] = focus == nil
	}
	if focus != nil {
		sel.pools[0] = true
		ik := normImpact(focus.Impact)
		if i, ok := impIdx[ik]; ok {
			sel.pools[1+i] = true
		}
		if nk, has := narrowKey(ik, focus.Components); has {
			if i, ok := narIdx[nk]; ok {
				sel.pools[1+len(impKeys)+int(i)] = true
			}
		}
		start := focus.Start
		if start.IsZero() || start.After(focus.Now) {
			start = focus.Now
		}
		sel.lmLo = landmarkIndex(m.grid, math.Max(0, minutes(focus.Now.Sub(start))))
		sel.lmHi = sel.lmLo + 1
	}
	m.buildPools(hs, len(impKeys), len(narKeys), sel)
	for i, k := range impKeys {
		m.impact[k] = &m.pools[1+i]
	}
	for i, k := range narKeys {
		m.narrow[k] = &m.pools[1+len(impKeys)+i]
	}
	m.all = &m.pools[0]
	return m
}

// selection is the part of the model buildPools builds: the pools marked true, and the
// landmarks in [lmLo, lmHi).
type selection struct {
	pools      []bool
	lmLo, lmHi int
}

// buildPools fills m.pools: index 0 is everything, then the impact pools, then the
// components+impact pools. Each pool has a curve over all its incidents and one per
// landmark and phase. Observations are counted first and then laid out in one slab, in
// duration order (hs is sorted), so that a build makes a handful of allocations however
// many pools and landmarks there are.
func (m *Model) buildPools(hs []hist, nImp, nNar int, sel selection) {
	nPools := 1 + nImp + nNar
	K := len(m.grid)
	slots := 1 + K*int(numPhases) // total, then [landmark][phase]
	targets := func(h *hist) [3]int {
		t := [3]int{0, 1 + int(h.imp), -1}
		if h.nar >= 0 {
			t[2] = 1 + nImp + int(h.nar)
		}
		for i, p := range t {
			if p >= 0 && !sel.pools[p] {
				t[i] = -1
			}
		}
		return t
	}
	// open[i] is how many landmarks incident i is open at (those below its duration).
	open := make([]int32, len(hs))
	count := make([]int32, nPools*slots)
	for i := range hs {
		h := &hs[i]
		k := 0
		for k < K && m.grid[k] < h.t {
			k++
		}
		open[i] = int32(k)
		for _, p := range targets(h) {
			if p < 0 {
				continue
			}
			base := p * slots
			count[base]++
			for j := sel.lmLo; j < k && j < sel.lmHi; j++ {
				count[base+1+j*int(numPhases)+int(phaseAt(m.grid[j], h.identified, h.monitoring))]++
			}
		}
	}
	off := make([]int32, len(count)+1)
	curves := 0
	for b, c := range count {
		off[b+1] = off[b] + c
		if c > 0 {
			curves++
		}
	}
	slab := make([]obs, off[len(count)])
	fill := append([]int32(nil), off[:len(count)]...)
	for i := range hs {
		h := &hs[i]
		for _, p := range targets(h) {
			if p < 0 {
				continue
			}
			base := p * slots
			slab[fill[base]] = h.obs
			fill[base]++
			for j := sel.lmLo; j < int(open[i]) && j < sel.lmHi; j++ {
				b := base + 1 + j*int(numPhases) + int(phaseAt(m.grid[j], h.identified, h.monitoring))
				slab[fill[b]] = h.obs
				fill[b]++
			}
		}
	}
	pts := make([]point, len(slab))
	cs := make([]curve, curves)
	m.pools = make([]pool, nPools)
	for p := range m.pools {
		pl := &m.pools[p]
		base := p * slots
		// Landmarks past the pool's longest incident are empty; keep only those with data.
		last := K
		for ; last > 0; last-- {
			at := base + 1 + (last-1)*int(numPhases)
			if count[at]+count[at+1]+count[at+2] > 0 {
				break
			}
		}
		pl.byPhase = make([][numPhases]*curve, last)
		for slot := 0; slot < 1+last*int(numPhases); slot++ {
			b := base + slot
			if count[b] == 0 {
				continue
			}
			c := &cs[0]
			cs = cs[1:]
			pts = c.init(slab[off[b]:off[b+1]], pts, m.tail, m.cfg.Shrinkage)
			if slot == 0 {
				pl.total = c
			} else {
				pl.byPhase[(slot-1)/int(numPhases)][(slot-1)%int(numPhases)] = c
			}
		}
		if pl.total == nil {
			pl.total = &curve{tail: m.tail, c: m.cfg.Shrinkage}
		}
	}
}

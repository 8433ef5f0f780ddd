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
	return newDigest(history).build(len(history), now, cfg, focus, nil)
}

// digest is a history reduced once for the many builds of a replay: each record's impact
// and components+impact pool, as indexes into the keys. The keys are normalised once here
// rather than in every build.
type digest struct {
	recs             []Record
	imp, nar         []int32 // nar is -1 for a record without components
	impKeys, narKeys []string
	impIdx, narIdx   map[string]int32
	// byDur lists the records by final duration, open ones last. A build at any moment
	// then gets the incidents resolved by then already in duration order, and sorts only
	// the few still open, whose durations are cut at the moment.
	byDur []int32
}

func newDigest(recs []Record) *digest {
	d := &digest{recs: recs, imp: make([]int32, len(recs)), nar: make([]int32, len(recs)),
		impIdx: map[string]int32{}, narIdx: map[string]int32{}}
	for i := range recs {
		ik := normImpact(recs[i].Impact)
		ii, ok := d.impIdx[ik]
		if !ok {
			ii = int32(len(d.impKeys))
			d.impIdx[ik] = ii
			d.impKeys = append(d.impKeys, ik)
		}
		d.imp[i], d.nar[i] = ii, -1
		if nk, has := narrowKey(ik, recs[i].Components); has {
			ni, ok := d.narIdx[nk]
			if !ok {
				ni = int32(len(d.narKeys))
				d.narIdx[nk] = ni
				d.narKeys = append(d.narKeys, nk)
			}
			d.nar[i] = ni
		}
	}
	d.byDur = make([]int32, len(recs))
	for i := range d.byDur {
		d.byDur[i] = int32(i)
	}
	dur := func(i int32) time.Duration {
		if r := &recs[i]; !r.End.IsZero() {
			return r.End.Sub(r.Start)
		}
		return math.MaxInt64
	}
	slices.SortFunc(d.byDur, func(a, b int32) int { return cmp.Compare(dur(a), dur(b)) })
	return d
}

// build builds the model from the first n records of d as known at now (see Build and
// build). fit, when not nil, is a nearby earlier fit of the parametric distribution to start
// its search from: a replay's consecutive builds see nearly the same history, and the fit
// then converges in a couple of steps instead of a dozen, to the same optimum.
func (d *digest) build(n int, now time.Time, cfg Config, focus *Query, fit *burr) *Model {
	cfg = cfg.withDefaults()
	m := &Model{cfg: cfg, now: now, grid: landmarkGrid, impact: map[string]*pool{}, narrow: map[string]*pool{}}
	hs := make([]hist, 0, n)
	var open []hist // censored at now; appended to hs in duration order below
	halfLife := cfg.HalfLife.Minutes()
	for _, i := range d.byDur {
		if int(i) >= n {
			continue
		}
		r := &d.recs[i]
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
		h.imp, h.nar = d.imp[i], d.nar[i]
		if event {
			hs = append(hs, h)
		} else {
			open = append(open, h)
		}
	}
	nImp, nNar := len(d.impKeys), len(d.narKeys)
	// Every pool and landmark receives its observations in duration order: the resolved
	// ones came in order, the open ones are sorted and merged in.
	if len(open) > 0 {
		slices.SortFunc(open, func(a, b hist) int { return cmp.Compare(a.t, b.t) })
		hs = mergeByT(hs, open)
	}
	all := make([]obs, len(hs))
	for i := range hs {
		all[i] = hs[i].obs
	}
	start := cfg.prior()
	if fit != nil {
		start = *fit
	}
	m.tail = fitBurr(all, cfg.prior(), start)
	for i := range hs {
		hs[i].a0 = m.tail.cumHazard(hs[i].t)
	}
	m.kImp, m.kNar = heterogeneity(hs, nImp, nNar, cfg.Shrinkage)
	sel := selection{lmHi: len(m.grid)}
	if focus == nil {
		sel.ids = make([]int32, 1+nImp+nNar)
		for i := range sel.ids {
			sel.ids[i] = int32(i)
		}
	} else {
		sel.ids = append(sel.ids, 0)
		ik := normImpact(focus.Impact)
		if i, ok := d.impIdx[ik]; ok {
			sel.ids = append(sel.ids, 1+i)
		}
		if nk, has := narrowKey(ik, focus.Components); has {
			if i, ok := d.narIdx[nk]; ok {
				sel.ids = append(sel.ids, int32(1+nImp)+i)
			}
		}
		start := focus.Start
		if start.IsZero() || start.After(focus.Now) {
			start = focus.Now
		}
		sel.lmLo = landmarkIndex(m.grid, math.Max(0, minutes(focus.Now.Sub(start))))
		sel.lmHi = sel.lmLo + 1
	}
	m.buildPools(hs, nImp, nNar, sel)
	for c, id := range sel.ids {
		switch pl := &m.pools[c]; {
		case id == 0:
			m.all = pl
		case int(id) <= nImp:
			m.impact[d.impKeys[id-1]] = pl
		default:
			m.narrow[d.narKeys[int(id)-1-nImp]] = pl
		}
	}
	return m
}

// mergeByT merges b into a, both sorted by duration, in place at the end of a: it grows a
// and fills it from the back.
func mergeByT(a, b []hist) []hist {
	i, j := len(a)-1, len(b)-1
	a = append(a, b...)
	for k := len(a) - 1; j >= 0; k-- {
		if i >= 0 && a[i].t > b[j].t {
			a[k] = a[i]
			i--
		} else {
			a[k] = b[j]
			j--
		}
	}
	return a
}

// selection is the part of the model buildPools builds: the pools listed in ids (0 is
// everything, then the impact pools, then the components+impact pools; ascending), and the
// landmarks in [lmLo, lmHi).
type selection struct {
	ids        []int32
	lmLo, lmHi int
}

// buildPools fills m.pools with the selected pools, in the order of sel.ids. Each pool has
// a curve over all its incidents and one per landmark and phase. Observations are counted
// first and then laid out in one slab, in duration order (hs is sorted), so that a build
// makes a handful of allocations however many pools and landmarks there are; and a focused
// build spends nothing on the pools it does not build.
func (m *Model) buildPools(hs []hist, nImp, nNar int, sel selection) {
	nPools := len(sel.ids)
	compact := make([]int32, 1+nImp+nNar) // global pool index → index in sel.ids, or -1
	for i := range compact {
		compact[i] = -1
	}
	for c, id := range sel.ids {
		compact[id] = int32(c)
	}
	K := len(m.grid)
	slots := 1 + K*int(numPhases) // total, then [landmark][phase]
	targets := func(h *hist) [3]int {
		t := [3]int{int(compact[0]), int(compact[1+h.imp]), -1}
		if h.nar >= 0 {
			t[2] = int(compact[1+nImp+int(h.nar)])
		}
		return t
	}
	// open[i] is how many landmarks incident i is open at (those below its duration).
	open := make([]int32, len(hs))
	count := make([]int32, nPools*slots)
	k := 0 // hs is sorted by duration, so the count only grows
	for i := range hs {
		h := &hs[i]
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
			pts = c.init(slab[off[b]:off[b+1]], pts, m.tail, m.cfg.Shrinkage, true)
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

package eta

import (
	"container/heap"
	"slices"
	"sort"
	"time"
)

// The replay is the one code path of the self-correction. It walks a history in time
// order; at every checkpoint — each incident at elapsed 0, 30, 60, 120 and 240 minutes,
// while it is still open — it builds the model from what was known then, publishes the
// corrected range, and as the outcome of each published quantile becomes known it feeds
// the correction. Backtest scores what it publishes; Tracker, which production uses,
// keeps only the correction it ends with.

// evalPoint is one published range of the replay.
type evalPoint struct {
	ei       int // index into checkpoints
	rec      *Record
	q        Query
	cell     cell
	at       [nLevels]time.Time // published P10, P50, P80, P90
	raw      [nLevels]float64   // the model's own quantiles, remaining minutes, before correction
	resolved int                // incidents resolved by q.Now
}

// prediction is the model's own (uncorrected) estimate at one checkpoint: what the
// replay memoizes, because building the model as of a past moment is its only
// expensive step and, for a past that has not changed, always gives the same answer.
type prediction struct {
	cell cell
	raw  [nLevels]float64 // remaining minutes at each level
}

// predKey identifies a checkpoint: an incident (by id and start) and the checkpoint index.
type predKey struct {
	id    string
	start int64
	ei    int8
}

// outcome is the moment the outcome of one published quantile becomes known: when the
// incident is restored, or when the quantile's time passes with the incident still open,
// whichever comes first. A miss is known as soon as the time passes, which is what lets
// the correction react to a run of long incidents before they end.
type outcome struct {
	at   time.Time
	cell cell
	l    int8
	miss bool
}

type outcomes []outcome

func (h outcomes) Len() int           { return len(h) }
func (h outcomes) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h outcomes) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *outcomes) Push(x any)        { *h = append(*h, x.(outcome)) }
func (h *outcomes) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// checkpoint is one evaluation moment: record index and checkpoint index.
type checkpoint struct {
	at     time.Time
	rec    int
	ei     int
	nDone  int // incidents resolved by at
	nStart int // incidents started by at
}

// memo carries the model's own estimates from one replay to the next: prev is looked up,
// next receives every estimate the replay uses (so that it holds nothing stale). Either
// may be nil.
type memo struct{ prev, next map[predKey]prediction }

// replay walks the checkpoints of recs[from:] (recs ordered by start) up to horizon and
// returns the correction as it stands at horizon. Models are built from all of recs, as
// known at each checkpoint. Checkpoints with fewer than BurnIn incidents resolved before
// them are skipped: the estimate there is the prior, and its errors say nothing about the
// model. fn, when not nil, is called with every published range.
func replay(recs []Record, from int, horizon time.Time, cfg Config, mm memo, fn func(evalPoint)) *correction {
	cfg = cfg.withDefaults()
	ends := make([]time.Time, 0, len(recs))
	for i := range recs {
		if !recs[i].End.IsZero() {
			ends = append(ends, recs[i].End)
		}
	}
	slices.SortFunc(ends, time.Time.Compare)
	var cps []checkpoint
	for i := from; i < len(recs); i++ {
		r := &recs[i]
		for ei, e := range checkpoints {
			el := time.Duration(e) * time.Minute
			t := r.Start.Add(el)
			if t.After(horizon) || (!r.End.IsZero() && r.End.Sub(r.Start) <= el) {
				break
			}
			nDone := sort.Search(len(ends), func(k int) bool { return ends[k].After(t) })
			if nDone < BurnIn {
				continue
			}
			nStart := sort.Search(len(recs), func(k int) bool { return recs[k].Start.After(t) })
			cps = append(cps, checkpoint{at: t, rec: i, ei: ei, nDone: nDone, nStart: nStart})
		}
	}
	slices.SortStableFunc(cps, func(a, b checkpoint) int { return a.at.Compare(b.at) })

	corr := &correction{}
	var pending outcomes
	absorb := func(until time.Time) {
		for len(pending) > 0 && !pending[0].at.After(until) {
			o := heap.Pop(&pending).(outcome)
			corr.observe(o.cell, int(o.l), o.miss)
		}
	}
	minRem := minutes(cfg.MinRemaining)
	d := newDigest(recs)
	var fit *burr // the last build's parametric fit, where the next one starts its search
	for _, cp := range cps {
		absorb(cp.at)
		r := &recs[cp.rec]
		q := Query{Components: r.Components, Impact: r.Impact, Cause: r.Cause, Start: r.Start, Now: cp.at}
		if !r.Identified.IsZero() && !r.Identified.After(cp.at) {
			q.Identified = r.Identified
		}
		if !r.Monitoring.IsZero() && !r.Monitoring.After(cp.at) {
			q.Monitoring = r.Monitoring
		}
		key := predKey{r.ID, r.Start.UnixNano(), int8(cp.ei)}
		p, ok := mm.prev[key]
		if !ok {
			m := d.build(cp.nStart, cp.at, cfg, &q, fit)
			fit = &m.tail
			mx := m.blend(q)
			p = prediction{cell: mx.cell(), raw: mx.raw()}
		}
		if mm.next != nil {
			mm.next[key] = p
		}
		x := corr.apply(p.raw, p.cell, minRem)
		ep := evalPoint{ei: cp.ei, rec: r, q: q, cell: p.cell, raw: p.raw, resolved: cp.nDone}
		for l := range x {
			ep.at[l] = cp.at.Add(fromMinutes(x[l]))
			o := outcome{at: ep.at[l], cell: p.cell, l: int8(l), miss: true}
			if !r.End.IsZero() && !r.End.After(ep.at[l]) {
				o.at, o.miss = r.End, false
			}
			heap.Push(&pending, o)
		}
		if fn != nil {
			fn(ep)
		}
	}
	absorb(horizon)
	return corr
}

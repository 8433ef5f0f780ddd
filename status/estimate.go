package status

import (
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/wording"
)

// Estimate is a restoration range for an open incident, recorded with the timeline entry
// that published it so pages, pushes and the calibration report all speak of the same one.
type Estimate struct {
	P50, P80, P90 time.Time
	// Samples is how many comparable past incidents it rests on.
	Samples int
	// Pool names the history it came from: "components+impact", "impact", "all" or "prior".
	Pool string
	// Few is set when it rests on little history.
	Few bool
	// Phase is the incident phase the comparison was restricted to ("" when only the time
	// elapsed was), and At when the range was made: together they say what "similar"
	// meant, so the words can say it too.
	Phase string
	At    time.Time
}

// Basis is what the range rests on, for its wording; start is the incident's start.
func (e *Estimate) Basis(start time.Time) wording.Basis {
	b := wording.Basis{Samples: e.Samples, Few: e.Few, All: e.Pool == "all", Phase: e.Phase}
	if e.Pool == "prior" {
		b.Samples = 0
	}
	if !e.At.IsZero() && !start.IsZero() && e.At.After(start) {
		b.Elapsed = e.At.Sub(start)
	}
	return b
}

// Chance is the model's probability that an announced time is met, with the raw counts
// behind it ("7 of 31 similar incidents were restored this fast").
type Chance struct {
	P       float64
	Met, Of int
}

// UnlikelyChance is the probability below which an announced time draws a warning.
const UnlikelyChance = wording.Unlikely

// Unlikely reports whether the announced time it scores is unlikely to be met.
func (c *Chance) Unlikely() bool { return c != nil && c.P < UnlikelyChance }

// Describe says in l how the announced time compares with history.
func (c *Chance) Describe(l lang.Lang) string { return wording.ChanceText(l, c.P, c.Met, c.Of) }

// Estimator predicts restoration times from incident history. Implementations are cheap
// and do no I/O: the Service calls them inside write transactions.
type Estimator interface {
	// Estimate returns the range for an open incident as it stands at now.
	Estimate(inc *Incident, now time.Time) (Estimate, bool)
	// Chance scores an announced restoration time for an open incident at now.
	Chance(inc *Incident, announced, now time.Time) (Chance, bool)
}

// LatestEstimate returns the newest estimate recorded on the timeline, or nil.
func (inc *Incident) LatestEstimate() *Estimate {
	for i := len(inc.Updates) - 1; i >= 0; i-- {
		if e := inc.Updates[i].Estimate; e != nil {
			return e
		}
	}
	return nil
}

// AnnouncedChance returns the score of the standing announced time, or nil.
func (inc *Incident) AnnouncedChance() *Chance {
	if inc.AnnouncedETA.IsZero() {
		return nil
	}
	for i := len(inc.Updates) - 1; i >= 0; i-- {
		u := &inc.Updates[i]
		if u.AnnouncedETA.Equal(inc.AnnouncedETA) && u.AnnouncedChance != nil {
			return u.AnnouncedChance
		}
	}
	return nil
}

// Missed reports whether a promise made to the public has passed with the incident open:
// the standing announced time, or the p90 of the latest recorded estimate.
func (inc *Incident) Missed(now time.Time) bool {
	if !inc.Open() {
		return false
	}
	if !inc.AnnouncedETA.IsZero() && !inc.AnnouncedETA.After(now) {
		return true
	}
	e := inc.LatestEstimate()
	return e != nil && !e.P90.After(now)
}

// RecentEntriesSuffice reports whether an incident whose Updates hold only the newest
// entries of its timeline (a state from Tx.IncidentState and Tx.LatestUpdates) gives at
// now what the whole timeline would to ShownEstimate, AnnouncedChance, Missed and
// Promises: the incident is open (Promises reads every entry), the standing announced
// time's chance is among them (it is recorded on the entry that announced it), and the
// latest range published is among them and still ahead (else ShownEstimate revises a
// fresh range against entries further back).
func (inc *Incident) RecentEntriesSuffice(now time.Time) bool {
	if !inc.Open() {
		return false
	}
	if !inc.AnnouncedETA.IsZero() && inc.AnnouncedChance() == nil {
		return false
	}
	e := inc.LatestEstimate()
	return e != nil && e.P50.After(now)
}

// ShownEstimate is the range to show at now: the latest recorded one while its p50 is
// still ahead, otherwise a fresh one conditioned on how long the incident has now lasted,
// so no page or message ever presents a past time as an upcoming restoration.
func (inc *Incident) ShownEstimate(est Estimator, now time.Time) *Estimate {
	if !inc.Open() {
		return nil
	}
	if e := inc.LatestEstimate(); e != nil && e.P50.After(now) {
		return e
	}
	if est == nil {
		return nil
	}
	if e, ok := est.Estimate(inc, now); ok && e.P50.After(now) {
		e = inc.revise(e, len(inc.Updates))
		return &e
	}
	return nil
}

// revise returns a new range next for the incident, made with the timeline up to entry upTo
// (exclusive), as it may be published: while nothing staff know has changed since the
// latest published range — the phase, the impact, the components — no time in it moves
// earlier than that range's. A model that switched to a broader pool or lost samples has
// learnt nothing about this incident, and a range that jumps earlier right after "taking
// longer than announced" reads as a promise made up on the spot. The times move earlier
// only with new information: a phase moving on (identified, monitoring), or a changed
// impact or set of components.
func (inc *Incident) revise(next Estimate, upTo int) Estimate {
	upTo = min(upTo, len(inc.Updates))
	from := -1
	for i := upTo - 1; i >= 0; i-- {
		if inc.Updates[i].Estimate != nil {
			from = i
			break
		}
	}
	if from < 0 {
		return next
	}
	// The entry that made the latest range set the state it was made for; any later entry
	// that changed that state is new information.
	var impact Impact // the last impact an entry set, "" before any did
	for i := 0; i <= from; i++ {
		if u := inc.Updates[i]; u.Impact != "" {
			impact = u.Impact
		}
	}
	for i := from + 1; i < len(inc.Updates); i++ {
		u := &inc.Updates[i]
		if u.Status != inc.Updates[i-1].Status || (u.Impact != "" && u.Impact != impact) || len(u.Components) > 0 {
			return next
		}
	}
	prev := inc.Updates[from].Estimate
	next.P50 = later(next.P50, prev.P50)
	next.P80 = later(next.P80, prev.P80)
	next.P90 = later(next.P90, prev.P90)
	next.P80 = later(next.P80, next.P50)
	next.P90 = later(next.P90, next.P80)
	return next
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// PromiseReport is what a resolved incident's page and JSON say about the promises made
// during it: the announced restoration times against the real one — the fact the 4 p.m. /
// 7 p.m. story is about — and how the model's first range did.
type PromiseReport struct {
	Restored time.Time
	// Announced lists the distinct staff-announced times worth comparing: the first one,
	// and the last standing one when staff moved it.
	Announced []time.Time
	// First is the model's first published range and FirstAt when it was published (nil:
	// none).
	First   *Estimate
	FirstAt time.Time
}

// Any reports whether there is anything to say.
func (r PromiseReport) Any() bool { return len(r.Announced) > 0 || r.First != nil }

// Promises reads a resolved incident's timeline; it is empty for an open one.
func (inc *Incident) Promises() PromiseReport {
	if inc.Open() || inc.ResolvedAt.IsZero() {
		return PromiseReport{}
	}
	r := PromiseReport{Restored: inc.ResolvedAt}
	var first, last time.Time
	for i := range inc.Updates {
		u := &inc.Updates[i]
		if u.CreatedAt.After(inc.ResolvedAt) {
			break
		}
		if !u.AnnouncedETA.IsZero() {
			if first.IsZero() {
				first = u.AnnouncedETA
			}
			last = u.AnnouncedETA
		}
		if r.First == nil && u.Estimate != nil && u.Status != Resolved {
			r.First, r.FirstAt = u.Estimate, u.CreatedAt
		}
	}
	if !first.IsZero() {
		r.Announced = append(r.Announced, first)
		if !last.Equal(first) {
			r.Announced = append(r.Announced, last)
		}
	}
	return r
}

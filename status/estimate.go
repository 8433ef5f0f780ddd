package status

import (
	"fmt"
	"time"
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
	Few                  bool
	ExplainEN, ExplainKO string
}

// Chance is the model's probability that an announced time is met, with the raw counts
// behind it ("7 of 31 similar incidents were restored this fast").
type Chance struct {
	P       float64
	Met, Of int
}

// UnlikelyChance is the probability below which an announced time draws a warning.
const UnlikelyChance = 0.2

// Unlikely reports whether the announced time it scores is unlikely to be met.
func (c *Chance) Unlikely() bool { return c != nil && c.P < UnlikelyChance }

// Describe says in English how the announced time compares with history.
func (c *Chance) Describe() string {
	if c.Of > 0 {
		return fmt.Sprintf("%d of %d similar incidents were restored this fast (%.0f%% chance).", c.Met, c.Of, 100*c.P)
	}
	return fmt.Sprintf("History gives this time a %.0f%% chance.", 100*c.P)
}

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
		return &e
	}
	return nil
}

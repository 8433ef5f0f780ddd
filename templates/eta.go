package templates

import "time"

// etaPlan is what the restoration-estimate block says, decided once from the view model and
// the page's now. Honesty rules: a time that has passed is never presented as upcoming, and
// a staff promise the model finds unlikely says so.
type etaPlan struct {
	// AnnouncedUpcoming: "Staff expect restoration by {Announced}".
	AnnouncedUpcoming bool
	// Unlikely: the announced time has under a 20% chance; Chance is its percentage.
	Unlikely bool
	Chance   string
	// AnnouncedMissed: "It is taking longer than announced (expected by {Announced})".
	AnnouncedMissed bool
	// Range: the model's "Likely restored by {P50}, almost certainly by {P90}" (only P50
	// when P90 is unset); Few adds the rough-estimate note.
	Range, HasP90, Few bool
	// Overdue: a model time has passed; the estimate is being recomputed.
	Overdue bool
	// EstimateMissed: an earlier estimate passed and there is no announced time to blame.
	EstimateMissed bool
	// None: neither a model range nor an announced time. NoNew: the announced time passed
	// and nothing replaced it.
	None, NoNew bool
}

func planETA(e ETAView, now time.Time) etaPlan {
	var pl etaPlan
	hasAnn := !e.Announced.IsZero()
	if hasAnn {
		if e.AnnouncedPassed || !e.Announced.After(now) {
			pl.AnnouncedMissed = true
		} else {
			pl.AnnouncedUpcoming = true
			if e.AnnouncedChance >= 0 && e.AnnouncedChance < 0.2 {
				pl.Unlikely, pl.Chance = true, formatChance(e.AnnouncedChance)
			}
		}
	}
	if !e.P50.IsZero() {
		passed := !e.P50.After(now) || (!e.P90.IsZero() && !e.P90.After(now))
		pl.Overdue = passed
		pl.Range = !passed
		pl.HasP90 = !e.P90.IsZero()
		// The model's own explanation already says when history is thin; the note is for
		// callers that give no explanation.
		pl.Few = e.Few && e.Explain == ""
	}
	// Missed also covers an earlier model range that passed; it is only "longer than
	// announced" when the announced time itself passed.
	pl.EstimateMissed = e.Missed && !pl.AnnouncedMissed && !pl.Overdue
	pl.None = e.P50.IsZero() && !hasAnn
	pl.NoNew = e.P50.IsZero() && pl.AnnouncedMissed
	return pl
}

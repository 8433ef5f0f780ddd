package templates

import (
	"context"
	"io"

	"github.com/a-h/templ"

	"github.com/candorstatus/candor/wording"
)

// etaPlan is what the restoration-estimate block says, decided once from the view model and
// the page's now. Honesty rules: a time that has passed is never presented as upcoming, and
// a staff promise the model finds unlikely says so.
type etaPlan struct {
	// AnnouncedUpcoming: "Staff expect restoration by {Announced}".
	AnnouncedUpcoming bool
	// Chance says how often similar incidents were restored by the announced time ("" when
	// unknown); Unlikely, under wording.Unlikely, draws the warning style.
	Unlikely bool
	Chance   string
	// AnnouncedMissed: "It is taking longer than announced (expected by {Announced})".
	AnnouncedMissed bool
	// Range: the model's range, worded by what it rests on (see rangeSentence).
	Range, HasP90 bool
	// Overdue: a model time has passed; the estimate is being recomputed.
	Overdue bool
	// EstimateMissed: an earlier estimate passed and there is no announced time to blame.
	EstimateMissed bool
	// None: neither a model range nor an announced time. NoNew: the announced time passed
	// and nothing replaced it.
	None, NoNew bool
}

func planETA(e ETAView, p Page) etaPlan {
	now := p.Now
	var pl etaPlan
	hasAnn := !e.Announced.IsZero()
	if hasAnn {
		if e.AnnouncedPassed || !e.Announced.After(now) {
			pl.AnnouncedMissed = true
		} else {
			pl.AnnouncedUpcoming = true
			if e.AnnouncedChance >= 0 {
				pl.Chance = wording.ChanceText(p.Lang, e.AnnouncedChance, e.AnnouncedMet, e.AnnouncedOf)
				pl.Unlikely = e.AnnouncedChance < wording.Unlikely
			}
		}
	}
	if !e.P50.IsZero() {
		passed := !e.P50.After(now) || (!e.P90.IsZero() && !e.P90.After(now))
		pl.Overdue = passed
		pl.Range = !passed
		pl.HasP90 = !e.P90.IsZero()
	}
	// Missed also covers an earlier model range that passed; it is only "longer than
	// announced" when the announced time itself passed.
	pl.EstimateMissed = e.Missed && !pl.AnnouncedMissed && !pl.Overdue
	pl.None = e.P50.IsZero() && !hasAnn
	pl.NoNew = e.P50.IsZero() && pl.AnnouncedMissed
	return pl
}

// rangeSentence says what a range means: "Of 23 similar incidents that had lasted 1 h 5 min,
// half were restored by <time> and 9 in 10 by <time>", or that history is thin or absent.
func rangeSentence(p Page, e ETAView) templ.Component {
	key, args := wording.RangeKey(p.Lang, e.Basis)
	p90 := e.P90
	if p90.IsZero() {
		p90 = e.P50
	}
	slots := make([]templ.Component, 0, 4)
	for _, a := range args {
		slots = append(slots, plainText(a))
	}
	return phrase(p.Lang, key, append(slots, timeAt(p, e.P50), timeAt(p, p90))...)
}

// plainText is s, escaped, as a component (to fill a phrase's slot).
func plainText(s string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, templ.EscapeString(s))
		return err
	})
}

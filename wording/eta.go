package wording

import (
	"strconv"
	"time"

	"github.com/candorstatus/candor/lang"
)

// Basis is what a restoration range rests on, in the terms its wording needs. The words
// say exactly what the numbers are: of N comparable past incidents, half were restored by
// the p50 time and nine in ten by the p90 time — a coin flip and a one-in-ten risk, never
// "likely" or "almost certainly".
type Basis struct {
	// Samples is how many comparable past incidents the range rests on (0: none, the range
	// is the documented prior).
	Samples int
	// Few is set when that is too few for the range to be more than rough.
	Few bool
	// All is set when the comparison is with every past incident rather than similar ones.
	All bool
	// Elapsed is how long the incident had lasted when the range was made; under a minute
	// the wording does not condition on it.
	Elapsed time.Duration
	// Phase is the phase the comparison was restricted to ("identified", "monitoring",
	// "investigating"), or "" when only the elapsed time was.
	Phase string
}

// RangeKey returns the catalogue key of the sentence for a range with basis b and its
// arguments other than the two times, which the caller fills in as {2} (p50) and {3} (p90)
// — plain text in a push, <time> elements on a page.
func RangeKey(l lang.Lang, b Basis) (key string, args []string) {
	if b.Samples == 0 {
		return "eta.basis.prior", []string{"", ""}
	}
	n := strconv.Itoa(b.Samples)
	key = "eta.basis"
	if b.Few {
		key = "eta.basis.few"
	}
	what := T(l, "eta.similar")
	if b.All {
		what = T(l, "eta.past")
	}
	cond := ""
	if b.Elapsed >= time.Minute {
		d := FormatDuration(l, b.Elapsed.Round(time.Minute))
		switch b.Phase {
		case "identified", "monitoring", "investigating":
			cond = Tf(l, "eta.cond."+b.Phase, d)
		default:
			cond = Tf(l, "eta.cond.lasted", d)
		}
	}
	return key, []string{n, Fill(what, cond)}
}

// Range is the whole sentence for a range as plain text, times formatted with at.
func Range(l lang.Lang, b Basis, p50, p90 string) string {
	key, args := RangeKey(l, b)
	return Tf(l, key, append(args, p50, p90)...)
}

// ChanceKey is the catalogue key for the chance of a staff-announced time, with its
// arguments: "3 of 25 similar incidents (12%) were restored that fast" when the counts are
// known — the percentage is then theirs, so the sentence says exactly what was counted —
// or the model's probability p as a chance when they are not.
func ChanceKey(p float64, met, of int) (key string, args []string) {
	if of > 0 {
		pct := "0"
		if met > 0 {
			pct = Chance(float64(met) / float64(of))
		}
		return "eta.chance.counts", []string{pct, strconv.Itoa(met), strconv.Itoa(of)}
	}
	return "eta.chance", []string{Chance(p)}
}

// ChanceText is the chance of an announced time as a sentence in l.
func ChanceText(l lang.Lang, p float64, met, of int) string {
	key, args := ChanceKey(p, met, of)
	return Tf(l, key, args...)
}

// Unlikely is the chance below which an announced time is called unlikely, on the page, in
// the push and in the console preview.
const Unlikely = 0.2

// Difference says how a restoration compared with the time announced for it: "3 h 2 min
// later than announced", "12 min earlier than announced", "as announced" (within a
// minute either way).
func Difference(l lang.Lang, announced, restored time.Time) string {
	d := restored.Sub(announced)
	switch {
	case d >= time.Minute:
		return Tf(l, "eta.diff.later", FormatDuration(l, d))
	case d <= -time.Minute:
		return Tf(l, "eta.diff.earlier", FormatDuration(l, -d))
	}
	return T(l, "eta.diff.ontime")
}

// Outcome is where a restoration fell against a published range.
type Outcome int

// Outcomes.
const (
	BeforeP50 Outcome = iota // restored by the half-way time
	BeforeP90                // after the p50, by the 9-in-10 time
	AfterP90                 // later than the 9-in-10 time: the range missed
)

// Code names the outcome in JSON (both APIs): before_p50, before_p90 or after_p90.
func (o Outcome) Code() string {
	return [...]string{"before_p50", "before_p90", "after_p90"}[o]
}

// OutcomeOf places restored against a range.
func OutcomeOf(p50, p90, restored time.Time) Outcome {
	switch {
	case !restored.After(p50):
		return BeforeP50
	case !restored.After(p90):
		return BeforeP90
	}
	return AfterP90
}

// OutcomeKey is the catalogue key of the sentence about the first range's outcome; its
// arguments are {0} when the range was made, {1} its p50, {2} its p90.
func OutcomeKey(o Outcome) string {
	switch o {
	case BeforeP50:
		return "eta.first.beforep50"
	case BeforeP90:
		return "eta.first.beforep90"
	}
	return "eta.first.afterp90"
}

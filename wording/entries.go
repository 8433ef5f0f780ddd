package wording

import (
	"time"

	"github.com/candorstatus/candor/lang"
)

// Texts writes a text in every language with f: how Candor's automatic timeline entries
// come to exist in each language at the moment they happen.
func Texts(f func(l lang.Lang) string) lang.Text {
	var t lang.Text
	for _, l := range lang.All {
		t.Set(l, f(l))
	}
	return t
}

// RangeFacts is a published range with what it rests on.
type RangeFacts struct {
	P50, P90 time.Time
	Basis    Basis
}

// Missed is what an automatic "promise passed" entry says.
type Missed struct {
	// Announced is set when the passed promise is the staff-announced time; otherwise it is
	// the published 9-in-10 time.
	Announced bool
	Due       time.Time
	// Prev is the range published before (nil: none); Next the new one (nil: none yet).
	Prev, Next *RangeFacts
}

// MissedEntry words m in l, with times in loc relative to now.
func MissedEntry(l lang.Lang, m Missed, loc *time.Location, now time.Time) string {
	at := func(t time.Time) string { return FormatTime(l, t, loc, now) }
	s := Tf(l, "entry.missed.estimate", at(m.Due))
	if m.Announced {
		s = Tf(l, "entry.missed.announced", at(m.Due))
	}
	if m.Next == nil || !m.Next.P50.After(now) {
		return s + " " + T(l, "entry.missed.none")
	}
	if p := m.Prev; p != nil && (m.Next.P50.After(p.P50) || m.Next.P90.After(p.P90)) {
		s += " " + Tf(l, "entry.missed.later", at(p.P50), End(l, p.P50, p.P90, loc, now), at(m.Next.P50), End(l, m.Next.P50, m.Next.P90, loc, now))
	}
	return s + " " + Range(l, m.Next.Basis, at(m.Next.P50), at(m.Next.P90))
}

// MaintenanceEntry words an automatic maintenance entry ("reminder", "held", "released",
// "started", "verifying", "completed", "late", "override") in l; from and until are the
// planned window, reason the staff's reason for an override.
func MaintenanceEntry(l lang.Lang, event string, from, until time.Time, reason string, loc *time.Location, now time.Time) string {
	key := "entry.m." + event
	if !Has(key) {
		return ""
	}
	return Tf(l, key, FormatTime(l, from, loc, now), FormatTime(l, until, loc, now), reason)
}

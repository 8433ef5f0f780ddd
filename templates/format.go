package templates

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/candorstatus/candor/wording"
)

// The helpers below are pure: every "now" comes from the page, never from the clock, so
// snapshots render the same on every machine.

// pageLoc is the page's time zone, UTC when unset.
func pageLoc(p Page) *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// ZoneLabel names the zone loc is in at t ("KST").
func ZoneLabel(loc *time.Location, t time.Time) string { return wording.ZoneLabel(loc, t) }

// FormatTime formats t in zone loc relative to now; see wording.FormatTime.
func FormatTime(l Lang, t time.Time, loc *time.Location, now time.Time) string {
	return wording.FormatTime(l, t, loc, now)
}

// formatEnd formats the end of a range starting at start in the page's zone.
func formatEnd(p Page, start, end time.Time) string {
	return wording.End(p.Lang, start, end, pageLoc(p), p.Now)
}

// pageTime is FormatTime in the page's language and zone, relative to its now.
func pageTime(p Page, t time.Time) string {
	return FormatTime(p.Lang, t, pageLoc(p), p.Now)
}

// FormatDate formats the local date of t with the year in the page's language and zone.
func FormatDate(p Page, t time.Time) string { return wording.Date(p.Lang, t, pageLoc(p)) }

// calendarDate is a calendar day stored as midnight UTC of that date (a follow-up's due
// date) in the page's language: read in UTC, so no zone moves it to the day before.
func calendarDate(p Page, t time.Time) string { return wording.Date(p.Lang, t, time.UTC) }

// FormatMonth is a month heading in the page's language and zone.
func FormatMonth(p Page, t time.Time) string { return wording.Month(p.Lang, t, pageLoc(p)) }

// FormatDuration spells a duration in words, to the minute.
func FormatDuration(l Lang, d time.Duration) string { return wording.FormatDuration(l, d) }

// Lasting says how long something has gone on.
func Lasting(l Lang, d time.Duration) string { return wording.Lasting(l, d) }

// Ago says how long before now t was.
func Ago(l Lang, now, t time.Time) string { return wording.Ago(l, now, t) }

// datetime is the machine-readable value of a <time> element.
func datetime(p Page, t time.Time) string {
	return t.In(pageLoc(p)).Format(time.RFC3339)
}

// formatPercent shows an uptime percentage with two decimals, rounded down so that a day
// with downtime never reads as 100%.
func formatPercent(v float64) string {
	if v >= 100 {
		return "100"
	}
	return strconv.FormatFloat(math.Floor(v*100)/100, 'f', 2, 64)
}

// formatShare shows a share of users: whole numbers from 10 up, one decimal below.
func formatShare(v float64) string {
	if v >= 10 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

func formatChance(c float64) string { return wording.Chance(c) }

// excerpt shortens s to at most n runes on a word boundary, adding an ellipsis.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

func sameDay(a, b time.Time) bool { return wording.SameDay(a, b) }

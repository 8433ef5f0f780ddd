package wording

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
)

// The helpers below are pure: every "now" comes from the caller, never from the clock, so
// pages render the same on every machine.

// ZoneLabel names the zone loc is in at t: its abbreviation (e.g. "KST"), or "UTC+09:00"
// when the zone database only has a numeric one like "+09".
func ZoneLabel(loc *time.Location, t time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	name, offset := t.In(loc).Zone()
	if name != "" && !strings.ContainsAny(name[:1], "+-0123456789") {
		return name
	}
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, offset/3600, offset%3600/60)
}

// FormatTime formats t in zone loc (UTC when nil) with the zone named: only the clock on
// the same local day as now, the date too on other days, and the year when it is not the
// current one. E.g. en "Nov 22, 18:40 KST", ko "11월 22일 18:40 KST".
func FormatTime(l lang.Lang, t time.Time, loc *time.Location, now time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	lt, lnow := t.In(loc), now.In(loc)
	clock := lt.Format("15:04") + " " + ZoneLabel(loc, t)
	switch {
	case SameDay(lt, lnow):
		return clock
	case lt.Year() == lnow.Year():
		if l == lang.Korean {
			return fmt.Sprintf("%d월 %d일 %s", lt.Month(), lt.Day(), clock)
		}
		return lt.Format("Jan 2, ") + clock
	default:
		if l == lang.Korean {
			return fmt.Sprintf("%d년 %d월 %d일 %s", lt.Year(), lt.Month(), lt.Day(), clock)
		}
		return lt.Format("Jan 2, 2006, ") + clock
	}
}

// FormatDuration spells a duration in words, to the minute: "2 h 5 min" or "2시간 5분";
// from a day on, days and hours.
func FormatDuration(l lang.Lang, d time.Duration) string {
	m := int(d / time.Minute)
	if m < 1 {
		return T(l, "dur.lessminute")
	}
	days, h, min := m/1440, m%1440/60, m%60
	var parts []string
	add := func(n int, key string) {
		if n > 0 {
			parts = append(parts, Tf(l, key, strconv.Itoa(n)))
		}
	}
	add(days, "dur.d")
	add(h, "dur.h")
	if days == 0 {
		add(min, "dur.min")
	}
	return strings.Join(parts, " ")
}

// Lasting says how long something has gone on: "for 2 h 5 min" or "2시간 5분째".
func Lasting(l lang.Lang, d time.Duration) string {
	if d < time.Minute { // "1분 미만째" is not Korean anyone writes
		return T(l, "time.forlessminute")
	}
	return Tf(l, "time.for", FormatDuration(l, d))
}

// Ago says how long before now t was: "12 minutes ago" or "12분 전"; a future t reads
// "in 12 min".
func Ago(l lang.Lang, now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return Tf(l, "time.in", FormatDuration(l, -d))
	}
	m := int(d / time.Minute)
	switch {
	case m < 1:
		return T(l, "time.justnow")
	case m == 1:
		return T(l, "time.minuteago")
	case m < 60:
		return Tf(l, "time.minutesago", strconv.Itoa(m))
	case m < 120:
		return T(l, "time.hourago")
	case m < 24*60:
		return Tf(l, "time.hoursago", strconv.Itoa(m/60))
	case m < 48*60:
		return T(l, "time.dayago")
	default:
		return Tf(l, "time.daysago", strconv.Itoa(m/1440))
	}
}

// Chance shows a probability as a whole percentage, "<1" for tiny ones.
func Chance(c float64) string {
	pct := math.Round(c * 100)
	if pct < 1 {
		return "<1"
	}
	return strconv.FormatFloat(pct, 'f', 0, 64)
}

// SameDay reports whether two times fall on the same calendar day (in their own zones).
func SameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// Date formats the local date of t in loc with the year, e.g. "Nov 22, 2026" or
// "2026년 11월 22일".
func Date(l lang.Lang, t time.Time, loc *time.Location) string {
	lt := t.In(orUTC(loc))
	if l == lang.Korean {
		return fmt.Sprintf("%d년 %d월 %d일", lt.Year(), lt.Month(), lt.Day())
	}
	return lt.Format("Jan 2, 2006")
}

// Month is a month heading: "November 2026" or "2026년 11월".
func Month(l lang.Lang, t time.Time, loc *time.Location) string {
	lt := t.In(orUTC(loc))
	if l == lang.Korean {
		return fmt.Sprintf("%d년 %d월", lt.Year(), lt.Month())
	}
	return lt.Format("January 2006")
}

// Clock is the local time of day of t with its zone, "18:40 KST".
func Clock(t time.Time, loc *time.Location) string {
	loc = orUTC(loc)
	return t.In(loc).Format("15:04") + " " + ZoneLabel(loc, t)
}

// End formats the end of a range starting at start: only the clock when both fall on the
// same local day, so "Nov 22, 18:05 KST – 20:10 KST" reads naturally.
func End(l lang.Lang, start, end time.Time, loc *time.Location, now time.Time) string {
	loc = orUTC(loc)
	if SameDay(start.In(loc), end.In(loc)) {
		return Clock(end, loc)
	}
	return FormatTime(l, end, loc, now)
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

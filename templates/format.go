package templates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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
func FormatTime(l Lang, t time.Time, loc *time.Location, now time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	lt, lnow := t.In(loc), now.In(loc)
	clock := lt.Format("15:04") + " " + ZoneLabel(loc, t)
	switch {
	case sameDay(lt, lnow):
		return clock
	case lt.Year() == lnow.Year():
		if l == Korean {
			return fmt.Sprintf("%d월 %d일 %s", lt.Month(), lt.Day(), clock)
		}
		return lt.Format("Jan 2, ") + clock
	default:
		if l == Korean {
			return fmt.Sprintf("%d년 %d월 %d일 %s", lt.Year(), lt.Month(), lt.Day(), clock)
		}
		return lt.Format("Jan 2, 2006, ") + clock
	}
}

// formatEnd formats the end of a range starting at start: only the clock when both fall on
// the same local day, so "Nov 22, 18:05 KST – 20:10 KST" reads naturally.
func formatEnd(p Page, start, end time.Time) string {
	loc := pageLoc(p)
	if sameDay(start.In(loc), end.In(loc)) {
		return end.In(loc).Format("15:04") + " " + ZoneLabel(loc, end)
	}
	return pageTime(p, end)
}

// pageTime is FormatTime in the page's language and zone, relative to its now.
func pageTime(p Page, t time.Time) string {
	return FormatTime(p.Lang, t, pageLoc(p), p.Now)
}

// FormatDate formats the local date of t with the year, e.g. "Nov 22, 2026" or
// "2026년 11월 22일".
func FormatDate(p Page, t time.Time) string {
	lt := t.In(pageLoc(p))
	if p.Lang == Korean {
		return fmt.Sprintf("%d년 %d월 %d일", lt.Year(), lt.Month(), lt.Day())
	}
	return lt.Format("Jan 2, 2006")
}

// FormatMonth is a month heading: "November 2026" or "2026년 11월".
func FormatMonth(p Page, t time.Time) string {
	lt := t.In(pageLoc(p))
	if p.Lang == Korean {
		return fmt.Sprintf("%d년 %d월", lt.Year(), lt.Month())
	}
	return lt.Format("January 2006")
}

// FormatDuration spells a duration in words, to the minute: "2 h 5 min" or "2시간 5분";
// from a day on, days and hours.
func FormatDuration(l Lang, d time.Duration) string {
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
func Lasting(l Lang, d time.Duration) string {
	return Tf(l, "time.for", FormatDuration(l, d))
}

// Ago says how long before now t was: "12 minutes ago" or "12분 전"; a future t reads
// "in 12 min".
func Ago(l Lang, now, t time.Time) string {
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

// formatChance shows a probability as a whole percentage, "<1" for tiny ones.
func formatChance(c float64) string {
	pct := math.Round(c * 100)
	if pct < 1 {
		return "<1"
	}
	return strconv.FormatFloat(pct, 'f', 0, 64)
}

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

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

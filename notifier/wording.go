package notifier

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// tr returns the push text for key in language l with {0}, {1} … replaced by args; push
// texts are the "push." keys of Candor's one catalogue (package wording), shorter than the
// page's since a phone shows about 160 characters.
func tr(l lang.Lang, key string, args ...string) string {
	return wording.Tf(l, "push."+key, args...)
}

// clock formats times for one push: the clock alone on the same local day as now, with the
// date on other days (with the year in another year). The zone is written once per phrase
// by the caller, as people write it ("by 18:40, almost certainly by 19:30 KST").
type clock struct {
	l   lang.Lang
	loc *time.Location
	now time.Time
}

func (c clock) at(t time.Time) string { return c.rel(t, c.now) }

// rel formats t, showing its date unless it falls on the same local day as ref.
func (c clock) rel(t, ref time.Time) string {
	lt, lr := t.In(c.loc), ref.In(c.loc)
	hm := lt.Format("15:04")
	switch {
	case sameDay(lt, lr):
		return hm
	case lt.Year() == lr.Year():
		if c.l == lang.Korean {
			return fmt.Sprintf("%d월 %d일 %s", lt.Month(), lt.Day(), hm)
		}
		return lt.Format("Jan 2, ") + hm
	default:
		if c.l == lang.Korean {
			return fmt.Sprintf("%d년 %d월 %d일 %s", lt.Year(), lt.Month(), lt.Day(), hm)
		}
		return lt.Format("Jan 2, 2006, ") + hm
	}
}

func (c clock) zone(t time.Time) string { return wording.ZoneLabel(c.loc, t) }

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// stateText names the state in the title: the impact when an incident opens, its phase on
// later updates, and the event itself otherwise.
func stateText(ev Event, l lang.Lang) string {
	switch ev.Kind {
	case KindCreated:
		return impactState(ev.Impact, l)
	case KindUpdated:
		s := status.IncidentStatus(ev.Status)
		if s == status.Resolved {
			return tr(l, "state.resolved")
		}
		if s.Valid() {
			return wording.OrRaw(l, "istatus."+string(s), string(s))
		}
		return tr(l, "state.update")
	case KindResolved:
		return tr(l, "state.resolved")
	case KindETAMissed:
		return tr(l, "state.etamissed")
	case KindMaintenanceScheduled:
		return tr(l, "state.m.sched")
	case KindMaintenanceReminder:
		return tr(l, "state.m.remind")
	case KindMaintenanceStarted:
		return tr(l, "state.m.start")
	case KindMaintenanceCompleted:
		return tr(l, "state.m.done")
	case KindMaintenanceLate:
		return tr(l, "state.m.late")
	case KindMaintenanceUpdated:
		return tr(l, "state.m.update")
	case KindMaintenanceCancelled:
		return tr(l, "state.m.cancel")
	}
	return tr(l, "state.update")
}

func impactState(impact string, l lang.Lang) string {
	switch status.Impact(impact) {
	case status.ImpactCritical:
		return tr(l, "state.critical")
	case status.ImpactMajor:
		return tr(l, "state.major")
	case status.ImpactMinor:
		return tr(l, "state.minor")
	}
	return tr(l, "state.none")
}

// defaultText stands in for the update text when staff wrote none (system entries).
func defaultText(ev Event, l lang.Lang) string {
	comps := componentList(ev.Components, l, ev.fallback())
	switch ev.Kind {
	case KindCreated:
		if comps == "" {
			return tr(l, "d.created0")
		}
		return tr(l, "d.created", comps)
	case KindUpdated:
		s := status.IncidentStatus(ev.Status)
		if !s.Valid() {
			return ""
		}
		return tr(l, "d.updated", wording.OrRaw(l, "istatus."+string(s), string(s)))
	case KindResolved:
		return tr(l, "d.resolved")
	case KindETAMissed:
		return tr(l, "d.etamissed")
	case KindMaintenanceScheduled, KindMaintenanceReminder:
		if comps == "" {
			return tr(l, "d.m.sched0")
		}
		return tr(l, "d.m.sched", comps)
	case KindMaintenanceStarted:
		return tr(l, "d.m.start")
	case KindMaintenanceCompleted:
		return tr(l, "d.m.done")
	case KindMaintenanceLate:
		return tr(l, "d.m.late")
	case KindMaintenanceCancelled:
		return tr(l, "d.m.cancel")
	}
	return ""
}

// componentList names up to three components in l and counts the rest.
func componentList(comps []lang.Text, l, fallback lang.Lang) string {
	const show = 3
	names := make([]string, 0, min(len(comps), show))
	for _, c := range comps[:min(len(comps), show)] {
		n, _ := c.Pick(l, fallback)
		names = append(names, n)
	}
	if len(comps) <= show {
		return strings.Join(names, ", ")
	}
	return tr(l, "comps", strings.Join(names, ", "), strconv.Itoa(len(comps)-show))
}

// shorten collapses whitespace and cuts s to at most n runes, ellipsis included, at a word
// boundary when one is near, so no word or multi-byte character is split.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return ""
	}
	cut := r[:n-1]
	if i := lastSpace(cut); i > len(cut)/2 {
		cut = cut[:i]
	}
	out := strings.TrimRightFunc(string(cut), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",.;:·-", r)
	})
	return out + "…"
}

func lastSpace(r []rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == ' ' {
			return i
		}
	}
	return -1
}

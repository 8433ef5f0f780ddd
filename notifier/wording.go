package notifier

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// words holds every push string as {English, Korean}; {0}, {1} … are filled by tr so each
// language keeps its own word order. Pushes are shorter than the page, so they have their
// own table; status names come from templates to read the same as the page.
var words = map[string][2]string{
	"state.critical":  {"Critical outage", "심각한 장애"},
	"state.major":     {"Major outage", "장애 발생"},
	"state.minor":     {"Partial disruption", "일부 장애"},
	"state.none":      {"Notice", "안내"},
	"state.update":    {"Update", "업데이트"},
	"state.resolved":  {"Resolved", "복구 완료"},
	"state.etamissed": {"Taking longer than announced", "복구 지연"},
	"state.m.sched":   {"Maintenance scheduled", "점검 예정"},
	"state.m.remind":  {"Maintenance starts soon", "점검 시작 예정"},
	"state.m.start":   {"Maintenance started", "점검 시작"},
	"state.m.done":    {"Maintenance completed", "점검 완료"},
	"state.m.late":    {"Maintenance running late", "점검 지연"},
	"state.m.update":  {"Maintenance update", "점검 안내"},
	"state.m.cancel":  {"Maintenance cancelled", "점검 취소"},

	"eta.range":     {"Likely back by {0}, almost certainly by {1} {2}", "{0} {2} 무렵 복구 예상, 늦어도 {1}"},
	"eta.p50":       {"Likely back by {0} {1}", "{0} {1} 무렵 복구 예상"},
	"eta.few":       {" (rough estimate)", " (대략적인 추정)"},
	"eta.announced": {"Announced: back by {0} {1}", "안내된 복구 예정 시각: {0} {1}"},
	"eta.missed":    {"Taking longer than announced", "안내한 시각보다 복구가 늦어지고 있습니다"},
	"eta.overdue":   {"Taking longer than estimated; a new estimate will follow", "예상보다 복구가 늦어지고 있습니다. 예상 시각을 다시 계산하고 있습니다"},
	"eta.nonew":     {"No new restoration estimate yet", "새 복구 예상 시각은 아직 없습니다"},
	"eta.none":      {"No restoration estimate yet", "아직 복구 예상 시각이 없습니다"},

	"m.window":    {"Scheduled {0} – {1} {2}", "점검 시간: {0} ~ {1} {2}"},
	"m.start":     {"Scheduled to start {0} {1}", "{0} {1} 시작 예정"},
	"m.soon":      {"Starts {0} {1}, {2}", "{0} {1} 시작 ({2})"},
	"m.endsby":    {"Expected to end by {0} {1}", "{0} {1} 종료 예정"},
	"comps":       {"{0} and {1} more", "{0} 외 {1}개"},
	"d.created":   {"We are investigating an issue affecting {0}.", "{0} 이용에 문제가 있어 확인하고 있습니다."},
	"d.created0":  {"We are investigating an issue.", "문제가 발생해 확인하고 있습니다."},
	"d.updated":   {"Status: {0}.", "상태: {0}"},
	"d.resolved":  {"This incident has been resolved.", "장애가 해결되었습니다."},
	"d.etamissed": {"Restoration is taking longer than announced.", "안내한 시각보다 복구가 늦어지고 있습니다."},
	"d.m.sched":   {"Scheduled maintenance on {0}.", "{0} 점검이 예정되어 있습니다."},
	"d.m.sched0":  {"Scheduled maintenance.", "점검이 예정되어 있습니다."},
	"d.m.start":   {"Maintenance is in progress.", "점검을 진행하고 있습니다."},
	"d.m.done":    {"Maintenance has been completed.", "점검이 완료되었습니다."},
	"d.m.late":    {"Maintenance is taking longer than scheduled.", "점검이 예정보다 길어지고 있습니다."},
	"d.m.cancel":  {"The scheduled maintenance was cancelled.", "예정된 점검이 취소되었습니다."},
}

// tr returns the text for key in language l with {0}, {1} … replaced by args.
func tr(l templates.Lang, key string, args ...string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	s := w[0]
	if l == templates.Korean {
		s = w[1]
	}
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", a)
	}
	return s
}

// langOf maps a device language to one Candor writes: Korean for "ko", "ko-KR" …, English
// for everything else.
func langOf(lang string) templates.Lang {
	if strings.HasPrefix(strings.ToLower(lang), "ko") {
		return templates.Korean
	}
	return templates.English
}

// clock formats times for one push: the clock alone on the same local day as now, with the
// date on other days (with the year in another year). The zone is written once per phrase
// by the caller, as people write it ("by 18:40, almost certainly by 19:30 KST").
type clock struct {
	l   templates.Lang
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
		if c.l == templates.Korean {
			return fmt.Sprintf("%d월 %d일 %s", lt.Month(), lt.Day(), hm)
		}
		return lt.Format("Jan 2, ") + hm
	default:
		if c.l == templates.Korean {
			return fmt.Sprintf("%d년 %d월 %d일 %s", lt.Year(), lt.Month(), lt.Day(), hm)
		}
		return lt.Format("Jan 2, 2006, ") + hm
	}
}

func (c clock) zone(t time.Time) string { return templates.ZoneLabel(c.loc, t) }

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// stateText names the state in the title: the impact when an incident opens, its phase on
// later updates, and the event itself otherwise.
func stateText(ev Event, l templates.Lang) string {
	switch ev.Kind {
	case KindCreated:
		return impactState(ev.Impact, l)
	case KindUpdated:
		s := status.IncidentStatus(ev.Status)
		if s == status.Resolved {
			return tr(l, "state.resolved")
		}
		if s.Valid() {
			return templates.IncidentStatusText(l, s)
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

func impactState(impact string, l templates.Lang) string {
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
func defaultText(ev Event, l templates.Lang) string {
	comps := componentList(ev.Components, l)
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
		return tr(l, "d.updated", templates.IncidentStatusText(l, s))
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

// componentList names up to three components and counts the rest.
func componentList(names []string, l templates.Lang) string {
	const show = 3
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return tr(l, "comps", strings.Join(names[:show], ", "), strconv.Itoa(len(names)-show))
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

// pickLanguage returns the part of a bilingual staff text written in l, when the text is
// clearly two blocks (split by a blank line, or two lines) of which exactly one contains
// Hangul: Korean staff often post "한국어 안내\n\nEnglish notice", and a phone should not spend
// its 160 characters on the language the reader did not choose. Anything less clear is kept
// whole.
func pickLanguage(text string, l templates.Lang) string {
	text = strings.TrimSpace(text)
	parts := nonEmpty(strings.Split(text, "\n\n"))
	if len(parts) != 2 {
		parts = nonEmpty(strings.Split(text, "\n"))
	}
	if len(parts) != 2 {
		return text
	}
	h0, h1 := hangulShare(parts[0]), hangulShare(parts[1])
	var ko, en string
	switch {
	case h0 > 0.3 && h1 == 0:
		ko, en = parts[0], parts[1]
	case h1 > 0.3 && h0 == 0:
		ko, en = parts[1], parts[0]
	default:
		return text
	}
	if l == templates.Korean {
		return ko
	}
	return en
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// hangulShare is the share of letters in s that are Hangul.
func hangulShare(s string) float64 {
	var letters, hangul int
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Hangul, r) {
				hangul++
			}
		}
	}
	if letters == 0 {
		return 0
	}
	return float64(hangul) / float64(letters)
}

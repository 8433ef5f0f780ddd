package notifier

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// Kind is what happened, and so which push goes out.
type Kind string

// Kinds of push.
const (
	KindCreated              Kind = "created"
	KindUpdated              Kind = "updated" // an update posted with notify=true
	KindResolved             Kind = "resolved"
	KindETAMissed            Kind = "eta_missed" // a promised restoration time passed
	KindMaintenanceScheduled Kind = "maintenance_scheduled"
	KindMaintenanceReminder  Kind = "maintenance_reminder"
	KindMaintenanceStarted   Kind = "maintenance_started"
	KindMaintenanceCompleted Kind = "maintenance_completed"
	KindMaintenanceLate      Kind = "maintenance_late"
	KindMaintenanceUpdated   Kind = "maintenance_updated"   // a staff update with notify=true
	KindMaintenanceCancelled Kind = "maintenance_cancelled" // called off before it started
)

// Kinds lists every kind.
var Kinds = []Kind{KindCreated, KindUpdated, KindResolved, KindETAMissed,
	KindMaintenanceScheduled, KindMaintenanceReminder, KindMaintenanceStarted,
	KindMaintenanceCompleted, KindMaintenanceLate, KindMaintenanceUpdated, KindMaintenanceCancelled}

// Maintenance reports whether k is about a maintenance rather than an incident.
func (k Kind) Maintenance() bool { return strings.HasPrefix(string(k), "maintenance_") }

// Event is everything Build needs to write one push, captured once by the caller (one now).
type Event struct {
	Kind     Kind
	PageName lang.Text
	// DefaultLang is the language a text falls back to when it has none in the device's.
	DefaultLang lang.Lang
	PublicURL   string // base URL, no trailing slash
	Location    *time.Location
	Now         time.Time

	IncidentID string
	Title      lang.Text
	Status     string // incident status (or maintenance status)
	Impact     string
	Message    lang.Text   // the latest update text, per language (may be long)
	Components []lang.Text // affected component names
	// ETA is the shown range (nil: none). A time <= Now is never presented as upcoming.
	ETA *status.Estimate
	// Announced is the staff-announced restoration (zero: none); passed when <= Now.
	Announced time.Time
	// AnnouncedChance is history's chance of Announced being met (nil: unknown); a push
	// that announces a time below wording.Unlikely says so.
	AnnouncedChance *status.Chance
	// Start is when the incident began, for the words about what the range rests on.
	Start            time.Time
	StartsAt, EndsAt time.Time // maintenance window, for maintenance kinds
}

// Text limits. Body: about what a phone shows expanded, so the ETA line (after it) is seen.
const (
	maxBodyRunes  = 160
	maxTitleRunes = 80 // the incident title inside the push title
	maxPageRunes  = 40
)

// Build writes the push for ev in language lang ("ko" or "en"; other languages get English).
// It sets no target: the caller sets Token, Topic or Condition. The payload always fits the
// topic limit (MaxTopicPayload), the stricter one, so any target accepts it.
func Build(ev Event, locale string) Message {
	l := lang.Of(locale)
	if ev.Location == nil {
		ev.Location = time.UTC
	}
	c := clock{l: l, loc: ev.Location, now: ev.Now}
	data := buildData(ev, l)
	lines := statusLines(ev, c)
	text, _ := ev.Message.Map(strings.TrimSpace).Pick(l, ev.fallback())
	if text == "" {
		text = defaultText(ev, l)
	}
	state := stateText(ev, l)

	// Trim the staff text first, then the title, until the payload fits; the status lines
	// (the honest ETA) are what the push is for, so they are kept whole.
	var title, body string
	for titleRunes := maxTitleRunes; ; titleRunes -= 10 {
		page, _ := ev.PageName.Pick(l, ev.fallback())
		inc, _ := ev.Title.Pick(l, ev.fallback())
		title = buildTitle(page, state, inc, max(titleRunes, 0))
		for bodyRunes := maxBodyRunes; ; bodyRunes -= 20 {
			body = buildBody(shorten(text, max(bodyRunes, 0)), lines)
			if PayloadSize(title, body, data) < MaxTopicPayload || bodyRunes <= 0 {
				break
			}
		}
		if PayloadSize(title, body, data) < MaxTopicPayload || titleRunes <= 0 {
			break
		}
	}

	key := collapseKey(ev)
	return Message{
		Title:          title,
		Body:           body,
		Data:           data,
		CollapseKey:    key,
		TTL:            ttl(ev),
		High:           high(ev),
		AnalyticsLabel: key,
	}
}

func buildTitle(page, state, title string, titleRunes int) string {
	s := state
	if t := shorten(title, titleRunes); t != "" {
		s += ": " + t
	}
	if p := shorten(page, maxPageRunes); p != "" {
		s = p + " · " + s
	}
	return s
}

// fallback is the language texts fall back to, Korean when the event does not say.
func (ev Event) fallback() lang.Lang {
	if ev.DefaultLang.Valid() {
		return ev.DefaultLang
	}
	return lang.Korean
}

// rangeLine says what the shown range means, in a phone's few words: half of similar
// incidents were back by the p50 time, nine in ten by the p90 time — never "likely".
func rangeLine(ev Event, c clock) string {
	l, e := c.l, ev.ETA
	b := e.Basis(ev.Start)
	p50, p90 := c.at(e.P50), c.rel(e.P90, e.P50)
	zone := c.zone(e.P90)
	if !e.P90.After(e.P50) {
		p90 = p50
	}
	switch {
	case b.Samples == 0:
		return tr(l, "eta.prior", p50, p90, zone)
	case b.Few:
		return tr(l, "eta.few", p50, p90, zone, strconv.Itoa(b.Samples))
	}
	return tr(l, "eta.range", p50, p90, zone)
}

func buildBody(text string, lines []string) string {
	parts := make([]string, 0, 1+len(lines))
	if text != "" {
		parts = append(parts, text)
	}
	return strings.Join(append(parts, lines...), "\n")
}

// shownRange reports whether ev's ETA may be shown as upcoming: its p50 (and p90, when set)
// still ahead of now. Like the incident page, a range whose p50 has passed is overdue as a
// whole rather than shown by its p90 alone, so push and page say the same thing.
func shownRange(ev Event) bool {
	e := ev.ETA
	return e != nil && e.P50.After(ev.Now) && (e.P90.IsZero() || e.P90.After(ev.Now))
}

// statusLines are the lines after the text: restoration times for incidents, the window for
// maintenance. Only times after now are ever printed.
func statusLines(ev Event, c clock) []string {
	l := c.l
	switch ev.Kind {
	case KindCreated, KindUpdated, KindETAMissed:
	case KindMaintenanceScheduled:
		return windowLine(ev, c, false)
	case KindMaintenanceReminder:
		return windowLine(ev, c, true)
	case KindMaintenanceStarted:
		if ev.EndsAt.After(ev.Now) {
			return []string{tr(l, "m.endsby", c.at(ev.EndsAt), c.zone(ev.EndsAt))}
		}
		return nil
	default: // resolved, completed, late: no time to promise
		return nil
	}
	if status.IncidentStatus(ev.Status) == status.Resolved {
		return nil
	}

	var lines []string
	annUpcoming := !ev.Announced.IsZero() && ev.Announced.After(ev.Now)
	annPassed := !ev.Announced.IsZero() && !annUpcoming
	if annUpcoming {
		s := tr(l, "eta.announced", c.at(ev.Announced), c.zone(ev.Announced))
		if ch := ev.AnnouncedChance; ch.Unlikely() {
			s += " " + tr(l, "eta.unlikely", wording.Chance(ch.P))
		}
		lines = append(lines, s)
	} else if annPassed && ev.Kind != KindETAMissed { // eta_missed says so in its title
		lines = append(lines, tr(l, "eta.missed"))
	}
	missed := annPassed || ev.Kind == KindETAMissed
	switch {
	case shownRange(ev):
		lines = append(lines, rangeLine(ev, c))
	case missed:
		lines = append(lines, tr(l, "eta.nonew"))
	case ev.ETA != nil:
		lines = append(lines, tr(l, "eta.overdue"))
	case !annUpcoming:
		lines = append(lines, tr(l, "eta.none"))
	}
	return lines
}

func windowLine(ev Event, c clock, reminder bool) []string {
	if !ev.StartsAt.After(ev.Now) {
		return nil
	}
	l := c.l
	if reminder {
		in := wording.Tf(l, "time.in", wording.FormatDuration(l, ev.StartsAt.Sub(ev.Now)))
		return []string{tr(l, "m.soon", c.at(ev.StartsAt), c.zone(ev.StartsAt), in)}
	}
	if ev.EndsAt.After(ev.StartsAt) {
		return []string{tr(l, "m.window", c.at(ev.StartsAt), c.rel(ev.EndsAt, ev.StartsAt), c.zone(ev.EndsAt))}
	}
	return []string{tr(l, "m.start", c.at(ev.StartsAt), c.zone(ev.StartsAt))}
}

// buildData is what the app reads instead of the text. Times are RFC 3339 in the page's
// zone, "" when there is none to show (same rule as the text).
func buildData(ev Event, l lang.Lang) map[string]string {
	d := map[string]string{
		"incident_id": ev.IncidentID,
		"status":      ev.Status,
		"impact":      ev.Impact,
		"eta_p50":     "",
		"eta_p90":     "",
		"url":         strings.TrimRight(ev.PublicURL, "/") + pagePath(ev.Kind) + url.PathEscape(ev.IncidentID) + "?lang=" + string(l),
		"kind":        string(ev.Kind),
		"lang":        string(l),
	}
	rfc := func(t time.Time) string { return t.In(ev.Location).Format(time.RFC3339) }
	open := ev.Kind == KindCreated || ev.Kind == KindUpdated || ev.Kind == KindETAMissed
	if open && status.IncidentStatus(ev.Status) != status.Resolved && shownRange(ev) {
		d["eta_p50"] = rfc(ev.ETA.P50)
		if !ev.ETA.P90.IsZero() {
			d["eta_p90"] = rfc(ev.ETA.P90)
		}
	}
	if ev.Kind.Maintenance() {
		d["starts_at"], d["ends_at"] = "", ""
		if !ev.StartsAt.IsZero() {
			d["starts_at"] = rfc(ev.StartsAt)
		}
		if !ev.EndsAt.IsZero() {
			d["ends_at"] = rfc(ev.EndsAt)
		}
	}
	return d
}

// collapseKey is one identity per incident (or maintenance), so each push replaces the
// previous one on the device: Android collapse_key and notification tag, apns-collapse-id,
// the web-push Topic. It also serves as the analytics label, so it keeps to FCM's label
// rule (at most 50 of [a-zA-Z0-9-_.~%]); ids that do not fit are hashed.
func collapseKey(ev Event) string {
	prefix := "incident-"
	if ev.Kind.Maintenance() {
		prefix = "maintenance-"
	}
	if k := prefix + ev.IncidentID; ev.IncidentID != "" && labelPattern.MatchString(k) {
		return k
	}
	sum := sha256.Sum256([]byte(ev.IncidentID))
	return (prefix + hex.EncodeToString(sum[:]))[:50]
}

// high reports whether the push should wake the device now. FCM deprioritizes apps whose
// high-priority pushes users ignore, so only what people act on gets it: a major or
// critical outage starting or overrunning its promise, the all-clear, and a maintenance
// actually starting (service goes down now).
func high(ev Event) bool {
	severe := ev.Impact == string(status.ImpactMajor) || ev.Impact == string(status.ImpactCritical)
	switch ev.Kind {
	case KindCreated, KindETAMissed:
		return severe
	case KindResolved, KindMaintenanceStarted:
		return true
	}
	return false
}

// ttl is how long FCM keeps the push for an offline device. A push is worth delivering only
// while what it says is still true:
//   - an open incident: until the shown p90 (then an eta_missed push or a fresh update
//     supersedes it), else until the announced time, else one hour; at least 15 minutes so
//     a phone briefly offline or dozing still gets it;
//   - resolved or completed: six hours — the all-clear matters to those who saw the alert;
//   - maintenance announcements and reminders: until the start (at least 5 minutes);
//   - maintenance started: until its scheduled end.
//
// Everything is capped at MaxTTL.
func ttl(ev Event) time.Duration {
	until := func(t time.Time, lo, def time.Duration) time.Duration {
		if t.IsZero() || !t.After(ev.Now) {
			if t.IsZero() {
				return def
			}
			return lo
		}
		return min(max(t.Sub(ev.Now), lo), MaxTTL)
	}
	switch ev.Kind {
	case KindResolved, KindMaintenanceCompleted, KindMaintenanceCancelled:
		return 6 * time.Hour
	case KindMaintenanceScheduled, KindMaintenanceReminder:
		return until(ev.StartsAt, 5*time.Minute, time.Hour)
	case KindMaintenanceStarted:
		return until(ev.EndsAt, 15*time.Minute, time.Hour)
	case KindMaintenanceLate:
		return time.Hour
	case KindMaintenanceUpdated:
		return until(ev.EndsAt, 15*time.Minute, time.Hour)
	}
	if status.IncidentStatus(ev.Status) == status.Resolved {
		return 6 * time.Hour
	}
	switch {
	case shownRange(ev) && !ev.ETA.P90.IsZero():
		return until(ev.ETA.P90, 15*time.Minute, time.Hour)
	case shownRange(ev):
		return until(ev.ETA.P50, 15*time.Minute, time.Hour)
	case ev.Announced.After(ev.Now):
		return until(ev.Announced, 15*time.Minute, time.Hour)
	}
	return time.Hour
}

// pagePath is where the public page of what a push announces lives.
func pagePath(k Kind) string {
	if k.Maintenance() {
		return "/maintenances/"
	}
	return "/incidents/"
}

// Words is what an event says in one language, whole: the push trims it to fit a phone,
// an email (notifier/email) shows all of it. Both use the same keys, so the two say the
// same about an estimate.
type Words struct {
	Page  string   // the page's name
	State string   // "Major outage", "Resolved", "Maintenance scheduled" …
	Title string   // the incident's or maintenance's title
	Text  string   // the staff text, or Candor's own when staff wrote none
	Lines []string // the honest ETA lines, or the maintenance window
	URL   string   // the public page of the incident or maintenance, in that language
	// Components names the affected components, up to three and a count of the rest.
	Components string
}

// Describe returns what ev says in language locale ("ko" or "en").
func Describe(ev Event, locale string) Words {
	l := lang.Of(locale)
	if ev.Location == nil {
		ev.Location = time.UTC
	}
	c := clock{l: l, loc: ev.Location, now: ev.Now}
	text, _ := ev.Message.Map(strings.TrimSpace).Pick(l, ev.fallback())
	if text == "" {
		text = defaultText(ev, l)
	}
	page, _ := ev.PageName.Pick(l, ev.fallback())
	title, _ := ev.Title.Pick(l, ev.fallback())
	return Words{Page: page, State: stateText(ev, l), Title: title, Text: text, Lines: statusLines(ev, c),
		URL: buildData(ev, l)["url"], Components: componentList(ev.Components, l, ev.fallback())}
}

package templates

import (
	"context"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// href is an internal link that keeps the page's language: every page is rendered per
// language, so links always carry ?lang= (or &lang= when path has a query).
func href(p Page, path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "lang=" + url.QueryEscape(string(p.Lang))
}

// langHref links to this page in language l, keeping the page's own query.
func langHref(p Page, l Lang) string {
	path := p.Path
	if path == "" {
		path = "/"
	}
	s := path + "?lang=" + string(l)
	if p.Query != "" {
		s += "&" + p.Query
	}
	return s
}

// langSwitchHref links to this page in the other language.
func langSwitchHref(p Page) string {
	return langHref(p, otherLang(p.Lang))
}

// absURL is path on the public site, absolute when PublicURL is known.
func absURL(p Page, path string) string {
	return p.PublicURL + path
}

func incidentHref(p Page, id string) string {
	return href(p, "/incidents/"+url.PathEscape(id))
}

// historyHref links to page n of the history; page 1 is plain /history, its canonical URL.
func historyHref(p Page, n int) string {
	if n <= 1 {
		return href(p, "/history")
	}
	return href(p, "/history?page="+strconv.Itoa(n))
}

func pageTitle(p Page) string {
	if p.Title == "" || p.Title == p.Name {
		return p.Name
	}
	return p.Title + " · " + p.Name
}

// phrase renders T(l, key) with its {0}, {1}, ... placeholders replaced by components
// (usually <time> elements); the text around them is escaped.
func phrase(l Lang, key string, slots ...templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		s := T(l, key)
		for {
			i := strings.IndexByte(s, '{')
			if i < 0 || i+2 >= len(s) || s[i+2] != '}' || s[i+1] < '0' || s[i+1] > '9' {
				break
			}
			if _, err := io.WriteString(w, templ.EscapeString(s[:i])); err != nil {
				return err
			}
			if n := int(s[i+1] - '0'); n < len(slots) && slots[n] != nil {
				if err := slots[n].Render(ctx, w); err != nil {
					return err
				}
			}
			s = s[i+3:]
		}
		_, err := io.WriteString(w, templ.EscapeString(s))
		return err
	})
}

// componentName is an affected component's name, falling back to its id.
func componentName(s IncidentSummary, id string) lang.Text {
	if n := s.ComponentNames[id]; !n.IsZero() {
		return n
	}
	return lang.Same(id)
}

// changeName is the name a component had when an update changed it.
func changeName(s IncidentSummary, ch status.ComponentChange) lang.Text {
	if !ch.Name.IsZero() {
		return ch.Name
	}
	return componentName(s, ch.ComponentID)
}

// changeStatus reads ": Operational → Partial outage", after the component's name.
func changeStatus(l Lang, ch status.ComponentChange) string {
	if ch.OldStatus == "" || ch.OldStatus == ch.NewStatus {
		return ": " + ComponentStatusText(l, ch.NewStatus)
	}
	return ": " + ComponentStatusText(l, ch.OldStatus) + " → " + ComponentStatusText(l, ch.NewStatus)
}

// changeText reads "API: Operational → Partial outage" in l (the console's plain form).
func changeText(l Lang, s IncidentSummary, ch status.ComponentChange) string {
	name, _ := changeName(s, ch).Pick(l, l.Other())
	return name + changeStatus(l, ch)
}

func latestUpdate(inc status.Incident) *status.Update {
	return inc.LatestUpdate()
}

// latestStaffUpdate is the newest entry with a text, or nil.
func latestStaffUpdate(inc status.Incident) *status.Update {
	for i := len(inc.Updates) - 1; i >= 0; i-- {
		if !inc.Updates[i].Message.IsZero() {
			return &inc.Updates[i]
		}
	}
	return nil
}

// excerptText shortens each language's text to at most n runes.
func excerptText(t lang.Text, n int) lang.Text {
	return t.Map(func(s string) string { return excerpt(s, n) })
}

// startedAt is when an incident began, its creation when no start was recorded.
func startedAt(inc status.Incident) time.Time {
	if inc.StartedAt.IsZero() {
		return inc.CreatedAt
	}
	return inc.StartedAt
}

// zoneNote is the footer's zone, e.g. "KST (Asia/Seoul)".
func zoneNote(p Page) string {
	loc := pageLoc(p)
	label := ZoneLabel(loc, p.Now)
	if name := loc.String(); name != label && name != "UTC" && name != "Local" {
		return label + " (" + name + ")"
	}
	return label
}

// newestFirst returns the updates newest first without touching the incident.
func newestFirst(us []status.Update) []status.Update {
	out := make([]status.Update, len(us))
	for i, u := range us {
		out[len(us)-1-i] = u
	}
	return out
}

// dayClass is the CSS modifier of an uptime day: its worst status, or "nodata".
func dayClass(d status.DayUptime) string {
	if d.NoData {
		return "nodata"
	}
	if d.Worst == "" {
		return string(status.Operational)
	}
	return string(d.Worst)
}

// dayTexts memoizes the text of untroubled days, which is the same for every component
// on a page: a page of a thousand components formats 90 dates, not 90 000.
type dayTexts map[dayKey]string

type dayKey struct {
	day    int64
	noData bool
}

func untroubled(d status.DayUptime) bool {
	return (d.Worst == "" || d.Worst == status.Operational) && d.DowntimeMinutes()+d.DegradedMinutes+d.MaintenanceMinutes == 0 && len(d.Incidents) == 0
}

func (m dayTexts) text(p Page, d status.DayUptime) string {
	if m == nil || !untroubled(d) {
		return dayText(p, d)
	}
	k := dayKey{d.Day.Unix(), d.NoData}
	if s, ok := m[k]; ok {
		return s
	}
	s := dayText(p, d)
	m[k] = s
	return s
}

// uptimeSummary is the screen-reader sentence for an uptime bar: what it covers, the
// percentage, and the text of each day with trouble. Staff names in it (the component's,
// incidents') that fall back to the other language carry their lang, as on the page.
func uptimeSummary(p Page, c ComponentView, days int) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := phrase(p.Lang, "uptime.label", txt(p, c.Component.Name), plainText(strconv.Itoa(days))).Render(ctx, w); err != nil {
			return err
		}
		s := ". "
		if uptimeHasData(c.Uptime) {
			s += Tf(p.Lang, "uptime.percent", formatPercent(c.Uptime.Percent)) + ". "
		}
		trouble := troubledDays(c.Uptime)
		if len(trouble) == 0 {
			s += T(p.Lang, "uptime.trouble.none")
		}
		if _, err := io.WriteString(w, templ.EscapeString(s)); err != nil {
			return err
		}
		// troubledDays is newest first; the sentence reads oldest first, like the bar.
		for i := len(trouble) - 1; i >= 0; i-- {
			if i < len(trouble)-1 {
				if _, err := io.WriteString(w, "; "); err != nil {
					return err
				}
			}
			if err := dayLine(p, trouble[i]).Render(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// dayText describes an uptime day for the hover title (an attribute: a fallback name in
// it cannot be marked), e.g.
// "Nov 22, 2026: 42 min partial outage, 10 min major outage. Incidents: Login failures".
func dayText(p Page, d status.DayUptime) string {
	s := dayHead(p, d)
	if len(d.Incidents) > 0 && !d.NoData {
		titles := make([]string, len(d.Incidents))
		for i, r := range d.Incidents {
			titles[i] = plain(p, r.Title)
		}
		s += ". " + Tf(p.Lang, "day.incidents", strings.Join(titles, "; "))
	}
	return s
}

// dayLine is dayText as markup, for text on the page: an incident title falling back to
// the other language is marked with it.
func dayLine(p Page, d status.DayUptime) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := io.WriteString(w, templ.EscapeString(dayHead(p, d))); err != nil {
			return err
		}
		if len(d.Incidents) == 0 || d.NoData {
			return nil
		}
		titles := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			for i, r := range d.Incidents {
				if i > 0 {
					if _, err := io.WriteString(w, "; "); err != nil {
						return err
					}
				}
				if err := txt(p, r.Title).Render(ctx, w); err != nil {
					return err
				}
			}
			return nil
		})
		if _, err := io.WriteString(w, ". "); err != nil {
			return err
		}
		return phrase(p.Lang, "day.incidents", titles).Render(ctx, w)
	})
}

// dayHead is the date of an uptime day and what went wrong on it, without its incidents.
func dayHead(p Page, d status.DayUptime) string {
	l := p.Lang
	date := FormatDate(p, d.Day)
	if d.NoData {
		return date + ": " + T(l, "day.nodata")
	}
	var parts []string
	add := func(min int, key string) {
		if min > 0 {
			parts = append(parts, Tf(l, key, Tf(l, "dur.min", strconv.Itoa(min))))
		}
	}
	add(d.PartialMinutes, "day.partial")
	add(d.MajorMinutes, "day.major")
	if len(parts) == 0 {
		parts = append(parts, T(l, "day.nodowntime"))
	}
	add(d.DegradedMinutes, "day.degraded")
	add(d.MaintenanceMinutes, "day.maintenance")
	return date + ": " + strings.Join(parts, ", ")
}

// uptimeHasData reports whether any day of u was tracked.
func uptimeHasData(u status.ComponentUptime) bool {
	for _, d := range u.Days {
		if !d.NoData {
			return true
		}
	}
	return false
}

// indicatorStatus maps the overall indicator to the component status whose icon shows it.
func indicatorStatus(indicator string) status.ComponentStatus {
	switch indicator {
	case "minor":
		return status.DegradedPerformance
	case "major":
		return status.PartialOutage
	case "critical":
		return status.MajorOutage
	case "maintenance":
		return status.UnderMaintenance
	}
	return status.Operational
}

// impactStatus maps an incident impact to the status icon its badge uses.
func impactStatus(i status.Impact) status.ComponentStatus {
	switch i {
	case status.ImpactMinor:
		return status.DegradedPerformance
	case status.ImpactMajor:
		return status.PartialOutage
	case status.ImpactCritical:
		return status.MajorOutage
	}
	return status.Operational
}

// errorHeading is the error page's heading, a friendly default for the code when unset.
func errorHeading(v ErrorView) string {
	switch {
	case v.Heading != "":
		return v.Heading
	case v.Code == 404:
		return T(v.Lang, "error.notfound.title")
	}
	return T(v.Lang, "error.generic.title")
}

func errorMessage(v ErrorView) string {
	switch {
	case v.Message != "":
		return v.Message
	case v.Code == 404:
		return T(v.Lang, "error.notfound.message")
	}
	return T(v.Lang, "error.generic.message")
}

// shortDays is how many days of uptime a phone shows (the CSS hides older bars).
const shortDays = 30

// troubledDays are the days of u with downtime, degradation, maintenance or incidents,
// newest first.
func troubledDays(u status.ComponentUptime) []status.DayUptime {
	var out []status.DayUptime
	for i := len(u.Days) - 1; i >= 0; i-- {
		if d := u.Days[i]; !d.NoData && !untroubled(d) {
			out = append(out, d)
		}
	}
	return out
}

package templates

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// Helpers for the console's templates. Times are shown in the page's zone, in English.

func consoleTitle(p ConsolePage) string {
	if p.Title == "" {
		return "Staff console · " + p.PageName
	}
	return p.Title + " · Staff console · " + p.PageName
}

func consoleLoc(p ConsolePage) *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// cTime is a time in the page's zone, e.g. "Nov 22, 18:40 KST".
func cTime(p ConsolePage, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return FormatTime(English, t, consoleLoc(p), p.Now)
}

// cAgo is how long ago t was, e.g. "12 minutes ago".
func cAgo(p ConsolePage, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return Ago(English, p.Now, t)
}

func cDatetime(p ConsolePage, t time.Time) string { return t.In(consoleLoc(p)).Format(time.RFC3339) }

// cZone names the page's zone for form hints, e.g. "KST (Asia/Seoul)".
func cZone(p ConsolePage) string {
	return zoneNote(Page{Location: p.Location, Now: p.Now})
}

// fieldID is the HTML id of a form field named name.
func fieldID(name string) string {
	var b strings.Builder
	b.WriteString("f-")
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// invalid marks a field with a problem for assistive technology and links its message.
func invalid(errs FormErrors, name string) templ.Attributes {
	if _, ok := errs[name]; !ok {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-invalid": "true", "aria-describedby": fieldID(name) + "-error"}
}

func hasErr(errs FormErrors, name string) bool {
	_, ok := errs[name]
	return ok
}

// pairField is the form field of a text's language l: "title_ko", "title_en".
func pairField(name string, l Lang) string { return name + "_" + string(l) }

// pairInvalid reports whether a text or one of its languages has a problem.
func pairInvalid(errs FormErrors, name string) bool {
	return hasErr(errs, name) || hasErr(errs, name+".ko") || hasErr(errs, name+".en")
}

// ct is a staff text as the (English-first) console lists it: its English text, else its
// Korean one.
func ct(t lang.Text) string {
	s, _ := t.Pick(English, Korean)
	return s
}

// otherErrors lists problems that have no field of their own on the form, so none is lost.
func otherErrors(errs FormErrors, known ...string) []string {
	var out []string
	for f, msg := range errs {
		base, _, _ := strings.Cut(f, ".") // "title.en" belongs to the field "title"
		if !slices.Contains(known, f) && !slices.Contains(known, base) && !strings.HasPrefix(f, "components.") && !strings.HasPrefix(f, "actions.") {
			out = append(out, f+": "+msg)
		}
	}
	slices.Sort(out)
	return out
}

func incidentAdminHref(id string) string { return "/admin/incidents/" + url.PathEscape(id) }

func maintenanceAdminHref(id string) string { return "/admin/maintenances/" + url.PathEscape(id) }

// targetHref links an outbox job's incident or maintenance in the console.
func targetHref(j status.OutboxJob) string {
	if strings.HasPrefix(j.Event, "maintenance_") {
		return maintenanceAdminHref(j.IncidentID)
	}
	return incidentAdminHref(j.IncidentID)
}

func names(m map[string]lang.Text, ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = ct(nameOr(m, id))
	}
	return strings.Join(out, ", ")
}

func componentStatusOptions() []status.ComponentStatus {
	return []status.ComponentStatus{status.DegradedPerformance, status.PartialOutage, status.MajorOutage,
		status.UnderMaintenance, status.Operational}
}

func openStatuses() []status.IncidentStatus {
	return []status.IncidentStatus{status.Investigating, status.Identified, status.Monitoring}
}

func statusWord(s status.ComponentStatus) string { return ComponentStatusText(English, s) }

func istatusWord(s status.IncidentStatus) string { return IncidentStatusText(English, s) }

func impactWord(i status.Impact) string {
	if i == "" {
		return "Impact from the component statuses"
	}
	return ImpactText(English, i)
}

func causeWord(c status.Cause) string { return CauseText(English, c) }

func maintWord(s status.MaintenanceStatus) string { return MaintenanceStatusText(English, s) }

// groupName is a component's group name ("" when ungrouped).
func groupName(groups []status.Group, id string) string {
	for _, g := range groups {
		if g.ID == id {
			return ct(g.Name)
		}
	}
	return ""
}

// estimateRange reads "18:40–20:10 KST" for a model range.
func estimateRange(p ConsolePage, e *ETAView) string {
	if e == nil || e.P50.IsZero() {
		return ""
	}
	if e.P90.IsZero() {
		return "around " + cTime(p, e.P50)
	}
	return cTime(p, e.P50) + " – " + cTime(p, e.P90)
}

func chanceText(c *status.Chance) string {
	if c == nil {
		return ""
	}
	return c.Describe(English)
}

func durationWords(d time.Duration) string { return FormatDuration(English, d) }

func ttlWords(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return FormatDuration(English, d)
}

func itoa(n int) string { return strconv.Itoa(n) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// langLabel names a language in English, for the console.
func langLabel(l Lang) string {
	if l == Korean {
		return "Korean"
	}
	return "English"
}

// isStaffActor reports whether the audit entry names a person or key rather than Candor.
func actorText(a status.Actor) string {
	if a.Name == "" {
		return string(a.Kind)
	}
	return a.Name + " (" + string(a.Kind) + ")"
}

func activeKeys(keys []status.APIKey) int {
	n := 0
	for _, k := range keys {
		if k.RevokedAt.IsZero() {
			n++
		}
	}
	return n
}

func rowErr(v UsersView, id, field string) string {
	if v.RowID != id {
		return ""
	}
	return v.RowError[field]
}

func followUpStateWord(s string) string {
	switch status.FollowUpState(s) {
	case status.FollowUpInProgress:
		return "In progress"
	case status.FollowUpDone:
		return "Done"
	}
	return "Open"
}

// actionField names a follow-up row's field in the form.
func actionField(n int, f string) string { return "actions." + strconv.Itoa(n) + "." + f }

// tookText is a job run's duration, to the millisecond.
func tookText(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return d.Round(time.Millisecond).String()
}

// unlikelyAdvice says what the page will show beside an unlikely announced time.
func unlikelyAdvice(p ConsolePage, v *PreviewView) string {
	s := "The status page will show the model's range next to it"
	if e := v.Estimate; e != nil && !e.P50.IsZero() {
		s += " (half of similar incidents were restored by " + cTime(p, e.P50)
		if !e.P90.IsZero() {
			s += ", 9 in 10 by " + cTime(p, e.P90)
		}
		s += ")"
	}
	return s + ". Consider announcing a later time, or post anyway if you know more than history does."
}

// estimateSentence states a model range for staff.
func estimateSentence(p ConsolePage, e *status.Estimate) string {
	s := "Model range: half of similar incidents were restored by " + cTime(p, e.P50)
	if !e.P90.IsZero() {
		s += ", 9 in 10 by " + cTime(p, e.P90)
	}
	return s + fmt.Sprintf(" (%d similar incidents).", e.Samples)
}

// currentStatuses is what an open incident gives each component it holds now.
func currentStatuses(inc status.Incident) map[string]status.ComponentStatus {
	out := map[string]status.ComponentStatus{}
	for _, a := range inc.Components {
		out[a.ComponentID] = a.Status
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// formErrs returns the maintenance page's problems when they belong to form.
func formErrs(v MaintenanceDetailView, form string) FormErrors {
	if v.Form != form {
		return nil
	}
	return v.Errors
}

func templateAction(id string) string {
	if id == "" {
		return "/admin/templates/new"
	}
	return "/admin/templates/" + url.PathEscape(id)
}

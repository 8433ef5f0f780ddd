package templates

import (
	"strconv"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// DraftCard is a draft incident at the top of the dashboard: what monitoring saw, and how
// the page and the phones will read if it is published as it stands.
type DraftCard struct {
	Draft   status.DraftDetail
	Preview *PreviewView // nil when it cannot be published as it stands (Problem says why)
	Problem string
}

// Suggestion is an open incident whose monitoring signals have all resolved: staff confirm
// the "monitoring" phase with one click.
type Suggestion struct {
	Incident status.Incident
	Since    time.Time // when the last signal resolved
	Message  lang.Text // the update's pre-filled message
}

// DraftPageView reviews one draft: the pre-filled, editable form, its preview and signals.
type DraftPageView struct {
	ConsolePage
	Draft      status.DraftDetail
	Components []status.Component
	Groups     []status.Group
	Names      map[string]lang.Text
	Form       IncidentForm
	Preview    *PreviewView
	Errors     FormErrors
	Problem    string
}

// MonitoringForm is a component's monitoring settings as typed.
type MonitoringForm struct {
	TemplateID  string
	AutoPublish string // minutes, "" or "0" for never
	Sparkline   bool
}

// draftHref is a draft's review page.
func draftHref(id string) string { return "/admin/drafts/" + id }

// signalState words a signal's state for staff.
func signalState(g status.Signal) string {
	switch {
	case g.Pending() && g.Firing:
		return "firing (held: not in effect yet)"
	case g.Pending():
		return "resolved (held: still in effect)"
	case g.Firing:
		return "firing"
	}
	return "resolved"
}

// ProbeForm is the add-a-probe form as typed.
type ProbeForm struct {
	Name, Kind, Target, Method, ExpectStatus, BodyContains, CertMinDays string
	Interval, Timeout, FailAfter, RecoverAfter, Status                  string
}

// percent words an availability share, "99.95%", or "no checks".
func percent(m status.MetricsPoint) string {
	a := m.Availability()
	if a < 0 {
		return "no checks"
	}
	return strconv.FormatFloat(a*100, 'f', 2, 64) + "%"
}

// msText words a latency in milliseconds.
func msText(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 0, 64) + " ms"
}

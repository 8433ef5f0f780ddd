package status

import (
	"slices"
	"time"

	"github.com/candorstatus/candor/lang"
)

// DraftStatus is where a draft incident is in its life.
type DraftStatus string

// Draft statuses.
const (
	DraftOpen      DraftStatus = "open"      // waiting for staff (or for auto-publish)
	DraftPublished DraftStatus = "published" // an incident with the same id exists
	DraftDismissed DraftStatus = "dismissed" // staff decided it was not worth an incident
)

// DraftStatuses lists every valid draft status.
var DraftStatuses = []DraftStatus{DraftOpen, DraftPublished, DraftDismissed}

// Valid reports whether s is a known draft status.
func (s DraftStatus) Valid() bool { return slices.Contains(DraftStatuses, s) }

// Draft is an incident monitoring opened and nobody has published yet. It is not public:
// it lives apart from incidents, so no page, feed, JSON document or push can show it, and
// it becomes an incident (with the same id) only when staff publish it, or when its
// component's auto-publish time passes with the signal still firing.
type Draft struct {
	ID     string
	Status DraftStatus
	// Title, Message, Impact and Cause are pre-filled from the component's incident
	// template, or from Candor's own words when it has none; staff edit them on publishing.
	Title   lang.Text
	Message lang.Text
	Impact  Impact
	Cause   Cause
	// Components are what the signals ask for, by component.
	Components []AffectedComponent
	// StartedAt is when the first signal began; the published incident starts then.
	StartedAt time.Time
	// Source and Summary are the signal that opened the draft, for the dashboard.
	Source  string
	Summary string
	// AutoPublishAt is when the draft publishes itself if nobody acted and a signal still
	// fires (zero: only staff publish it).
	AutoPublishAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ClosedAt and ClosedBy say when and by whom it was published or dismissed.
	ClosedAt time.Time
	ClosedBy string
}

// ComponentIDs returns the ids of the draft's components.
func (d *Draft) ComponentIDs() []string {
	ids := make([]string, len(d.Components))
	for i, c := range d.Components {
		ids[i] = c.ComponentID
	}
	return ids
}

// Holds reports whether the draft names component id.
func (d *Draft) Holds(id string) bool { return slices.Contains(d.ComponentIDs(), id) }

// DraftFilter selects drafts.
type DraftFilter struct {
	Status DraftStatus // "": any
	Limit  int         // 0: no limit
}

// ValidateDraftRecord checks what a stored draft needs: an id, a known status, a title and
// a start time.
func ValidateDraftRecord(d *Draft) error {
	p := Problems{}
	if d.ID == "" {
		p.Add("id", "is required")
	}
	if !d.Status.Valid() {
		p.Add("status", "must be one of %s", JoinNames(DraftStatuses))
	}
	if d.Title.IsZero() {
		p.Add("title", "is required")
	}
	if d.StartedAt.IsZero() {
		p.Add("started_at", "is required")
	}
	return p.Err()
}

// MonitorSettings is how a component reacts to signals, set by staff per component.
type MonitorSettings struct {
	ComponentID string
	// TemplateID names the incident template its drafts start from ("" : Candor's words).
	TemplateID string
	// AutoPublishAfter publishes a draft nobody acted on after this long, while its signal
	// still fires (0: never).
	AutoPublishAfter time.Duration
	// Sparkline shows a response-time sparkline of its probes on the home page.
	Sparkline bool
	UpdatedAt time.Time
}

// MaxAutoPublishAfter bounds the auto-publish delay: beyond a day a draft is stale news.
const MaxAutoPublishAfter = 24 * time.Hour

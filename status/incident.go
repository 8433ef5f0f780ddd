package status

import (
	"slices"
	"time"

	"github.com/candorstatus/candor/lang"
)

// Impact is how bad an incident is for users, in Statuspage's vocabulary.
type Impact string

// Impacts, least to most severe.
const (
	ImpactNone     Impact = "none"
	ImpactMinor    Impact = "minor"
	ImpactMajor    Impact = "major"
	ImpactCritical Impact = "critical"
)

// Impacts lists every valid impact, least severe first.
var Impacts = []Impact{ImpactNone, ImpactMinor, ImpactMajor, ImpactCritical}

// Valid reports whether i is a known impact.
func (i Impact) Valid() bool { return slices.Contains(Impacts, i) }

// Worse reports whether i is more severe than o.
func (i Impact) Worse(o Impact) bool {
	return slices.Index(Impacts, i) > slices.Index(Impacts, o)
}

// IncidentStatus is the phase an incident is in.
type IncidentStatus string

// Incident phases in the order they usually come.
const (
	Investigating IncidentStatus = "investigating"
	Identified    IncidentStatus = "identified"
	Monitoring    IncidentStatus = "monitoring"
	Resolved      IncidentStatus = "resolved"
)

// IncidentStatuses lists every valid phase.
var IncidentStatuses = []IncidentStatus{Investigating, Identified, Monitoring, Resolved}

// Valid reports whether s is a known phase.
func (s IncidentStatus) Valid() bool { return slices.Contains(IncidentStatuses, s) }

// Open reports whether an incident in phase s is still unresolved.
func (s IncidentStatus) Open() bool { return s != Resolved }

// Cause is the broad kind of fault behind an incident; it lets the ETA model and the
// postmortem review compare like with like.
type Cause string

// Causes.
const (
	CausePower      Cause = "power"
	CauseNetwork    Cause = "network"
	CauseDeploy     Cause = "deploy"
	CauseDatabase   Cause = "database"
	CauseCapacity   Cause = "capacity"
	CauseThirdParty Cause = "third_party"
	CauseOther      Cause = "other"
)

// Causes lists every valid cause.
var Causes = []Cause{CausePower, CauseNetwork, CauseDeploy, CauseDatabase, CauseCapacity, CauseThirdParty, CauseOther}

// Valid reports whether c is a known cause; the empty cause (unknown) is valid too.
func (c Cause) Valid() bool { return c == "" || slices.Contains(Causes, c) }

// UpdateKind tells who wrote a timeline entry.
type UpdateKind string

// Update kinds.
const (
	KindStaff  UpdateKind = "staff"  // posted by a person or an API client
	KindSystem UpdateKind = "system" // written by Candor itself (e.g. a missed ETA)
	KindImport UpdateKind = "import" // copied from another status page's history
)

// AffectedComponent is a component an incident holds, with the status the incident gives it.
type AffectedComponent struct {
	ComponentID string
	Status      ComponentStatus
}

// ComponentChange is one component status set by an update.
type ComponentChange struct {
	ComponentID string
	Name        lang.Text // the component's name when the update was posted
	OldStatus   ComponentStatus
	NewStatus   ComponentStatus
}

// Update is one entry of an incident's append-only timeline.
type Update struct {
	ID         string
	IncidentID string
	Kind       UpdateKind
	Status     IncidentStatus
	// Impact, when set, changes the incident's impact from this update on.
	Impact Impact
	// Message is the staff's text; on system entries it is empty and the entry is worded
	// from its facts (Missed, Estimate) in the reader's language when shown.
	Message    lang.Text
	Components []ComponentChange
	// AnnouncedETA is the restoration time staff announced in this update (zero: none).
	AnnouncedETA time.Time
	Notify       bool
	PostedBy     string
	CreatedAt    time.Time
	// Estimate is the model's range published with this entry (nil: none, e.g. resolved).
	Estimate *Estimate
	// AnnouncedChance scores this entry's AnnouncedETA against history (nil: no score).
	AnnouncedChance *Chance
	// Missed, on a system entry, is the promised time whose passing it reports.
	Missed time.Time
}

// Incident is an unplanned disruption and its timeline. Its current state (status, phase
// times, components, announced time) is derived from the timeline by Derive, never edited.
type Incident struct {
	ID     string
	Title  lang.Text
	Impact Impact
	Status IncidentStatus
	Cause  Cause
	// UsersAffectedPercent is the share of users affected, 0–100, when known.
	UsersAffectedPercent *float64
	StartedAt            time.Time
	IdentifiedAt         time.Time // zero until identified
	MonitoringAt         time.Time // zero until monitoring
	ResolvedAt           time.Time // zero while open
	CreatedAt            time.Time
	UpdatedAt            time.Time
	Components           []AffectedComponent
	// AnnouncedETA is the latest staff-announced restoration time still standing (zero: none).
	AnnouncedETA time.Time
	// Source and ExternalID identify an imported incident ("statuspage", its id) so a second
	// import recognises it.
	Source     string
	ExternalID string
	Updates    []Update // oldest first
}

// Open reports whether the incident is unresolved.
func (inc *Incident) Open() bool { return inc.Status.Open() }

// ComponentIDs returns the ids of the components the incident holds.
func (inc *Incident) ComponentIDs() []string {
	ids := make([]string, len(inc.Components))
	for i, c := range inc.Components {
		ids[i] = c.ComponentID
	}
	return ids
}

// ComponentStatus returns the status the incident gives component id, if it holds it.
func (inc *Incident) ComponentStatus(id string) (ComponentStatus, bool) {
	for _, c := range inc.Components {
		if c.ComponentID == id {
			return c.Status, true
		}
	}
	return "", false
}

// LatestUpdate returns the newest timeline entry, or nil for an incident without one.
func (inc *Incident) LatestUpdate() *Update {
	if len(inc.Updates) == 0 {
		return nil
	}
	return &inc.Updates[len(inc.Updates)-1]
}

// Derive recomputes the incident's current state from its timeline: status, impact, phase
// times, the components it holds and the standing announced restoration time. Title, cause,
// start and creation times are the incident's own and are kept.
func (inc *Incident) Derive() {
	inc.IdentifiedAt, inc.MonitoringAt, inc.ResolvedAt = time.Time{}, time.Time{}, time.Time{}
	inc.AnnouncedETA = time.Time{}
	inc.Components = nil
	var prev IncidentStatus // the status before this update; "" before the first
	for i := range inc.Updates {
		inc.fold(&inc.Updates[i], prev)
		prev = inc.Updates[i].Status
	}
	inc.settle()
}

// Apply appends u to the timeline of an open incident and derives the state it leaves from
// the current state and u alone: what Derive over the whole timeline gives (the tests check
// it), without needing the earlier entries. So a write loads only the incident's state
// (Tx.IncidentState) and costs the same however long the timeline has grown (issue 18).
func (inc *Incident) Apply(u Update) {
	prev := inc.Status
	inc.Updates = append(inc.Updates, u)
	inc.fold(&inc.Updates[len(inc.Updates)-1], prev)
	inc.settle()
}

// fold moves the derived state on by one timeline entry; prev is the status before it.
func (inc *Incident) fold(u *Update, prev IncidentStatus) {
	inc.Status = u.Status
	if u.Impact != "" {
		inc.Impact = u.Impact
	}
	inc.UpdatedAt = u.CreatedAt
	switch u.Status {
	case Identified:
		if inc.IdentifiedAt.IsZero() {
			inc.IdentifiedAt = u.CreatedAt
		}
	case Monitoring:
		if inc.MonitoringAt.IsZero() {
			inc.MonitoringAt = u.CreatedAt
		}
	case Resolved:
		if prev != Resolved { // later entries (a postmortem note) do not move the end
			inc.ResolvedAt = u.CreatedAt
		}
	}
	if !u.AnnouncedETA.IsZero() {
		inc.AnnouncedETA = u.AnnouncedETA
	}
	for _, ch := range u.Components {
		i := slices.IndexFunc(inc.Components, func(a AffectedComponent) bool { return a.ComponentID == ch.ComponentID })
		if i < 0 {
			inc.Components = append(inc.Components, AffectedComponent{ComponentID: ch.ComponentID, Status: ch.NewStatus})
		} else {
			inc.Components[i].Status = ch.NewStatus
		}
	}
}

// settle finishes a derivation: a resolved incident no longer holds anything down nor
// promises anything.
func (inc *Incident) settle() {
	if inc.Status == Resolved {
		inc.AnnouncedETA = time.Time{}
		for i := range inc.Components {
			inc.Components[i].Status = Operational
		}
	}
}

package status

import (
	"slices"
	"time"

	"github.com/candorstatus/candor/lang"
)

// MaintenanceStatus is where planned work is in its life.
type MaintenanceStatus string

// Maintenance statuses, in Statuspage's vocabulary, plus cancelled.
const (
	MaintScheduled  MaintenanceStatus = "scheduled"
	MaintInProgress MaintenanceStatus = "in_progress"
	MaintVerifying  MaintenanceStatus = "verifying"
	MaintCompleted  MaintenanceStatus = "completed"
	MaintCancelled  MaintenanceStatus = "cancelled"
)

// MaintenanceStatuses lists every valid status.
var MaintenanceStatuses = []MaintenanceStatus{MaintScheduled, MaintInProgress, MaintVerifying, MaintCompleted, MaintCancelled}

// Valid reports whether s is a known status.
func (s MaintenanceStatus) Valid() bool { return slices.Contains(MaintenanceStatuses, s) }

// Active reports whether work is under way (components are under maintenance).
func (s MaintenanceStatus) Active() bool { return s == MaintInProgress || s == MaintVerifying }

// Done reports whether the maintenance is over, one way or the other.
func (s MaintenanceStatus) Done() bool { return s == MaintCompleted || s == MaintCancelled }

// DefaultRemindBefore is when reminders go out when none are given.
var DefaultRemindBefore = []time.Duration{24 * time.Hour, time.Hour}

// MaintenanceUpdate is one entry of a maintenance's timeline.
type MaintenanceUpdate struct {
	ID            string
	MaintenanceID string
	Kind          UpdateKind // staff or system
	Status        MaintenanceStatus
	Message       lang.Text // "" on system entries, worded from Event when shown
	Notify        bool
	PostedBy      string
	CreatedAt     time.Time
	// Event names what a system entry records: "started", "held", "released", "override",
	// "completed", "verifying", "late", "reminder"; "" for staff entries.
	Event string
}

// Maintenance is planned work announced ahead. The scheduler starts and ends it on time,
// unless an unresolved incident affects its components: then it is held (work control).
type Maintenance struct {
	ID             string
	Title          lang.Text
	Status         MaintenanceStatus
	Components     []string
	ScheduledFor   time.Time
	ScheduledUntil time.Time
	Notify         bool
	RemindBefore   []time.Duration
	// RemindersSent lists the RemindBefore offsets already announced, so a restart never
	// sends one twice.
	RemindersSent []time.Duration
	AutoComplete  bool
	// HeldBy lists the unresolved incidents that keep it from starting (empty: not held).
	HeldBy    []string
	HeldSince time.Time
	// OverrideReason is why staff started it despite an unresolved incident.
	OverrideReason string
	// PriorStatus remembers each component's status before the work, to return to it.
	PriorStatus map[string]ComponentStatus
	StartedAt   time.Time
	EndedAt     time.Time // completed or cancelled
	// LateNotified is when "running late" was announced (zero: not yet).
	LateNotified time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Updates      []MaintenanceUpdate // oldest first
}

// Held reports whether work control keeps the maintenance from starting.
func (m *Maintenance) Held() bool { return len(m.HeldBy) > 0 }

// Late reports whether the work runs past its planned end at now.
func (m *Maintenance) Late(now time.Time) bool {
	return m.Status.Active() && now.After(m.ScheduledUntil)
}

// Holds reports whether the maintenance puts component id under maintenance now.
func (m *Maintenance) Holds(id string) bool {
	return m.Status.Active() && slices.Contains(m.Components, id)
}

// LatestUpdate returns the newest timeline entry, or nil.
func (m *Maintenance) LatestUpdate() *MaintenanceUpdate {
	if len(m.Updates) == 0 {
		return nil
	}
	return &m.Updates[len(m.Updates)-1]
}

// MaintenanceFilter selects maintenances.
type MaintenanceFilter struct {
	Statuses []MaintenanceStatus // empty: any
	Limit    int                 // 0: no limit
}

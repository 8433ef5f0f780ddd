package status

import (
	"strings"
	"time"
)

// Signals are what monitoring tells Candor about a component: an Alertmanager alert, a
// report to the generic signal API, or a probe that crossed its failure threshold. A signal
// moves its component's status through the same rule set as incidents and maintenance
// (syncComponents), opens a draft incident that people publish, and never writes anything
// the public reads by itself except the component's status.

// DefaultSignalHold is how long a reported signal state must hold before it changes a
// component: Alertmanager's group_wait and Prometheus' `for` already damp, but a flapping
// check must not make the page flicker.
const DefaultSignalHold = 30 * time.Second

// ProbeKeyPrefix starts the key of a probe's signal. Probes damp by counting consecutive
// results (N failures, M successes), so their signals take effect at once.
const ProbeKeyPrefix = "probe:"

// Limits on what a signal carries.
const (
	MaxSignalKeyLen     = 200
	MaxSignalSourceLen  = 64
	MaxSignalSummaryLen = 500
)

// Signal is one alert's (or probe's, or external check's) state, kept per deduplication key.
type Signal struct {
	// Key identifies the alert across deliveries: "alertmanager:<fingerprint>",
	// "signal:<source>:<dedup_key>" or "probe:<probe id>".
	Key         string
	ComponentID string
	// Source names the sender: "alertmanager", "probe", or what an API client says
	// ("grafana"). It is recorded with every change in the audit log.
	Source string
	// Summary is what the monitoring says; staff read it, the public never does.
	Summary string
	// Status is what the component is while the signal fires.
	Status ComponentStatus
	// Firing is the state last reported.
	Firing bool
	// Since is when the reported state (Firing, Status) last changed; the hold counts from it.
	Since time.Time
	// BeganAt is when the current (or last) firing began, as the sender says: an incident
	// published from it starts then, not when someone pressed publish.
	BeganAt time.Time
	// EndedAt is when the signal was last reported resolved; zero while it fires.
	EndedAt    time.Time
	LastSeenAt time.Time
	// Repeats counts deliveries that only repeated the reported state (deduplicated).
	Repeats int
	// Active is the status in effect on the component after damping; "" when the signal
	// does not hold the component.
	Active ComponentStatus
	// IncidentID is the draft or incident the signal belongs to ("" : none yet). A draft
	// keeps its id when published, so the link survives publishing.
	IncidentID string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Wanted is the status the reported state asks for: Status while firing, "" once resolved.
func (g *Signal) Wanted() ComponentStatus {
	if g.Firing {
		return g.Status
	}
	return ""
}

// Pending reports whether the reported state is not yet in effect (damping is holding it).
func (g *Signal) Pending() bool { return g.Active != g.Wanted() }

// Damped reports whether the signal waits for the hold before it takes effect.
func (g *Signal) Damped() bool { return !strings.HasPrefix(g.Key, ProbeKeyPrefix) }

// DueAt is when a pending signal takes effect under hold.
func (g *Signal) DueAt(hold time.Duration) time.Time {
	if !g.Damped() {
		return g.Since
	}
	return g.Since.Add(hold)
}

// SignalFilter selects signals. Every set field must match.
type SignalFilter struct {
	ComponentID string
	IncidentID  string
	// Attached keeps signals that belong to a draft or an incident.
	Attached bool
	// Active keeps signals that hold their component now.
	Active bool
	// Pending keeps signals whose reported state is not yet in effect.
	Pending bool
	Limit   int // 0: no limit
}

// ValidateSignalRecord checks what a stored signal needs: a key, a component, a source, a
// status a signal can ask for and an Active status that is empty or one of those.
func ValidateSignalRecord(g *Signal) error {
	p := Problems{}
	if g.Key == "" {
		p.Add("key", "is required")
	}
	if g.ComponentID == "" {
		p.Add("component_id", "is required")
	}
	if g.Source == "" {
		p.Add("source", "is required")
	}
	if !SignalStatus(g.Status) {
		p.Add("status", "must be one of %s", JoinNames(SignalStatuses))
	}
	if g.Active != "" && !SignalStatus(g.Active) {
		p.Add("active", "must be empty or one of %s", JoinNames(SignalStatuses))
	}
	return p.Err()
}

// SignalStatuses are the statuses a signal may give a component.
var SignalStatuses = []ComponentStatus{DegradedPerformance, PartialOutage, MajorOutage}

// SignalStatus reports whether a signal may ask for st.
func SignalStatus(st ComponentStatus) bool {
	return st == DegradedPerformance || st == PartialOutage || st == MajorOutage
}

// SuggestMonitoring reports whether the signals of a draft or an open incident say the
// trouble is over: there are some, and none fires or holds a component any more. People
// resolve incidents; this only suggests the "monitoring" phase for staff to confirm.
func SuggestMonitoring(signals []Signal) bool {
	if len(signals) == 0 {
		return false
	}
	for i := range signals {
		if signals[i].Firing || signals[i].Active != "" {
			return false
		}
	}
	return true
}

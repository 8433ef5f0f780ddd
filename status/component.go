package status

import (
	"strings"
	"time"
	"unicode"

	"github.com/candorstatus/candor/lang"
)

// ComponentStatus is how a component is doing, in Statuspage's vocabulary.
type ComponentStatus string

// Component statuses, from best to worst (under_maintenance sorts between operational and
// degraded for "worst of" purposes, as Statuspage's overall indicator does).
const (
	Operational         ComponentStatus = "operational"
	UnderMaintenance    ComponentStatus = "under_maintenance"
	DegradedPerformance ComponentStatus = "degraded_performance"
	PartialOutage       ComponentStatus = "partial_outage"
	MajorOutage         ComponentStatus = "major_outage"
)

// ComponentStatuses lists every valid status, best first.
var ComponentStatuses = []ComponentStatus{Operational, UnderMaintenance, DegradedPerformance, PartialOutage, MajorOutage}

// Valid reports whether s is a known status.
func (s ComponentStatus) Valid() bool { return s.rank() >= 0 }

func (s ComponentStatus) rank() int {
	for i, v := range ComponentStatuses {
		if v == s {
			return i
		}
	}
	return -1
}

// Worse reports whether s is worse than o.
func (s ComponentStatus) Worse(o ComponentStatus) bool { return s.rank() > o.rank() }

// IsOutage reports whether s counts as (partial or major) downtime.
func (s ComponentStatus) IsOutage() bool { return s == PartialOutage || s == MajorOutage }

// Group gathers components on the page (a service area or a data centre).
type Group struct {
	ID          string
	Name        lang.Text
	Description lang.Text
	Position    int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Component is one part of the service the public can see the status of.
type Component struct {
	ID          string // stable slug, e.g. "messenger"
	Name        lang.Text
	Description lang.Text
	GroupID     string // "" when ungrouped
	Position    int
	Status      ComponentStatus
	// Showcase and OnlyShowIfDegraded mirror Statuspage's display flags.
	Showcase           bool
	OnlyShowIfDegraded bool
	// StartDate is the first day the component's uptime is counted; zero means its creation.
	StartDate time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits on text the public reads.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 2000
	MaxTitleLen       = 200
	MaxMessageLen     = 10000
	MaxIDLen          = 64
	// MaxPosition bounds a component's place in the list: far more than any page has, and
	// small enough that "after the last one" (+1) cannot overflow and fits every store's
	// integer column (PostgreSQL's is 32-bit).
	MaxPosition = 1_000_000
)

// Slug derives a stable id from a name: lower-case ASCII letters and digits joined by
// hyphens. Names with no ASCII letters or digits (for example Korean only) give "".
func Slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	s := b.String()
	if len(s) > MaxIDLen {
		s = strings.TrimRight(s[:MaxIDLen], "-")
	}
	return s
}

// ValidID reports whether id is a usable component or group id: a slug, or an id imported
// from Statuspage (lower-case letters and digits).
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0 && i < len(id)-1:
		default:
			return false
		}
	}
	return true
}

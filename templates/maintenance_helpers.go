package templates

import (
	"slices"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/status"
)

// MaintenanceStatusText is a maintenance status in words.
func MaintenanceStatusText(l Lang, s status.MaintenanceStatus) string {
	return T(l, "maint."+string(s))
}

// maintenanceOutcomeText is a maintenance's status in words, saying "completed with
// problems" when the checks after the work failed.
func maintenanceOutcomeText(l Lang, m status.Maintenance) string {
	if m.Status == status.MaintCompleted && m.ProblemsFound() {
		return T(l, "maint.completed_problems")
	}
	return MaintenanceStatusText(l, m.Status)
}

// maintenanceEventText heads a maintenance timeline entry: what the system did, or the
// status staff posted.
func maintenanceEventText(l Lang, u status.MaintenanceUpdate) string {
	switch u.Event {
	case "started", "held", "released", "override", "reminder", "late", "problems", "checks":
		return T(l, "maint.event."+u.Event)
	}
	return MaintenanceStatusText(l, u.Status)
}

func maintenanceHref(p Page, id string) string { return href(p, "/maintenances/"+id) }

func nameOr(names map[string]lang.Text, id string) lang.Text {
	if n := names[id]; !n.IsZero() {
		return n
	}
	return lang.Same(id)
}

func newestFirstM(us []status.MaintenanceUpdate) []status.MaintenanceUpdate {
	out := slices.Clone(us)
	slices.Reverse(out)
	return out
}

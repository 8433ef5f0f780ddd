package status

// Overall is the page's overall indicator, exactly as Statuspage names it.
type Overall struct {
	Indicator   string // none | minor | major | critical | maintenance
	Description string
}

// Overall indicators and their descriptions, as Statuspage's clients expect them.
var (
	OverallOperational = Overall{"none", "All Systems Operational"}
	OverallDegraded    = Overall{"minor", "Partially Degraded Service"}
	OverallMinorOutage = Overall{"minor", "Minor Service Outage"}
	OverallPartial     = Overall{"major", "Partial System Outage"}
	OverallMajor       = Overall{"critical", "Major System Outage"}
	OverallMaintenance = Overall{"maintenance", "Service Under Maintenance"}
)

// OverallStatus derives the overall indicator. Component statuses decide (the worst one
// dominates; maintenance shows only when nothing is worse). With no components at all, the
// worst open incident's impact decides.
func OverallStatus(components []Component, open []Incident) Overall {
	if len(components) > 0 {
		worst := Operational
		for _, c := range components {
			if c.Status.Worse(worst) {
				worst = c.Status
			}
		}
		switch worst {
		case MajorOutage:
			return OverallMajor
		case PartialOutage:
			return OverallPartial
		case DegradedPerformance:
			return OverallDegraded
		case UnderMaintenance:
			return OverallMaintenance
		}
		return OverallOperational
	}
	impact := ImpactNone
	for _, inc := range open {
		if inc.Open() && inc.Impact.Worse(impact) {
			impact = inc.Impact
		}
	}
	switch impact {
	case ImpactCritical:
		return OverallMajor
	case ImpactMajor:
		return OverallPartial
	case ImpactMinor:
		return OverallMinorOutage
	}
	return OverallOperational
}

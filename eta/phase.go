package eta

import (
	"math"
	"sort"
	"time"
)

// phase is where an incident stands in Statuspage's workflow.
type phase int8

const (
	phaseInvestigating phase = iota
	phaseIdentified
	phaseMonitoring
	numPhases
)

// String is the phase's name in Statuspage's vocabulary.
func (p phase) String() string {
	switch p {
	case phaseIdentified:
		return "identified"
	case phaseMonitoring:
		return "monitoring"
	}
	return "investigating"
}

// phaseAt returns the phase at elapsed e (minutes) of an incident that entered
// identified and monitoring at the given elapsed minutes (negative: never, or not yet
// known). Of the phases reached by e the most recently entered one wins, so an incident
// that went back from monitoring to identified counts as identified.
func phaseAt(e, identified, monitoring float64) phase {
	ph, entry := phaseInvestigating, 0.0
	if identified >= 0 && identified <= e {
		ph, entry = phaseIdentified, identified
	}
	if monitoring >= 0 && monitoring <= e && (ph == phaseInvestigating || monitoring >= entry) {
		ph = phaseMonitoring
	}
	return ph
}

// landmarks are the elapsed times, in minutes, at which Build stratifies history by
// phase: 0, then 5 minutes growing by √2 up to 60 days. A query at elapsed e uses the
// largest landmark ≤ e. The geometric spacing keeps the phase at the landmark close to
// the phase at e in relative terms at every scale (incidents change phase on a log-time
// scale), with about two dozen landmarks in all; it is not aligned with any evaluation
// point.
func landmarks() []float64 {
	out := []float64{0}
	for x := 5.0; x <= 60*1440; x *= math.Sqrt2 {
		out = append(out, x)
	}
	return out
}

// landmarkGrid is landmarks(), shared read-only by every model.
var landmarkGrid = landmarks()

// landmarkIndex returns the index of the largest landmark ≤ e.
func landmarkIndex(grid []float64, e float64) int {
	k := sort.SearchFloat64s(grid, math.Nextafter(e, math.Inf(1))) - 1
	if k < 0 {
		return 0
	}
	return k
}

// entryMinutes is a phase entry as minutes from start, or -1 when the phase was not
// entered by end (which is now for open incidents). Entries before the start (clock skew)
// count as at the start.
func entryMinutes(start, entry, end time.Time) float64 {
	if entry.IsZero() || entry.After(end) {
		return -1
	}
	return math.Max(0, minutes(entry.Sub(start)))
}

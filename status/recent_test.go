package status

import (
	"testing"
	"time"
)

// TestRecentEntriesSuffice: only when the newest entries hold everything the derived
// fields read may a caller skip the rest of the timeline.
func TestRecentEntriesSuffice(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	ahead := &Estimate{P50: now.Add(time.Hour), P80: now.Add(2 * time.Hour), P90: now.Add(3 * time.Hour)}
	passed := &Estimate{P50: now.Add(-time.Minute), P80: now.Add(time.Hour), P90: now.Add(2 * time.Hour)}
	chance := &Chance{}
	for _, c := range []struct {
		name string
		inc  Incident
		want bool
	}{
		{"open, a range ahead", Incident{Status: Investigating, Updates: []Update{{Estimate: ahead}}}, true},
		{"no range among them", Incident{Status: Investigating, Updates: []Update{{}}}, false},
		{"the latest range passed", Incident{Status: Investigating, Updates: []Update{{Estimate: passed}}}, false},
		{"announced further back", Incident{Status: Investigating, AnnouncedETA: now.Add(time.Hour),
			Updates: []Update{{Estimate: ahead}}}, false},
		{"announced among them", Incident{Status: Investigating, AnnouncedETA: now.Add(time.Hour),
			Updates: []Update{{Estimate: ahead, AnnouncedETA: now.Add(time.Hour), AnnouncedChance: chance}}}, true},
		{"resolved", Incident{Status: Resolved, ResolvedAt: now, Updates: []Update{{Estimate: ahead}}}, false},
	} {
		if got := c.inc.RecentEntriesSuffice(now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

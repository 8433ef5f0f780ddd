package sqlite

import (
	"strings"
	"testing"
)

// TestUptimeQueryPlans checks that uptime roll-ups are read along their keys, never by
// scanning the whole history: one component's range walks the primary key in the order
// asked for, every component's range reads the days in range from uptime_days_day (and
// sorts only those), and the latest day reads one entry of uptime_days_day.
func TestUptimeQueryPlans(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		name    string
		query   string
		args    []any
		want    string
		notWant []string
	}{
		{"one component", uptimeDaysQuery(true), []any{"2026-01-01", "2026-03-31", "api"},
			"SEARCH uptime_days USING PRIMARY KEY (component_id=? AND day>? AND day<?)", []string{"TEMP B-TREE", "SCAN"}},
		{"every component", uptimeDaysQuery(false), []any{"2026-01-01", "2026-03-31"},
			"SEARCH uptime_days USING INDEX uptime_days_day (day>? AND day<?)", []string{"SCAN"}},
		{"latest day", latestUptimeDayQuery, nil,
			"SEARCH uptime_days USING COVERING INDEX uptime_days_day", []string{"SCAN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, s, tt.query, tt.args...)
			if !strings.Contains(plan, tt.want) {
				t.Errorf("plan lacks %q:\n%s", tt.want, plan)
			}
			for _, w := range tt.notWant {
				if strings.Contains(plan, w) {
					t.Errorf("plan has %q:\n%s", w, plan)
				}
			}
		})
	}
}

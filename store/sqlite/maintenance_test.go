package sqlite

import (
	"strings"
	"testing"
)

// TestMaintenanceQueryPlans checks that maintenance lists read their indexes: the
// scheduler's question (a few statuses) reads only the maintenances in those statuses,
// never the whole history, and one status or none needs no sort.
func TestMaintenanceQueryPlans(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		name      string
		query     string
		args      []any
		want      string
		mayNotUse string
	}{
		{"all", maintenancesQuery(0), []any{10}, "SCAN maintenances USING INDEX maintenances_scheduled_for", "TEMP B-TREE"},
		{"one status", maintenancesQuery(1), []any{"scheduled", 10},
			"SEARCH maintenances USING INDEX maintenances_status (status=?)", "TEMP B-TREE"},
		{"three statuses", maintenancesQuery(3), []any{"in_progress", "scheduled", "verifying", -1},
			"SEARCH maintenances USING INDEX maintenances_status (status=?)", "SCAN maintenances"},
		{"timelines", maintenanceTimelinesQuery, []any{`["a","b"]`},
			"SEARCH maintenance_updates USING INDEX", "SCAN maintenance_updates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.reader.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notUsed int
				var detail string
				if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			all := strings.Join(plan, "\n")
			if !strings.Contains(all, tt.want) || strings.Contains(all, tt.mayNotUse) {
				t.Errorf("plan:\n%s\nwant %q and no %q", all, tt.want, tt.mayNotUse)
			}
		})
	}
}

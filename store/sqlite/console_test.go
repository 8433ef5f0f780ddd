package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/status"
)

// TestConsoleQueryPlans checks that session sweeps and postmortem lists read their indexes
// instead of scanning or sorting.
func TestConsoleQueryPlans(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		name    string
		query   string
		args    []any
		want    string
		notWant []string
	}{
		{"expired sessions", deleteExpiredSessionsQuery, []any{1},
			"SEARCH sessions USING INDEX sessions_expires_at (expires_at<?)", []string{"SCAN"}},
		{"a user's sessions", deleteUserSessionsQuery, []any{"u"},
			"SEARCH sessions USING INDEX sessions_user_id (user_id=?)", []string{"SCAN"}},
		{"postmortems", postmortemsQuery, nil,
			"SCAN postmortems USING INDEX postmortems_created_at", []string{"TEMP B-TREE"}},
		{"all actions", postmortemActionsQuery(""), nil,
			"SCAN postmortem_actions USING INDEX", []string{"TEMP B-TREE"}},
		{"one postmortem's actions", postmortemActionsQuery("WHERE incident_id = ?"), []any{"a"},
			"SEARCH postmortem_actions USING INDEX", []string{"TEMP B-TREE", "SCAN"}},
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

// TestDueDateCheck checks that the schema refuses a due date that is not a real calendar
// day in 'YYYY-MM-DD' form, whatever writes it.
func TestDueDateCheck(t *testing.T) {
	s, _ := openTest(t)
	err := s.Write(t.Context(), func(tx status.Tx) error {
		inc := &status.Incident{ID: "a", Title: lang.Same("A"), StartedAt: time.Now()}
		return tx.CreateIncident(inc)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.ExecContext(t.Context(), `INSERT INTO postmortems (incident_id, cause, impact, timeline, author)
		VALUES ('a', '', '', '', '')`); err != nil {
		t.Fatal(err)
	}
	for i, d := range []any{"2025-03-14", nil, "0001-01-02", "9999-12-31"} {
		if _, err := s.writer.ExecContext(t.Context(), `INSERT INTO postmortem_actions
			(incident_id, id, position, title, owner, due_date, state) VALUES ('a', ?, ?, 't', '', ?, 'open')`,
			"ok"+string(rune('a'+i)), i, d); err != nil {
			t.Errorf("due date %v refused: %v", d, err)
		}
	}
	for i, d := range []any{"2025-02-30", "2025-3-14", "2025-03-14 00:00:00", "20250314", "", 20250314} {
		if _, err := s.writer.ExecContext(t.Context(), `INSERT INTO postmortem_actions
			(incident_id, id, position, title, owner, due_date, state) VALUES ('a', ?, ?, 't', '', ?, 'open')`,
			"bad"+string(rune('a'+i)), 100+i, d); err == nil {
			t.Errorf("due date %v accepted", d)
		}
	}
}

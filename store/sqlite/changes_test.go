package sqlite

import (
	"database/sql"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// TestSQLFixIsAChange: an operator's SQL fix to an incident, its timeline or its
// components, made outside Candor, reaches readers catching up with IncidentsChangedSince:
// triggers stamp the row, not the store's code.
func TestSQLFixIsAChange(t *testing.T) {
	s, path := openTest(t)
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	inc := &status.Incident{ID: "a", Title: lang.Same("Down"), Impact: status.ImpactMinor, StartedAt: start, CreatedAt: start,
		Updates: []status.Update{{ID: "a-u0", Kind: status.KindStaff, Status: status.Investigating, Message: lang.Same("Looking."),
			Components: []status.ComponentChange{{ComponentID: "api", OldStatus: status.Operational, NewStatus: status.MajorOutage}}, CreatedAt: start}}}
	inc.Derive()
	if err := s.Write(t.Context(), func(tx status.Tx) error {
		if err := tx.CreateIncident(inc); err != nil {
			return err
		}
		_, err := tx.BumpRevision("incident")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, fix := range []string{
		`UPDATE incidents SET users_affected_percent = 5 WHERE id = 'a'`,
		`UPDATE incident_updates SET message = '"Fixed by hand."' WHERE id = 'a-u0'`,
		`DELETE FROM incident_components WHERE incident_id = 'a'`,
	} {
		var rev int64
		var changed []status.Incident
		if err := s.Read(t.Context(), func(tx status.Tx) (err error) { rev, err = tx.Revision(); return err }); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Exec(fix); err != nil {
			t.Fatalf("%s: %v", fix, err)
		}
		if err := s.Read(t.Context(), func(tx status.Tx) (err error) { changed, err = tx.IncidentsChangedSince(rev); return err }); err != nil {
			t.Fatal(err)
		}
		if len(changed) != 1 || changed[0].ID != "a" {
			t.Errorf("after %s: changed since %d: %v, want incident a", fix, rev, changed)
		}
		if err := s.Write(t.Context(), func(tx status.Tx) error { _, err := tx.BumpRevision(""); return err }); err != nil {
			t.Fatal(err)
		}
	}
}

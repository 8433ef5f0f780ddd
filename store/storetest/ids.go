package storetest

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// testIDsNeverReused: groups and components share one id space, and an id once used is
// never handed out again, so nothing keyed by id merges two different things.
func testIDsNeverReused(t *testing.T, s status.Store) {
	taken := func(tx status.Tx, id string) bool {
		t.Helper()
		ok, err := tx.IDTaken(id)
		if err != nil {
			t.Fatalf("IDTaken(%s): %v", id, err)
		}
		return ok
	}
	write(t, s, func(tx status.Tx) error {
		if taken(tx, "voice-calls") {
			t.Error("an id is taken in an empty store")
		}
		if err := tx.PutGroup(newGroup("voice-calls", "Voice calls", 0)); err != nil {
			return err
		}
		wantCode(t, "CreateComponent with a group's id", tx.CreateComponent(newComponent("voice-calls", "Voice calls", 0)), status.ECONFLICT)
		c := newComponent("calls", "Calls", 0)
		c.GroupID = "voice-calls"
		if err := tx.CreateComponent(c); err != nil {
			return err
		}
		wantCode(t, "PutGroup with a component's id", tx.PutGroup(newGroup("calls", "Calls", 1)), status.ECONFLICT)
		// Updating a group is not taking its id again.
		return tx.PutGroup(newGroup("voice-calls", "Voice and video calls", 0))
	})
	read(t, s, func(tx status.Tx) error {
		gs, err := tx.Groups()
		if len(gs) != 1 || gs[0].Name.EN != "Voice and video calls" {
			t.Errorf("groups after the refused puts: %+v", gs)
		}
		if _, cerr := tx.Component("voice-calls"); status.ErrorCode(cerr) != status.ENOTFOUND {
			t.Errorf("the refused component was written: %v", cerr)
		}
		return err
	})

	// Deleted: the ids stay taken.
	write(t, s, func(tx status.Tx) error {
		if err := tx.DeleteComponent("calls"); err != nil {
			return err
		}
		if err := tx.DeleteGroup("voice-calls"); err != nil {
			return err
		}
		for _, id := range []string{"calls", "voice-calls"} {
			if !taken(tx, id) {
				t.Errorf("the deleted %s's id is free again", id)
			}
		}
		wantCode(t, "CreateComponent with a deleted component's id", tx.CreateComponent(newComponent("calls", "Calls", 0)), status.ECONFLICT)
		wantCode(t, "PutGroup with a deleted group's id", tx.PutGroup(newGroup("voice-calls", "Voice", 0)), status.ECONFLICT)
		wantCode(t, "CreateComponent with a deleted group's id", tx.CreateComponent(newComponent("voice-calls", "Voice", 0)), status.ECONFLICT)
		return nil
	})

	// Timelines: Candor's own updates and maintenances take the ids they name (a restored
	// export keeps its deleted components' ids); an imported update does not.
	start := base.Add(-time.Hour)
	write(t, s, func(tx status.Tx) error {
		inc := newIncident("i1", start)
		inc.Updates[0].Components = []status.ComponentChange{{ComponentID: "gone", NewStatus: status.MajorOutage}}
		if err := tx.CreateIncident(inc); err != nil {
			return err
		}
		imp := newIncident("i2", start)
		imp.Source, imp.ExternalID = "statuspage", "x1"
		imp.Updates[0].Kind = status.KindImport
		imp.Updates[0].Components = []status.ComponentChange{{ComponentID: "elsewhere", NewStatus: status.MajorOutage}}
		if err := tx.CreateIncident(imp); err != nil {
			return err
		}
		u := newUpdate("i1", "i1-u9", status.Identified, start.Add(time.Minute),
			status.ComponentChange{ComponentID: "appended", NewStatus: status.PartialOutage})
		if err := tx.AppendUpdate(&u); err != nil {
			return err
		}
		m := newMaintenance("m1", status.MaintScheduled, start)
		m.Components = []string{"maintained"}
		return tx.CreateMaintenance(m)
	})
	read(t, s, func(tx status.Tx) error {
		for id, want := range map[string]bool{"gone": true, "appended": true, "maintained": true, "elsewhere": false} {
			if got := taken(tx, id); got != want {
				t.Errorf("IDTaken(%s) = %v, want %v", id, got, want)
			}
		}
		return nil
	})
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "CreateComponent with an id a timeline named", tx.CreateComponent(newComponent("gone", "Gone", 0)), status.ECONFLICT)
		// An imported history may be linked to a component created after it.
		return tx.CreateComponent(newComponent("elsewhere", "Elsewhere", 0))
	})
}

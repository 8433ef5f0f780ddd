package storetest

import (
	"github.com/candorstatus/candor/lang"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// day returns a calendar day as a store gives it back: midnight UTC of that date.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var kst = time.FixedZone("KST", 9*60*60)

// fullPostmortem returns a published postmortem of incidentID with every field set. Its
// actions are in no sorted order; their due dates carry times of day in KST, and the last
// one falls on the previous day in UTC.
func fullPostmortem(incidentID string) *status.Postmortem {
	return &status.Postmortem{
		IncidentID: incidentID,
		Cause:      lang.Same("A config push removed the DB replica from the pool — 설정 배포 오류."),
		Impact:     lang.Same("38% of logins failed for 41 minutes."),
		Timeline:   lang.Same("09:26 Alerts fired.\n09:31 Rolled back.\n10:07 Recovered."),
		Actions: []status.FollowUp{
			{ID: "fu-2", Title: lang.Same("Canary config pushes"), Owner: "bob", DueDate: time.Date(2025, 4, 1, 15, 30, 0, 7, kst),
				State: status.FollowUpInProgress},
			{ID: "fu-1", Title: lang.Same("Alert on pool size"), State: status.FollowUpDone},
			{ID: "fu-3", Title: lang.Same("Runbook: 복제본 복구"), Owner: "carol", DueDate: time.Date(2025, 3, 15, 3, 0, 0, 0, kst),
				State: status.FollowUpOpen},
		},
		Author: "alice", PublishedAt: base.Add(48 * time.Hour), CreatedAt: base.Add(24 * time.Hour),
		UpdatedAt: base.Add(25*time.Hour + 9),
	}
}

// storedActions returns as as a store gives them back: due dates at midnight UTC of the
// date they have in their own location.
func storedActions(as []status.FollowUp) []status.FollowUp {
	var out []status.FollowUp
	for _, a := range as {
		if !a.DueDate.IsZero() {
			y, m, d := a.DueDate.Date()
			a.DueDate = day(y, m, d)
		}
		out = append(out, a)
	}
	return out
}

func storedPostmortem(p *status.Postmortem) *status.Postmortem {
	out := *p
	out.Actions = storedActions(p.Actions)
	return &out
}

func putPostmortems(t *testing.T, s status.Store, ps ...*status.Postmortem) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, p := range ps {
			if err := tx.PutPostmortem(p); err != nil {
				return err
			}
		}
		return nil
	})
}

func postmortem(t *testing.T, s status.Store, incidentID string) *status.Postmortem {
	t.Helper()
	var p *status.Postmortem
	read(t, s, func(tx status.Tx) error {
		var err error
		p, err = tx.Postmortem(incidentID)
		return err
	})
	return p
}

func testPostmortemRoundTrip(t *testing.T, s status.Store) {
	createIncidents(t, s, newIncident("a", base), newIncident("b", base.Add(time.Hour)))
	read(t, s, func(tx status.Tx) error {
		ps, err := tx.Postmortems()
		check(t, "Postmortems of an empty store", ps, []status.Postmortem(nil))
		if err != nil {
			return err
		}
		_, err = tx.Postmortem("a")
		wantCode(t, "Postmortem of an incident without one", err, status.ENOTFOUND)
		_, err = tx.Postmortem("nope")
		wantCode(t, "Postmortem of an unknown incident", err, status.ENOTFOUND)
		return nil
	})

	full := fullPostmortem("a")
	requireAllSet(t, full)
	// A draft without actions; action ids are unique within a postmortem only.
	draft := &status.Postmortem{IncidentID: "b", Actions: []status.FollowUp{{ID: "fu-1", Title: lang.Same("T"), State: status.FollowUpOpen}}}
	putPostmortems(t, s, full, draft)
	want := storedPostmortem(full)
	if d := want.Actions[2].DueDate; !d.Equal(day(2025, 3, 15)) {
		t.Fatalf("fixture: due date %s, want 2025-03-15 (the KST date)", d)
	}
	check(t, "Postmortem a", postmortem(t, s, "a"), want)
	check(t, "Postmortem b", postmortem(t, s, "b"), draft)

	// A put replaces everything but CreatedAt, the actions as a whole: one is dropped, one
	// kept under its id with new values, one added; the postmortem goes back to draft.
	repl := &status.Postmortem{IncidentID: "a", Cause: lang.Same("Replica removed by a config push."), Impact: lang.Same("Logins failed."),
		Timeline: lang.Same("Rewritten."), Author: "bob", CreatedAt: base.Add(100 * time.Hour), UpdatedAt: base.Add(30 * time.Hour),
		Actions: []status.FollowUp{
			{ID: "fu-4", Title: lang.Same("New action"), Owner: "dave", DueDate: day(2026, 1, 31), State: status.FollowUpOpen},
			{ID: "fu-2", Title: lang.Same("Canary every push"), Owner: "erin", State: status.FollowUpDone},
		}}
	requireAllChanged(t, full, repl, "IncidentID")
	putPostmortems(t, s, repl)
	wantRepl := storedPostmortem(repl)
	wantRepl.CreatedAt = full.CreatedAt
	check(t, "Postmortem after replace", postmortem(t, s, "a"), wantRepl)

	// Published again, then without actions.
	noActions := *wantRepl
	noActions.Actions, noActions.PublishedAt = []status.FollowUp{}, base.Add(31*time.Hour)
	putPostmortems(t, s, &noActions)
	noActions.Actions = nil
	check(t, "Postmortem without actions", postmortem(t, s, "a"), &noActions)
	check(t, "Postmortem b after a changed", postmortem(t, s, "b"), draft)
}

func testPostmortemErrors(t *testing.T, s status.Store) {
	createIncidents(t, s, newIncident("a", base))
	full := fullPostmortem("a")
	putPostmortems(t, s, full)

	with := func(change func(p *status.Postmortem)) *status.Postmortem {
		p := fullPostmortem("a")
		p.Cause, p.UpdatedAt = lang.Same("Rejected."), base.Add(99*time.Hour)
		change(p)
		return p
	}
	tests := []struct {
		name string
		p    *status.Postmortem
		code string
	}{
		{"unknown incident", with(func(p *status.Postmortem) { p.IncidentID = "nope" }), status.ENOTFOUND},
		{"no incident id", with(func(p *status.Postmortem) { p.IncidentID = "" }), status.EINVALID},
		{"action without id", with(func(p *status.Postmortem) { p.Actions[1].ID = "" }), status.EINVALID},
		{"repeated action id", with(func(p *status.Postmortem) { p.Actions[2].ID = p.Actions[0].ID }), status.EINVALID},
		{"action without title", with(func(p *status.Postmortem) { p.Actions[2].Title = lang.Same("") }), status.EINVALID},
		{"action without state", with(func(p *status.Postmortem) { p.Actions[0].State = "" }), status.EINVALID},
		{"action with unknown state", with(func(p *status.Postmortem) { p.Actions[0].State = "closed" }), status.EINVALID},
		{"due date after 9999", with(func(p *status.Postmortem) { p.Actions[1].DueDate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), status.EINVALID},
		{"due date before year 1", with(func(p *status.Postmortem) { p.Actions[1].DueDate = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC) }), status.EINVALID},
	}
	// A rejected PutPostmortem writes nothing, and fn may go on and commit.
	write(t, s, func(tx status.Tx) error {
		for _, tt := range tests {
			wantCode(t, "PutPostmortem with "+tt.name, tx.PutPostmortem(tt.p), tt.code)
		}
		_, err := tx.BumpRevision("")
		return err
	})
	check(t, "Postmortem after rejected puts", postmortem(t, s, "a"), storedPostmortem(full))
	read(t, s, func(tx status.Tx) error {
		_, err := tx.Postmortem("nope")
		wantCode(t, "Postmortem of an unknown incident after a rejected put", err, status.ENOTFOUND)
		ps, err := tx.Postmortems()
		check(t, "Postmortems after rejected puts", ps, []status.Postmortem{*storedPostmortem(full)})
		return err
	})
	// Edge years are fine.
	edge := fullPostmortem("a")
	edge.Actions[0].DueDate, edge.Actions[1].DueDate = time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC), time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	putPostmortems(t, s, edge)
	check(t, "Postmortem with due dates in years 1 and 9999", postmortem(t, s, "a"), storedPostmortem(edge))
}

func testPostmortemsOrder(t *testing.T, s status.Store) {
	ids := []string{"a", "b", "c", "d", "e"}
	for i, id := range ids {
		createIncidents(t, s, newIncident(id, base.Add(time.Duration(i)*time.Hour)))
	}
	pm := func(id string, created time.Time) *status.Postmortem {
		return &status.Postmortem{IncidentID: id, Cause: lang.Same("Cause of " + id), Author: "alice", CreatedAt: created,
			Actions: []status.FollowUp{
				{ID: id + "-1", Title: lang.Same("First of " + id), State: status.FollowUpOpen, DueDate: day(2025, 5, 1)},
				{ID: id + "-0", Title: lang.Same("Second of " + id), State: status.FollowUpDone},
			}}
	}
	// Newest CreatedAt first, ties by incident id, the zero time last.
	c, a, b := pm("c", base.Add(2*time.Hour)), pm("a", base.Add(time.Hour)), pm("b", base.Add(time.Hour))
	d, e := pm("d", base), pm("e", time.Time{})
	putPostmortems(t, s, e, b, d, c, a)
	want := []status.Postmortem{*c, *a, *b, *d, *e}
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Postmortems()
		check(t, "Postmortems", got, want)
		return err
	})
	// A replace keeps CreatedAt, so the order.
	d2 := pm("d", base.Add(10*time.Hour))
	d2.Cause = lang.Same("Rewritten.")
	putPostmortems(t, s, d2)
	d2.CreatedAt = d.CreatedAt
	want[3] = *d2
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Postmortems()
		check(t, "Postmortems after a replace", got, want)
		return err
	})
}

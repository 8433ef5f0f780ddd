package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// testIncidentsChangedSince: a reader that read every incident at a revision catches up
// with IncidentsChangedSince, which returns what writes created, appended to or saved
// after that revision — also a write that did not bump it — with whole timelines, newest
// start first, and nothing a write that bumped the revision to it or below changed.
func testIncidentsChangedSince(t *testing.T, s status.Store) {
	// public writes fn and bumps the revision, as the service does for a public change.
	public := func(fn func(tx status.Tx) error) {
		t.Helper()
		write(t, s, func(tx status.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			_, err := tx.BumpRevision("incident")
			return err
		})
	}
	// since returns IncidentsChangedSince(rev) and, for comparison, the incidents with those
	// ids as Incident reads them, in the same transaction.
	since := func(rev int64, ids ...string) (got, want []status.Incident) {
		t.Helper()
		read(t, s, func(tx status.Tx) error {
			var err error
			if got, err = tx.IncidentsChangedSince(rev); err != nil {
				return err
			}
			// The same incidents as tails: each timeline from a position on.
			for _, inc := range got {
				n := len(inc.Updates)
				for _, from := range []int{-1, 0, n - 1, n, n + 1} {
					fromIDs := map[string]int{}
					if from >= 0 {
						fromIDs[inc.ID] = from
					}
					tails, err := tx.IncidentTailsSince(rev, fromIDs)
					if err != nil {
						return err
					}
					what := fmt.Sprintf("IncidentTailsSince(%d, %s from %d)", rev, inc.ID, from)
					check(t, what+": incidents", len(tails), len(got))
					for i, tl := range tails {
						if i >= len(got) || tl.Incident.ID != inc.ID {
							continue
						}
						skip := max(from, 0)
						want := got[i]
						want.Updates = want.Updates[min(skip, n):]
						if len(want.Updates) == 0 {
							want.Updates = nil
						}
						check(t, what, tl, status.IncidentTail{Incident: want, From: skip})
					}
				}
			}
			for _, id := range ids {
				inc, err := tx.Incident(id)
				if err != nil {
					return err
				}
				want = append(want, *inc)
			}
			return nil
		})
		return got, want
	}
	revision := func() (rev int64) {
		t.Helper()
		read(t, s, func(tx status.Tx) (err error) { rev, err = tx.Revision(); return err })
		return rev
	}

	r0 := revision()
	a, b := newIncident("a", base), newIncident("b", base.Add(time.Hour))
	public(func(tx status.Tx) error {
		if err := tx.CreateIncident(a); err != nil {
			return err
		}
		return tx.CreateIncident(b)
	})
	got, want := since(r0, "b", "a") // newest start first
	check(t, "created since", got, want)
	r1 := revision()
	got, _ = since(r1)
	check(t, "nothing changed since the last write", len(got), 0)

	// An update appended (and the state saved) to a.
	u := newUpdate("a", "a-u1", status.Identified, base.Add(2*time.Hour))
	public(func(tx status.Tx) error {
		if err := tx.AppendUpdate(&u); err != nil {
			return err
		}
		a.Updates = append(a.Updates, u)
		a.Derive()
		return tx.SaveIncidentState(a)
	})
	got, want = since(r1, "a")
	check(t, "appended to since", got, want)
	if len(got) == 1 && len(got[0].Updates) != 2 {
		t.Errorf("appended to since: %d updates, want the whole timeline of 2", len(got[0].Updates))
	}
	r2 := revision()

	// An update appended alone, then a state saved alone, each by a write that did not
	// bump the revision: the next reader still sees them.
	u2 := newUpdate("b", "b-u1", status.Monitoring, base.Add(3*time.Hour))
	write(t, s, func(tx status.Tx) error { return tx.AppendUpdate(&u2) })
	got, want = since(r2, "b")
	check(t, "appended to by a write without a bump", got, want)
	r3 := revision()
	a.Impact = status.ImpactMajor
	write(t, s, func(tx status.Tx) error { return tx.SaveIncidentState(a) })
	got, want = since(r3, "b", "a")
	check(t, "state saved by a write without a bump", got, want)

	// A rolled-back write changes nothing.
	_ = s.Write(wait(t), func(tx status.Tx) error {
		if err := tx.CreateIncident(newIncident("c", base.Add(4*time.Hour))); err != nil {
			return err
		}
		return status.Errorf(status.EINVALID, "roll back")
	})
	public(func(tx status.Tx) error { return nil })
	r4 := revision()
	got, _ = since(r4)
	check(t, "after a rolled-back write", len(got), 0)
	got, want = since(r0, "b", "a")
	check(t, "everything since the start", got, want)
}

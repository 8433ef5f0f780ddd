package storetest

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/status"
)

// newIncident returns an open incident with one update that degrades "messenger", its state
// derived.
func newIncident(id string, start time.Time) *status.Incident {
	inc := &status.Incident{ID: id, Title: lang.Same("Messages delayed (" + id + ")"), Impact: status.ImpactMinor,
		Cause: status.CauseNetwork, StartedAt: start, CreatedAt: start.Add(time.Minute)}
	inc.Updates = []status.Update{newUpdate(id, id+"-u0", status.Investigating, start.Add(time.Minute),
		status.ComponentChange{ComponentID: "messenger", Name: lang.Same("Messenger"),
			OldStatus: status.Operational, NewStatus: status.DegradedPerformance})}
	inc.Derive()
	return inc
}

func newUpdate(incID, id string, st status.IncidentStatus, at time.Time, changes ...status.ComponentChange) status.Update {
	return status.Update{ID: id, IncidentID: incID, Kind: status.KindStaff, Status: st,
		Message: lang.Same("Update " + id + ": " + string(st) + "."), Components: changes, Notify: true,
		PostedBy: "alice", CreatedAt: at}
}

// resolved returns inc with an update resolving it at at appended and its state derived.
func resolved(inc *status.Incident, at time.Time) *status.Incident {
	inc.Updates = append(inc.Updates, newUpdate(inc.ID, inc.ID+"-resolved", status.Resolved, at))
	inc.Derive()
	return inc
}

func createIncidents(t *testing.T, s status.Store, incs ...*status.Incident) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, inc := range incs {
			if err := tx.CreateIncident(inc); err != nil {
				return err
			}
		}
		return nil
	})
}

func testIncidentRoundTrip(t *testing.T, s status.Store) {
	pct := 37.25
	full := &status.Incident{
		ID: "full", Title: lang.Text{KO: "로그인 실패", EN: "Login fails"}, Cause: status.CauseDeploy, UsersAffectedPercent: &pct,
		StartedAt: base, CreatedAt: base.Add(2 * time.Minute), Source: "statuspage", ExternalID: "p8k2q0xyz",
		Updates: []status.Update{
			{ID: "full-u1", IncidentID: "full", Kind: status.KindImport, Status: status.Investigating,
				Impact: status.ImpactMajor, Message: lang.Same("Investigating.\n\nMore soon."),
				Components: []status.ComponentChange{
					{ComponentID: "login", Name: lang.Same("Login"), OldStatus: status.Operational, NewStatus: status.MajorOutage},
					{ComponentID: "api", Name: lang.Same("API"), OldStatus: status.Operational, NewStatus: status.PartialOutage},
				},
				AnnouncedETA: base.Add(3*time.Hour + 7), Notify: true, PostedBy: "bob", CreatedAt: base.Add(time.Minute),
				Estimate: &status.Estimate{P50: base.Add(time.Hour), P80: base.Add(2 * time.Hour), P90: base.Add(3*time.Hour + 1),
					Samples: 23, Pool: "components+impact", Few: true, Phase: "identified", At: base.Add(time.Minute)},
				AnnouncedChance: &status.Chance{P: 0.125, Met: 7, Of: 31},
				Missed:          base.Add(30 * time.Minute)},
			{ID: "full-u2", IncidentID: "full", Kind: status.KindSystem, Status: status.Identified,
				Message: lang.In(lang.Korean, "안내한 시각이 지났습니다."), CreatedAt: base.Add(4 * time.Hour)},
		},
	}
	full.Derive()
	// Phase times Derive would not combine with a standing ETA: the store does not care.
	full.MonitoringAt, full.ResolvedAt = base.Add(5*time.Hour), base.Add(6*time.Hour)
	requireAllSet(t, full)
	// Nothing optional set, and a start before 1970.
	minimal := &status.Incident{ID: "minimal", Title: lang.Same("Old"), Impact: status.ImpactNone, Status: status.Resolved,
		StartedAt: time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.UTC)}
	createIncidents(t, s, full, minimal)

	read(t, s, func(tx status.Tx) error {
		for _, want := range []*status.Incident{full, minimal} {
			got, err := tx.Incident(want.ID)
			if err != nil {
				return err
			}
			check(t, "Incident "+want.ID, got, want)
		}
		got, err := tx.IncidentByExternalID("statuspage", "p8k2q0xyz")
		if err != nil {
			return err
		}
		check(t, "IncidentByExternalID", got, full)
		return nil
	})
}

func testIncidentCreateErrors(t *testing.T, s status.Store) {
	imported := newIncident("imported", base)
	imported.Source, imported.ExternalID = "statuspage", "ext1"
	createIncidents(t, s, newIncident("a", base), imported)

	withSource := func(id, source, ext string) *status.Incident {
		inc := newIncident(id, base)
		inc.Source, inc.ExternalID = source, ext
		return inc
	}
	reusedUpdate := newIncident("reused-update", base)
	reusedUpdate.Updates[0].ID = "a-u0"
	noStart := newIncident("no-start", base)
	noStart.StartedAt = time.Time{}
	withShare := func(id string, v float64) *status.Incident {
		inc := newIncident(id, base)
		inc.UsersAffectedPercent = &v
		return inc
	}
	tests := []struct {
		name string
		inc  *status.Incident
		code string
	}{
		{"duplicate id", newIncident("a", base.Add(time.Hour)), status.ECONFLICT},
		{"duplicate external id", withSource("again", "statuspage", "ext1"), status.ECONFLICT},
		{"duplicate update id", reusedUpdate, status.ECONFLICT},
		{"no start time", noStart, status.EINVALID},
		{"NaN share of users", withShare("nan", math.NaN()), status.EINVALID},
		{"infinite share of users", withShare("inf", math.Inf(1)), status.EINVALID},
		{"negative infinite share of users", withShare("-inf", math.Inf(-1)), status.EINVALID},
		{"same external id, other source", withSource("other-source", "other", "ext1"), ""},
		{"second incident without external id", newIncident("b", base), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Write(wait(t), func(tx status.Tx) error { return tx.CreateIncident(tt.inc) })
			wantCode(t, "CreateIncident", err, tt.code)
		})
	}
	read(t, s, func(tx status.Tx) error {
		n, err := tx.CountIncidents(status.IncidentFilter{})
		if n != 4 {
			t.Errorf("CountIncidents = %d, want 4 (a, imported, other-source, b)", n)
		}
		return err
	})
}

func testIncidentNotFound(t *testing.T, s status.Store) {
	createIncidents(t, s, newIncident("a", base))
	tests := []struct {
		name string
		fn   func(tx status.Tx) error
	}{
		{"Incident", func(tx status.Tx) error { _, err := tx.Incident("nope"); return err }},
		{"IncidentState", func(tx status.Tx) error { _, err := tx.IncidentState("nope"); return err }},
		{"LatestUpdates", func(tx status.Tx) error { _, _, err := tx.LatestUpdates("nope", 5); return err }},
		{"IncidentByExternalID", func(tx status.Tx) error { _, err := tx.IncidentByExternalID("statuspage", "nope"); return err }},
		{"IncidentByExternalID empty", func(tx status.Tx) error { _, err := tx.IncidentByExternalID("", ""); return err }},
		{"AppendUpdate", func(tx status.Tx) error {
			u := newUpdate("nope", "nope-u1", status.Identified, base)
			return tx.AppendUpdate(&u)
		}},
		{"SaveIncidentState", func(tx status.Tx) error { return tx.SaveIncidentState(newIncident("nope", base)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.name, s.Write(wait(t), tt.fn), status.ENOTFOUND)
		})
	}
}

func testIncidentTimeline(t *testing.T, s status.Store) {
	inc := newIncident("a", base)
	createIncidents(t, s, inc)

	// Identified: messenger worse, api added, an ETA announced, impact raised.
	u := newUpdate("a", "a-u1", status.Identified, base.Add(time.Hour),
		status.ComponentChange{ComponentID: "messenger", Name: lang.Same("Messenger"),
			OldStatus: status.DegradedPerformance, NewStatus: status.PartialOutage},
		status.ComponentChange{ComponentID: "api", Name: lang.Same("API"), OldStatus: status.Operational, NewStatus: status.MajorOutage})
	u.Impact, u.AnnouncedETA = status.ImpactMajor, base.Add(3*time.Hour)
	advance := func(u status.Update) {
		t.Helper()
		write(t, s, func(tx status.Tx) error {
			if err := tx.AppendUpdate(&u); err != nil {
				return err
			}
			inc.Updates = append(inc.Updates, u)
			inc.Derive()
			return tx.SaveIncidentState(inc)
		})
		read(t, s, func(tx status.Tx) error {
			got, err := tx.Incident("a")
			check(t, "Incident after "+u.ID, got, inc)
			if err != nil {
				return err
			}
			// The state a write appends to: everything but the timeline.
			state, err := tx.IncidentState("a")
			want := *inc
			want.Updates = nil
			check(t, "IncidentState after "+u.ID, state, &want)
			if err != nil {
				return err
			}
			list, err := tx.Incidents(status.IncidentFilter{StateOnly: true})
			check(t, "Incidents StateOnly after "+u.ID, list, []status.Incident{want})
			if err != nil {
				return err
			}
			// The end of the timeline, in timeline order, and its length.
			for _, n := range []int{0, 2, 100} {
				latest, total, err := tx.LatestUpdates("a", n)
				if err != nil {
					return err
				}
				wantLatest := inc.Updates[max(0, len(inc.Updates)-n):]
				if len(wantLatest) == 0 {
					wantLatest = nil
				}
				check(t, fmt.Sprintf("LatestUpdates(%d) after %s", n, u.ID), latest, wantLatest)
				check(t, fmt.Sprintf("LatestUpdates(%d) total after %s", n, u.ID), total, len(inc.Updates))
			}
			return nil
		})
	}
	advance(u)
	if len(inc.Components) != 2 || inc.AnnouncedETA.IsZero() || inc.IdentifiedAt.IsZero() {
		t.Fatalf("test setup: Derive gave %+v", inc)
	}
	// An update dated before the others still goes to the end of the timeline.
	advance(newUpdate("a", "a-u2", status.Monitoring, base.Add(-time.Hour)))
	advance(newUpdate("a", "a-u3", status.Resolved, base.Add(5*time.Hour)))
	if inc.ResolvedAt.IsZero() || !inc.AnnouncedETA.IsZero() {
		t.Fatalf("test setup: Derive gave %+v", inc)
	}

	// SaveIncidentState can also drop every component.
	inc.Components = nil
	write(t, s, func(tx status.Tx) error { return tx.SaveIncidentState(inc) })
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Incident("a")
		check(t, "Incident without components", got, inc)
		return err
	})

	dup := newUpdate("a", "a-u1", status.Resolved, base)
	err := s.Write(wait(t), func(tx status.Tx) error { return tx.AppendUpdate(&dup) })
	wantCode(t, "AppendUpdate with a taken id", err, status.ECONFLICT)
}

func testIncidentsFilter(t *testing.T, s status.Store) {
	day := 24 * time.Hour
	a := resolved(newIncident("a", base.Add(-10*day)), base.Add(-9*day))
	b := resolved(newIncident("b", base.Add(-5*day)), base.Add(-day))
	c := newIncident("c", base.Add(-2*day))
	d := newIncident("d", base.Add(-time.Hour))
	e := resolved(newIncident("e", base.Add(-2*day)), base.Add(-2*day+time.Hour)) // starts with c: id decides
	createIncidents(t, s, e, a, d, b, c)

	tests := []struct {
		name  string
		f     status.IncidentFilter
		want  []string
		count int // ignores Limit and Offset
	}{
		{"all", status.IncidentFilter{}, []string{"d", "c", "e", "b", "a"}, 5},
		{"open", status.IncidentFilter{Status: "open"}, []string{"d", "c"}, 2},
		{"resolved", status.IncidentFilter{Status: "resolved"}, []string{"e", "b", "a"}, 3},
		{"active since (resolved at that time included)", status.IncidentFilter{ActiveSince: base.Add(-day)}, []string{"d", "c", "b"}, 3},
		{"resolved and active since", status.IncidentFilter{Status: "resolved", ActiveSince: base.Add(-3 * day)}, []string{"e", "b"}, 2},
		{"started before (strictly)", status.IncidentFilter{StartedBefore: base.Add(-2 * day)}, []string{"b", "a"}, 2},
		{"open and started before", status.IncidentFilter{Status: "open", StartedBefore: base}, []string{"d", "c"}, 2},
		{"limit", status.IncidentFilter{Limit: 2}, []string{"d", "c"}, 5},
		{"limit and offset", status.IncidentFilter{Limit: 2, Offset: 2}, []string{"e", "b"}, 5},
		{"offset only", status.IncidentFilter{Offset: 3}, []string{"b", "a"}, 5},
		{"offset past the end", status.IncidentFilter{Offset: 10}, nil, 5},
		{"nothing matches", status.IncidentFilter{StartedBefore: base.Add(-100 * day)}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read(t, s, func(tx status.Tx) error {
				got, err := tx.Incidents(tt.f)
				if err != nil {
					return err
				}
				if !slices.Equal(ids(got), tt.want) {
					t.Errorf("Incidents(%+v) = %v, want %v", tt.f, ids(got), tt.want)
				}
				n, err := tx.CountIncidents(tt.f)
				if n != tt.count {
					t.Errorf("CountIncidents(%+v) = %d, want %d", tt.f, n, tt.count)
				}
				return err
			})
		})
	}

	// Lists carry whole timelines, as Incident does.
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Incidents(status.IncidentFilter{})
		if err != nil {
			return err
		}
		byID := map[string]*status.Incident{"a": a, "b": b, "c": c, "d": d, "e": e}
		for _, inc := range got {
			check(t, "Incidents element "+inc.ID, inc, *byID[inc.ID])
		}
		return nil
	})
}

func testIncidentsInvalidFilter(t *testing.T, s status.Store) {
	for _, f := range []status.IncidentFilter{{Status: "closed"}, {Limit: -1}, {Offset: -1}} {
		read(t, s, func(tx status.Tx) error {
			_, err := tx.Incidents(f)
			wantCode(t, "Incidents with a bad filter", err, status.EINVALID)
			_, err = tx.CountIncidents(f)
			if f.Status != "" {
				wantCode(t, "CountIncidents with a bad filter", err, status.EINVALID)
			}
			return nil
		})
	}
}

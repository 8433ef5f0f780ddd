package estimator

import (
	"context"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/demo"
	"github.com/candorstatus/candor/eta"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// TestEstimatorPublishesTheTrackersRange checks that production estimates are the
// self-corrected ones — the replay of eta.Tracker over the store's history, the replay the
// backtest scores — and stay so as rebuilds reuse the tracker's memo.
func TestEstimatorPublishesTheTrackersRange(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	svc := status.NewService(st, clock, nil)
	if _, err := demo.Seed(ctx, svc, 200); err != nil {
		t.Fatal(err)
	}
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	_, comps, err := svc.Components(ctx)
	if err != nil || len(comps) == 0 {
		t.Fatalf("components %v: %v", comps, err)
	}
	inc, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("Slow API"), Status: status.Investigating,
		Message: lang.Same("Looking."), Components: map[string]status.ComponentStatus{comps[0].ID: status.MajorOutage},
		StartedAt: clock.Now().Add(-40 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	f := New(st, clock, nil)
	background := New(st, clock, nil)
	background.backgroundAbove = 10 // the demo history is larger: its cold replay runs in the background
	check := func(when string) {
		t.Helper()
		for _, f := range []*Estimator{f, background} {
			if err := f.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
		}
		background.mu.Lock() // held by a background replay until it is done
		background.mu.Unlock()
		cur, err := svc.Incident(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		all, _, err := svc.Incidents(ctx, status.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		recs := make([]eta.Record, len(all))
		for i := range all {
			recs[i] = Record(&all[i])
		}
		now := clock.Now()
		want := eta.NewTracker(eta.DefaultConfig()).Build(recs, now).Estimate(query(cur, now))
		// Within a second: a rebuild that reuses the memo starts some parametric fits from
		// elsewhere than a fresh replay does, and the optima agree far below that.
		near := func(a, b time.Time) bool { return a.Sub(b).Abs() < time.Second }
		for name, f := range map[string]*Estimator{"forecaster": f, "background replay": background} {
			got, ok := f.Estimate(cur, now)
			if !ok || !near(got.P50, want.P50) || !near(got.P80, want.P80) || !near(got.P90, want.P90) {
				t.Errorf("%s: %s %+v (%v), fresh tracker %v %v %v", when, name, got, ok, want.P50, want.P80, want.P90)
			}
		}
		got, _ := f.Estimate(cur, now)
		if uncorrected := eta.Build(recs, now, eta.DefaultConfig()).Estimate(query(cur, now)); uncorrected.P90.Equal(got.P90) {
			t.Errorf("%s: the forecaster publishes the uncorrected model's P90 %v", when, got.P90)
		}
	}
	check("first rebuild")
	clock.Advance(25 * time.Minute)
	if _, err := svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Status: status.Identified, Message: lang.Same("Found it.")}); err != nil {
		t.Fatal(err)
	}
	check("rebuild after an update")
	// Later rebuilds read only the incidents written since the last one: a new incident
	// and a resolved one must reach the model as a fresh read of the history would.
	clock.Advance(5 * time.Minute)
	other, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("Push delayed"), Status: status.Investigating,
		Message: lang.Same("Looking."), Components: map[string]status.ComponentStatus{comps[len(comps)-1].ID: status.PartialOutage}})
	if err != nil {
		t.Fatal(err)
	}
	check("rebuild after a new incident")
	clock.Advance(30 * time.Minute)
	if _, err := svc.PostUpdate(ctx, op, other.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Delivered.")}); err != nil {
		t.Fatal(err)
	}
	check("rebuild after a resolve")
}

// TestOnChangeRebuildsForHistoryOnly: the model learns from incidents, so an incident
// change (or one of unknown kind, as another replica's can be) asks for a rebuild and a
// component's or maintenance's does not — probes and signals change components often.
func TestOnChangeRebuildsForHistoryOnly(t *testing.T) {
	f := New(nil, status.NewManualClock(time.Now()), nil)
	for kind, want := range map[string]bool{"incident": true, "": true, "component": false, "maintenance": false} {
		f.OnChange(status.Change{Revision: 1, Kind: kind})
		select {
		case <-f.kick:
			if !want {
				t.Errorf("a %q change asked for a model rebuild", kind)
			}
		default:
			if want {
				t.Errorf("a %q change did not ask for a model rebuild", kind)
			}
		}
	}
}

package estimator

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// BenchmarkModelRebuild measures the ETA model's rebuild after one update to an open
// incident, over two years of history (three incidents a week on 20 components): what
// the throttled rebuild after an incident change costs. The read is only what changed
// (IncidentsChangedSince); the model itself is fitted to the whole history again.
//
//	go test -run '^$' -bench ModelRebuild -benchtime 20x ./eta/estimator/
func BenchmarkModelRebuild(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, b.TempDir()+"/candor.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	clock := status.NewManualClock(now)
	svc := status.NewService(st, clock, nil)
	op := status.Op{Actor: status.Actor{Kind: status.ActorSystem, Name: "bench"}}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: fmt.Sprintf("c%02d", i), Name: lang.Same(fmt.Sprint(i))}); err != nil {
			b.Fatal(err)
		}
	}
	k := 0
	for t := now.AddDate(-2, 0, 0); ; k++ {
		t = t.Add(time.Duration(rng.ExpFloat64() * float64(7*24*time.Hour) / 3))
		if t.After(now.Add(-2 * time.Hour)) {
			break
		}
		if _, _, err := svc.ImportIncident(ctx, op, benchIncident(rng, k, t, true)); err != nil {
			b.Fatal(err)
		}
	}
	open, _, err := svc.ImportIncident(ctx, op, benchIncident(rng, k, now.Add(-40*time.Minute), false))
	if err != nil {
		b.Fatal(err)
	}
	f := New(st, clock, nil)
	if err := f.Rebuild(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		if _, err := svc.PostUpdate(ctx, op, open.ID, status.UpdateInput{Message: lang.Same(fmt.Sprintf("Still on it (%d).", n))}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := f.Rebuild(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(k+1), "incidents")
}

func benchIncident(rng *rand.Rand, k int, t time.Time, resolved bool) *status.Incident {
	comp := fmt.Sprintf("c%02d", rng.IntN(20))
	total := max(5*time.Minute, time.Duration(float64(45*time.Minute)*math.Exp(rng.NormFloat64()*0.8)).Round(time.Minute))
	upd := func(at time.Time, s status.IncidentStatus, to, from status.ComponentStatus) status.Update {
		return status.Update{Kind: status.KindStaff, Status: s, Message: lang.Same(string(s)), CreatedAt: at, PostedBy: "bench",
			Components: []status.ComponentChange{{ComponentID: comp, OldStatus: from, NewStatus: to}}}
	}
	inc := &status.Incident{Title: lang.Same(fmt.Sprint("Incident ", k)), Impact: status.ImpactMinor, StartedAt: t, Source: "bench",
		ExternalID: fmt.Sprint(k), Updates: []status.Update{upd(t, status.Investigating, status.PartialOutage, status.Operational)}}
	if resolved {
		inc.Updates = append(inc.Updates, upd(t.Add(total), status.Resolved, status.Operational, status.PartialOutage))
	}
	return inc
}

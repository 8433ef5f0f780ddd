package status_test

import (
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// fixedEstimator always expects restoration p50 and p90 after now.
type fixedEstimator struct{ p50, p90 time.Duration }

func (f fixedEstimator) Estimate(inc *status.Incident, now time.Time) (status.Estimate, bool) {
	return status.Estimate{P50: now.Add(f.p50), P80: now.Add((f.p50 + f.p90) / 2), P90: now.Add(f.p90),
		Samples: 20, Pool: "all", At: now}, true
}

func (fixedEstimator) Chance(*status.Incident, time.Time, time.Time) (status.Chance, bool) {
	return status.Chance{P: 0.3, Met: 3, Of: 10}, true
}

// watch runs the watchdog at t and checks how many entries it wrote.
func (en *env) watch(at time.Time, want int) {
	en.t.Helper()
	en.clock.Set(at)
	n, err := en.svc.CheckMissedETAs(en.ctx)
	if err != nil {
		en.t.Fatalf("CheckMissedETAs at +%s: %v", at.Sub(t0), err)
	}
	if n != want {
		en.t.Fatalf("CheckMissedETAs at +%s wrote %d entries, want %d", at.Sub(t0), n, want)
	}
}

// missed returns the watchdog's entries on an incident.
func missed(inc *status.Incident) []status.Update {
	var out []status.Update
	for _, u := range inc.Updates {
		if u.Kind == status.KindSystem && !u.Missed.IsZero() {
			out = append(out, u)
		}
	}
	return out
}

func (en *env) wantMissedText(u status.Update, m wording.Missed) {
	en.t.Helper()
	if u.Message.KO == u.Message.EN {
		en.t.Errorf("automatic entry %#v reads the same in both languages", u.Message)
	}
	for _, l := range lang.All {
		if want := wording.MissedEntry(l, m, en.seoul, u.CreatedAt); u.Message.Get(l) != want {
			en.t.Errorf("automatic entry in %s: %q, want %q", l, u.Message.Get(l), want)
		}
	}
}

func TestCheckMissedETAsReportsEachAnnouncedTimeOnce(t *testing.T) {
	en := newEnv(t, t0)
	en.withNotifier()
	en.components("api")
	eta := t0.Add(30 * time.Minute)
	in := validIncident()
	in.AnnouncedETA, in.Notify = eta, true
	inc, err := en.svc.CreateIncident(en.ctx, op, in)
	if err != nil {
		t.Fatal(err)
	}
	quiet := en.open("No promise", comps{"api": status.DegradedPerformance})

	en.watch(eta.Add(-time.Second), 0)
	en.watch(eta, 1)
	got := en.incident(inc.ID)
	ms := missed(got)
	if len(ms) != 1 || !ms[0].Missed.Equal(eta) || !ms[0].CreatedAt.Equal(eta) || !ms[0].Notify ||
		ms[0].Status != status.Investigating || ms[0].PostedBy != status.System.Name || len(ms[0].Components) != 0 {
		t.Fatalf("automatic entries %+v, want one reporting %s", ms, eta)
	}
	en.wantMissedText(ms[0], wording.Missed{Announced: true, Due: eta})
	if got.Status != status.Investigating || !got.AnnouncedETA.Equal(eta) {
		t.Errorf("incident %s announced %s: the entry must not change the incident", got.Status, got.AnnouncedETA)
	}
	if a := en.lastAudit(); a.Action != "incident.eta_missed" || a.Actor != status.System || a.Target != inc.ID {
		t.Errorf("audit %+v", a)
	}
	if len(missed(en.incident(quiet.ID))) != 0 {
		t.Errorf("an incident without a promise got an automatic entry")
	}

	en.watch(eta, 0)
	en.watch(eta.Add(10*time.Minute), 0)

	// A new promise, missed 30 minutes after the first: reported, and pushed.
	second := t0.Add(time.Hour)
	en.clock.Set(t0.Add(45 * time.Minute))
	en.post(inc.ID, status.UpdateInput{AnnouncedETA: second})
	en.watch(second, 1)
	// A third, missed 5 minutes later: recorded, but phones are not buzzed again so soon.
	third := second.Add(5 * time.Minute)
	en.clock.Set(second.Add(time.Minute))
	en.post(inc.ID, status.UpdateInput{AnnouncedETA: third})
	en.watch(third, 1)
	ms = missed(en.incident(inc.ID))
	if len(ms) != 3 || !ms[1].Missed.Equal(second) || !ms[1].Notify || !ms[2].Missed.Equal(third) || ms[2].Notify {
		t.Errorf("automatic entries %+v, want the second pushed and the third not", ms)
	}
	want := []string{"created:superseded", "eta_missed:superseded", "eta_missed:pending"}
	if got := en.pushEvents(inc.ID); !slices.Equal(got, want) {
		t.Errorf("pushes %v, want %v", got, want)
	}

	// A resolved incident promises nothing.
	en.clock.Set(third.Add(time.Minute))
	en.post(inc.ID, status.UpdateInput{AnnouncedETA: third.Add(time.Hour)})
	en.resolve(inc.ID)
	en.watch(third.Add(2*time.Hour), 0)
}

func TestCheckMissedETAsReportsPassedEstimates(t *testing.T) {
	en := newEnv(t, t0)
	est := fixedEstimator{p50: 20 * time.Minute, p90: 40 * time.Minute}
	en.svc.SetEstimator(est)
	en.components("api")
	in := validIncident()
	in.AnnouncedETA = t0.Add(30 * time.Minute)
	inc, err := en.svc.CreateIncident(en.ctx, op, in)
	if err != nil {
		t.Fatal(err)
	}
	first := en.incident(inc.ID).Updates[0]
	if first.Estimate == nil || !first.Estimate.P90.Equal(t0.Add(40*time.Minute)) || first.AnnouncedChance == nil || first.AnnouncedChance.Of != 10 {
		t.Fatalf("first entry: estimate %+v chance %+v, want the model's range and score recorded", first.Estimate, first.AnnouncedChance)
	}

	// At +50 both the announced time (+30) and the p90 (+40) have passed: one entry, for
	// the newer promise, and the older one is not reported after it.
	en.watch(t0.Add(50*time.Minute), 1)
	en.watch(t0.Add(51*time.Minute), 0)
	got := en.incident(inc.ID)
	ms := missed(got)
	if len(ms) != 1 || !ms[0].Missed.Equal(t0.Add(40*time.Minute)) || ms[0].Estimate == nil {
		t.Fatalf("automatic entries %+v, want one for the p90 with a fresh range", ms)
	}
	next := ms[0].Estimate
	if !next.P90.Equal(t0.Add(90*time.Minute)) || !next.At.Equal(t0.Add(50*time.Minute)) {
		t.Errorf("fresh range %+v, want p90 40 minutes after +50", next)
	}
	en.wantMissedText(ms[0], wording.Missed{Due: t0.Add(40 * time.Minute),
		Prev: &wording.RangeFacts{P50: first.Estimate.P50, P90: first.Estimate.P90},
		Next: &wording.RangeFacts{P50: next.P50, P90: next.P90, Basis: next.Basis(got.StartedAt)}})

	// The fresh range is a promise too, reported once when it passes.
	en.watch(next.P90.Add(-time.Second), 0)
	en.watch(next.P90, 1)
	en.watch(next.P90, 0)
	if ms := missed(en.incident(inc.ID)); len(ms) != 2 || !ms[1].Missed.Equal(next.P90) {
		t.Errorf("automatic entries %+v, want a second one for %s", ms, next.P90)
	}
}

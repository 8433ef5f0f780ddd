package status_test

import (
	"context"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// switchingEstimator stands in for a model whose pools change under an open incident: for
// the first 20 minutes the incident's own narrow pool gives a long range; after that the
// pool runs out of samples and the estimate falls back to a broad pool whose remaining time
// is much shorter. Once the incident is identified, the identified pool gives a short range
// too. This is exactly the case where a naive page moved its times earlier right after
// saying "taking longer than announced".
type switchingEstimator struct{}

func (switchingEstimator) Estimate(inc *status.Incident, now time.Time) (status.Estimate, bool) {
	elapsed := now.Sub(inc.StartedAt)
	e := status.Estimate{Samples: 3, Pool: "components+impact", Few: true, At: now}
	rem50, rem90 := 25*time.Minute, 70*time.Minute
	if elapsed >= 20*time.Minute {
		e.Samples, e.Pool, e.Few = 300, "all", false
		rem50, rem90 = 4*time.Minute, 15*time.Minute
	}
	if !inc.IdentifiedAt.IsZero() {
		e.Phase, rem50, rem90 = "identified", 2*time.Minute, 6*time.Minute
	}
	e.P50, e.P80, e.P90 = now.Add(rem50), now.Add((rem50+rem90)/2), now.Add(rem90)
	return e, true
}

func (switchingEstimator) Chance(*status.Incident, time.Time, time.Time) (status.Chance, bool) {
	return status.Chance{P: 0.1, Met: 1, Of: 10}, true
}

// TestPublishedTimesNeverMoveEarlierWithinAPhase replays an open incident minute by minute
// across a pool switch, running the watchdog every minute as production does, and checks
// every range the page would show and every range the timeline records.
func TestPublishedTimesNeverMoveEarlierWithinAPhase(t *testing.T) {
	start := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	en := newEnv(t, start)
	en.svc.SetEstimator(switchingEstimator{})
	en.component("api", start)
	ctx := context.Background()
	inc, err := en.svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("API down"), Message: lang.Same("Looking."),
		Components: map[string]status.ComponentStatus{"api": status.MajorOutage}, AnnouncedETA: start.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	var last *status.Estimate
	check := func(phase string, e *status.Estimate) {
		t.Helper()
		if e == nil {
			return
		}
		if last != nil && (e.P50.Before(last.P50) || e.P90.Before(last.P90)) {
			t.Fatalf("%s at %s: range moved earlier, %s–%s after %s–%s", phase, en.clock.Now().Format("15:04"),
				e.P50.Format("15:04"), e.P90.Format("15:04"), last.P50.Format("15:04"), last.P90.Format("15:04"))
		}
		if !e.P50.After(en.clock.Now()) {
			t.Fatalf("%s at %s: a passed p50 %s shown", phase, en.clock.Now().Format("15:04"), e.P50.Format("15:04"))
		}
		last = e
	}
	missed := 0
	for minute := 1; minute <= 120; minute++ {
		en.clock.Set(start.Add(time.Duration(minute) * time.Minute))
		n, err := en.svc.CheckMissedETAs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		missed += n
		if inc, err = en.svc.Incident(ctx, inc.ID); err != nil {
			t.Fatal(err)
		}
		for i := range inc.Updates { // every recorded range, in order
			if e := inc.Updates[i].Estimate; e != nil && (last == nil || !e.At.Before(last.At)) && e.At.Equal(en.clock.Now()) {
				check("recorded", e)
			}
		}
		check("shown", inc.ShownEstimate(switchingEstimator{}, en.clock.Now()))
	}
	if missed < 2 {
		t.Fatalf("the watchdog recorded %d passed promises in two hours; the test did not exercise revisions", missed)
	}
	// A new phase is new information: the range may now move earlier, and does.
	en.clock.Set(start.Add(121 * time.Minute))
	inc, err = en.svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Status: status.Identified, Message: lang.Same("Found it.")})
	if err != nil {
		t.Fatal(err)
	}
	if e := inc.LatestUpdate().Estimate; e == nil || !e.P90.Before(last.P90) {
		t.Fatalf("identified: range %v did not move earlier than %s–%s", e, last.P50, last.P90)
	}
}

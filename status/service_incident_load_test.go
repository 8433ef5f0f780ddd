package status_test

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// timelineCounter counts the whole-timeline loads made inside write transactions.
type timelineCounter struct {
	status.Store
	loads atomic.Int64
}

func (c *timelineCounter) Write(ctx context.Context, fn func(status.Tx) error) error {
	return c.Store.Write(ctx, func(tx status.Tx) error { return fn(countingTx{tx, c}) })
}

type countingTx struct {
	status.Tx
	c *timelineCounter
}

func (t countingTx) Incident(id string) (*status.Incident, error) {
	t.c.loads.Add(1)
	return t.Tx.Incident(id)
}

func (t countingTx) Incidents(f status.IncidentFilter) ([]status.Incident, error) {
	if !f.StateOnly {
		t.c.loads.Add(1)
	}
	return t.Tx.Incidents(f)
}

// TestPostUpdateDoesNotLoadTheTimeline: appending to an incident reads its state, not its
// timeline, inside the single writer's transaction, so a write costs the same however many
// updates came before and queued writers do not wait longer as timelines grow (issue 18:
// write p99 went from ~1 s to ~1.6 s between two load runs as timelines grew). The state
// the write leaves is what the whole timeline derives.
func TestPostUpdateDoesNotLoadTheTimeline(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	counter := &timelineCounter{Store: st}
	svc := status.NewService(counter, status.SystemClock{}, nil)
	if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: "api", Name: lang.Same("API")}); err != nil {
		t.Fatal(err)
	}
	inc, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("Slow"), Message: lang.Same("Looking."),
		Components: map[string]status.ComponentStatus{"api": status.DegradedPerformance}})
	if err != nil {
		t.Fatal(err)
	}
	counter.loads.Store(0)
	for i := range 30 {
		in := status.UpdateInput{Message: lang.Same(fmt.Sprintf("Update %d.", i))}
		if i == 10 {
			in.Status, in.Components = status.Identified, map[string]status.ComponentStatus{"api": status.PartialOutage}
		}
		if _, err := svc.PostUpdate(ctx, op, inc.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	if n := counter.loads.Load(); n > 0 {
		t.Errorf("30 updates loaded whole timelines %d times inside write transactions, want none", n)
	}
	stored, err := svc.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	derived := *stored
	derived.Derive()
	if stored.Status != status.Identified || stored.UpdatedAt != derived.UpdatedAt || stored.IdentifiedAt != derived.IdentifiedAt ||
		len(stored.Components) != 1 || stored.Components[0] != derived.Components[0] {
		t.Errorf("stored state %+v differs from the derived one %+v", stored, derived)
	}
}

// TestNonFiniteShareRefused: NaN compares false with every bound, so the range check must
// refuse it explicitly (issue 18, defect 1); ±Inf and out-of-range values too.
func TestNonFiniteShareRefused(t *testing.T) {
	st, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := status.NewService(st, status.SystemClock{}, nil)
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -0.5, 100.5} {
		_, err := svc.CreateIncident(t.Context(), op, status.IncidentInput{Title: lang.Same("T"), Message: lang.Same("M"), UsersAffectedPercent: &v})
		if status.ErrorCode(err) != status.EINVALID || status.ErrorFields(err)["users_affected_percent"] == "" {
			t.Errorf("share %v: %v, want EINVALID on users_affected_percent", v, err)
		}
	}
}

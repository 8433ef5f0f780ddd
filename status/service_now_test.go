package status_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// tickingClock moves on a millisecond every time it is read, as a real clock does between
// two reads: anything that reads it twice for one write records two different times.
type tickingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// TestOneWriteOneTime: an update's created time, its incident's times, its audit entry and
// its idempotency record are one moment, whatever the clock does meanwhile.
func TestOneWriteOneTime(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := status.NewService(store, &tickingClock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}, nil)
	if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: "api", Name: lang.Same("API")}); err != nil {
		t.Fatal(err)
	}
	idem := op
	idem.Idempotency = &status.IdempotencyRequest{Scope: "k", Key: "one", RequestHash: "h"}
	inc, err := svc.CreateIncident(ctx, idem, status.IncidentInput{Title: lang.Same("Down"), Message: lang.Same("Down."),
		Components: map[string]status.ComponentStatus{"api": status.MajorOutage}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Message: lang.Same("Still down."), Status: status.Identified}); err != nil {
		t.Fatal(err)
	}
	up, err := svc.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := svc.Audit(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]time.Time{}
	for _, e := range audit {
		at[e.Action] = e.At
	}
	first, second := up.Updates[0], up.Updates[1]
	if !first.CreatedAt.Equal(inc.CreatedAt) || !first.CreatedAt.Equal(at["incident.create"]) {
		t.Errorf("create: update at %v, incident at %v, audit at %v — want one time", first.CreatedAt, inc.CreatedAt, at["incident.create"])
	}
	if !second.CreatedAt.Equal(at["incident.update"]) || !up.UpdatedAt.Equal(second.CreatedAt) || !up.IdentifiedAt.Equal(second.CreatedAt) {
		t.Errorf("update: entry at %v, audit at %v, incident updated %v identified %v — want one time",
			second.CreatedAt, at["incident.update"], up.UpdatedAt, up.IdentifiedAt)
	}
	store.Read(ctx, func(tx status.Tx) error {
		rec, err := tx.Idempotency("k", "one")
		if err != nil || !rec.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("idempotency record at %v (%v), want %v", rec.CreatedAt, err, first.CreatedAt)
		}
		return nil
	})
}

// writeCounter counts the write transactions a store opens.
type writeCounter struct {
	status.Store
	writes int
}

func (w *writeCounter) Write(ctx context.Context, fn func(status.Tx) error) error {
	w.writes++
	return w.Store.Write(ctx, fn)
}

// TestIdempotentWriteIsOneTransaction: the write, its idempotency key and the answer
// recorded for a retry commit together.
func TestIdempotentWriteIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &writeCounter{Store: st}
	svc := status.NewService(w, status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)), nil)
	idem := op
	idem.Idempotency = &status.IdempotencyRequest{Scope: "k", Key: "one", RequestHash: "h",
		Render: func(tx status.Tx, id string) (int, []byte, error) { return 201, []byte(`"` + id + `"`), nil }}
	w.writes = 0
	inc, err := svc.CreateIncident(ctx, idem, status.IncidentInput{Title: lang.Same("Down"), Message: lang.Same("Down.")})
	if err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 {
		t.Errorf("%d write transactions, want 1", w.writes)
	}
	st.Read(ctx, func(tx status.Tx) error {
		rec, err := tx.Idempotency("k", "one")
		if err != nil || rec.StatusCode != 201 || string(rec.Body) != `"`+inc.ID+`"` {
			t.Errorf("recorded answer %+v %v", rec, err)
		}
		return nil
	})
}

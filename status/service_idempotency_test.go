package status_test

import (
	"errors"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// keyed is op carrying an Idempotency-Key of client scope for a request hashed to hash.
func keyed(scope, key, hash string) status.Op {
	o := op
	o.Idempotency = &status.IdempotencyRequest{Scope: scope, Key: key, RequestHash: hash}
	return o
}

func (en *env) incidentCount() int {
	en.t.Helper()
	_, n, err := en.svc.Incidents(en.ctx, status.IncidentFilter{})
	if err != nil {
		en.t.Fatal(err)
	}
	return n
}

func TestIdempotentWriteHappensOnce(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	// The answer is rendered inside the write, from what the write stored, and recorded with it.
	o := keyed("key-1", "k", "h1")
	var renders int
	o.Idempotency.Render = func(tx status.Tx, id string) (int, []byte, error) {
		renders++
		inc, err := tx.Incident(id)
		if err != nil {
			return 0, nil, err
		}
		return 201, []byte(`{"id":"` + inc.ID + `"}`), nil
	}
	first, err := en.svc.CreateIncident(en.ctx, o, validIncident())
	if err != nil {
		t.Fatal(err)
	}
	if renders != 1 || o.Idempotency.StatusCode != 201 || string(o.Idempotency.Body) != `{"id":"`+first.ID+`"}` {
		t.Fatalf("rendered %d times: %d %s", renders, o.Idempotency.StatusCode, o.Idempotency.Body)
	}

	// The same request again, a little later: a replay of the first, and no second write.
	en.clock.Advance(time.Minute)
	before := en.footprint()
	inc, err := en.svc.CreateIncident(en.ctx, keyed("key-1", "k", "h1"), validIncident())
	r, ok := status.IsReplay(err)
	if !ok || inc != nil {
		t.Fatalf("repeat: %v, %v; want a replay", inc, err)
	}
	if r.Record.ResourceID != first.ID || r.Record.StatusCode != 201 || string(r.Record.Body) != `{"id":"`+first.ID+`"}` ||
		r.Record.RequestHash != "h1" || !r.Record.CreatedAt.Equal(t0) {
		t.Errorf("replayed record %+v, want the first write's resource and stored response", r.Record)
	}
	en.unchanged(before)

	// The same key with another body is a client bug: refused, nothing written.
	_, err = en.svc.CreateIncident(en.ctx, keyed("key-1", "k", "h2"), validIncident())
	en.refused(err, status.ECONFLICT, "", before)
	if _, ok := status.IsReplay(err); ok {
		t.Errorf("a different request was answered as a replay")
	}

	// Keys are per client: another client's same key is its own request.
	if _, err := en.svc.CreateIncident(en.ctx, keyed("key-2", "k", "h1"), validIncident()); err != nil {
		t.Errorf("another client's key: %v", err)
	}
	if n := en.incidentCount(); n != 2 {
		t.Errorf("%d incidents, want 2", n)
	}
}

func TestIdempotencyCoversEveryKindOfWrite(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	inc := en.open("API down", comps{"api": status.MajorOutage})
	writes := []struct {
		name string
		do   func(o status.Op) error
	}{
		{"component", func(o status.Op) error {
			_, err := en.svc.CreateComponent(en.ctx, o, status.ComponentInput{Name: lang.Same("Web")})
			return err
		}},
		{"update", func(o status.Op) error {
			_, err := en.svc.PostUpdate(en.ctx, o, inc.ID, status.UpdateInput{Message: lang.Same("Still on it.")})
			return err
		}},
		{"maintenance", func(o status.Op) error {
			_, err := en.svc.ScheduleMaintenance(en.ctx, o, validMaintenance())
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			en := en.sub(t)
			if err := w.do(keyed("c", w.name, "h")); err != nil {
				t.Fatal(err)
			}
			before := en.footprint()
			if _, ok := status.IsReplay(w.do(keyed("c", w.name, "h"))); !ok {
				t.Errorf("repeat was not a replay")
			}
			en.unchanged(before)
		})
	}
}

func TestRefusedWriteDoesNotUseUpItsKey(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	bad := validIncident()
	bad.Components = map[string]status.ComponentStatus{"db": status.MajorOutage} // refused inside the write
	before := en.footprint()
	_, err := en.svc.CreateIncident(en.ctx, keyed("c", "k", "h1"), bad)
	en.refused(err, status.EINVALID, "components", before)
	// The corrected request with the same key is performed, not refused as a different one.
	if _, err := en.svc.CreateIncident(en.ctx, keyed("c", "k", "h2"), validIncident()); err != nil {
		t.Fatalf("corrected request: %v", err)
	}
	if n := en.incidentCount(); n != 1 {
		t.Errorf("%d incidents, want 1", n)
	}
}

func TestIdempotencyKeysAreForgottenAfterTheTTL(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	create := func() error {
		_, err := en.svc.CreateIncident(en.ctx, keyed("c", "k", "h"), validIncident())
		return err
	}
	if err := create(); err != nil {
		t.Fatal(err)
	}
	// A key exactly a TTL old is still remembered, as SweepIdempotency keeps it.
	for _, age := range []time.Duration{status.IdempotencyTTL - time.Microsecond, status.IdempotencyTTL} {
		en.clock.Set(t0.Add(age))
		if _, ok := status.IsReplay(create()); !ok {
			t.Fatalf("repeat %s after the first was not a replay", age)
		}
	}
	en.clock.Set(t0.Add(status.IdempotencyTTL + time.Microsecond))
	if err := create(); err != nil {
		t.Fatalf("repeat after the TTL: %v, want a new write", err)
	}
	if n := en.incidentCount(); n != 2 {
		t.Errorf("%d incidents, want 2", n)
	}
	// The new write holds the key now.
	if _, ok := status.IsReplay(create()); !ok {
		t.Errorf("the key was not recorded again")
	}

	// Sweeping forgets only keys older than the TTL.
	if _, err := en.svc.CreateIncident(en.ctx, keyed("c", "other", "h"), validIncident()); err != nil {
		t.Fatal(err)
	}
	en.clock.Set(t0.Add(2*status.IdempotencyTTL + time.Microsecond)) // both keys exactly a TTL old
	if n, err := en.svc.SweepIdempotency(en.ctx); err != nil || n != 0 {
		t.Errorf("swept %d (%v) before any key was older than the TTL", n, err)
	}
	en.clock.Advance(time.Microsecond)
	if n, err := en.svc.SweepIdempotency(en.ctx); err != nil || n != 2 {
		t.Errorf("swept %d (%v), want both keys", n, err)
	}
}

// TestFailedRenderRollsBackTheWrite: a write whose answer cannot be recorded is not done at
// all, so a retry with the same key does it again instead of replaying a missing answer.
func TestFailedRenderRollsBackTheWrite(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	before := en.footprint()
	o := keyed("key-1", "k", "h1")
	o.Idempotency.Render = func(status.Tx, string) (int, []byte, error) { return 0, nil, errors.New("cannot encode") }
	if _, err := en.svc.CreateIncident(en.ctx, o, validIncident()); err == nil {
		t.Fatal("a write whose answer failed to render succeeded")
	}
	en.unchanged(before)
}

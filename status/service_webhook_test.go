package status_test

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// Finished deliveries are listed for 30 days, then swept; pending ones stay however old.
func TestSweepWebhookDeliveries(t *testing.T) {
	en := newEnv(t, t0)
	ctx := en.ctx
	u := "https://hooks.example.com/x"
	h, err := en.svc.CreateWebhook(ctx, op, status.WebhookInput{URL: &u})
	if err != nil {
		t.Fatal(err)
	}
	if err := en.store.Write(ctx, func(tx status.Tx) error {
		if err := tx.InsertWebhookMessage(&status.WebhookMessage{ID: "msg_a", Event: status.EventTest, Body: []byte("{}"), CreatedAt: t0}); err != nil {
			return err
		}
		return tx.InsertWebhookDeliveries([]status.WebhookDelivery{
			{EndpointID: h.ID, MessageID: "msg_a", Status: status.JobSent, NextAttemptAt: t0, CreatedAt: t0, DoneAt: t0},
			{EndpointID: h.ID, MessageID: "msg_a", Status: status.JobPending, NextAttemptAt: t0, CreatedAt: t0},
		})
	}); err != nil {
		t.Fatal(err)
	}
	en.clock.Set(t0.Add(29 * 24 * time.Hour))
	if n, err := en.svc.SweepWebhookDeliveries(ctx); err != nil || n != 0 {
		t.Fatalf("swept %d (%v) after 29 days", n, err)
	}
	en.clock.Set(t0.Add(31 * 24 * time.Hour))
	if n, err := en.svc.SweepWebhookDeliveries(ctx); err != nil || n != 1 {
		t.Fatalf("swept %d (%v) after 31 days, want the finished one", n, err)
	}
	ds, err := en.svc.WebhookDeliveries(ctx, h.ID, 0)
	if err != nil || len(ds) != 1 || ds[0].Status != status.JobPending {
		t.Fatalf("left %+v (%v)", ds, err)
	}
}

package status_test

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// TestSweepJobs: finished jobs older than the retention go, in as many batches as it
// takes; pending jobs and recent ones stay, so an incident's recent deliveries are listed.
func TestSweepJobs(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	en := newEnv(t, now)
	old := now.Add(-status.JobRetention - time.Minute)
	var js []status.OutboxJob
	for i := range 2500 { // more than one batch of a thousand
		j := fakeJob(status.JobPush, "inc", "u", "updated", old)
		j.Status, j.DoneAt = status.JobSent, old.Add(time.Duration(i)*time.Millisecond)
		js = append(js, j)
	}
	pending := fakeJob(status.JobPush, "inc", "u2", "updated", old)
	recent := fakeJob(status.JobPush, "inc", "u3", "updated", now)
	recent.Status, recent.DoneAt = status.JobSent, now.Add(-status.JobRetention+time.Minute)
	js = append(js, pending, recent)
	if err := en.store.Write(en.ctx, func(tx status.Tx) error { return tx.InsertJobs(js) }); err != nil {
		t.Fatal(err)
	}
	n, err := en.svc.SweepJobs(en.ctx)
	if err != nil || n != 2500 {
		t.Fatalf("SweepJobs = %d, %v; want 2500", n, err)
	}
	left := en.jobs()
	if len(left) != 2 || left[0].UpdateID != "u2" || left[1].UpdateID != "u3" {
		t.Errorf("left %d jobs: %+v", len(left), left)
	}
	if n, err := en.svc.SweepJobs(en.ctx); err != nil || n != 0 {
		t.Errorf("second sweep = %d, %v; want 0", n, err)
	}
}

package periodic_test

import (
	"context"
	"github.com/candorstatus/candor/lang"
	"testing"
	"time"

	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// TestStandardJobs checks that AddStandard registers every standard job on its schedule,
// and that the uptime roll-up it registers writes the days that completed.
func TestStandardJobs(t *testing.T) {
	store, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	svc := status.NewService(store, clock, nil)
	sched := periodic.New(nil, nil)
	if err := periodic.AddStandard(sched, svc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"eta-watchdog": periodic.ETAWatchdogSpec, "maintenance": periodic.MaintenanceSpec,
		"idempotency-sweep": periodic.IdempotencySweepSpec, "uptime-rollup": periodic.UptimeRollUpSpec,
		"signals": periodic.SignalsSpec, "signal-sweep": periodic.SignalSweepSpec}
	got := map[string]string{}
	for _, st := range sched.Statuses() {
		got[st.Name] = st.Schedule
	}
	if len(got) != len(want) {
		t.Errorf("jobs %v, want %v", got, want)
	}
	for name, spec := range want {
		if got[name] != spec {
			t.Errorf("job %s on %q, want %q", name, got[name], spec)
		}
	}

	op := status.Op{Actor: status.System}
	if _, err := svc.CreateComponent(context.Background(), op, status.ComponentInput{ID: "api", Name: lang.Same("API")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * 24 * time.Hour)
	if err := sched.RunNow("uptime-rollup"); err != nil {
		t.Fatal(err)
	}
	var days []status.UptimeDayRecord
	err = store.Read(context.Background(), func(tx status.Tx) error {
		var err error
		days, err = tx.UptimeDays("api", "2026-11-01", "2026-11-30")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 3 || days[0].Day != "2026-11-22" || days[2].Day != "2026-11-24" {
		t.Fatalf("rolled up %+v, want the 22nd to the 24th", days)
	}
}

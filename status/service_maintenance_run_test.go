package status_test

import (
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// run runs the maintenance job at t and checks how many maintenances it changed.
func (en *env) run(at time.Time, want int) {
	en.t.Helper()
	en.clock.Set(at)
	n, err := en.svc.RunMaintenances(en.ctx)
	if err != nil {
		en.t.Fatalf("RunMaintenances at %s: %v", at, err)
	}
	if n != want {
		en.t.Fatalf("RunMaintenances at +%s changed %d maintenances, want %d", at.Sub(t0), n, want)
	}
}

// wantTimeline checks a maintenance's status and timeline.
func (en *env) wantTimeline(id string, st status.MaintenanceStatus, entries ...string) *status.Maintenance {
	en.t.Helper()
	m := en.maintenance(id)
	if m.Status != st || !slices.Equal(timeline(m), entries) {
		en.t.Fatalf("at +%s: %s %v, want %s %v", en.clock.Now().Sub(t0), m.Status, timeline(m), st, entries)
	}
	return m
}

// wantWorded checks that an automatic entry is worded in each language as the wording
// package words event for m.
func (en *env) wantWorded(m *status.Maintenance, u status.MaintenanceUpdate) {
	en.t.Helper()
	for _, l := range lang.All {
		want := wording.MaintenanceEntry(l, u.Event, m.ScheduledFor, m.ScheduledUntil, m.OverrideReason, en.seoul, u.CreatedAt)
		if got := u.Message.Get(l); got != want || got == "" {
			en.t.Errorf("%s entry in %s: %q, want %q", u.Event, l, got, want)
		}
	}
	if u.Kind != status.KindSystem || u.PostedBy != status.System.Name {
		en.t.Errorf("%s entry by %s/%s, want the system", u.Event, u.Kind, u.PostedBy)
	}
}

func TestRunMaintenancesRemindsOnce(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	in := validMaintenance()
	in.ScheduledFor, in.ScheduledUntil = t0.Add(48*time.Hour), t0.Add(50*time.Hour)
	m := en.schedule(in)

	en.run(t0.Add(24*time.Hour-time.Second), 0)
	en.run(t0.Add(24*time.Hour), 1)
	got := en.wantTimeline(m.ID, status.MaintScheduled, "staff:scheduled", "reminder")
	en.wantWorded(got, got.Updates[1])
	if !slices.Equal(got.RemindersSent, []time.Duration{24 * time.Hour}) {
		t.Errorf("reminders sent %v", got.RemindersSent)
	}
	en.run(t0.Add(24*time.Hour), 0)
	en.run(t0.Add(30*time.Hour), 0)
	en.run(t0.Add(47*time.Hour), 1)
	en.run(t0.Add(47*time.Hour+time.Minute), 0)
	en.wantTimeline(m.ID, status.MaintScheduled, "staff:scheduled", "reminder", "reminder")
}

func TestRunMaintenancesCatchesUpWithOneReminder(t *testing.T) {
	en := newEnv(t, t0)
	en.withNotifier()
	en.components("api")
	in := validMaintenance()
	in.Notify = true
	in.ScheduledFor, in.ScheduledUntil = t0.Add(48*time.Hour), t0.Add(50*time.Hour)
	m := en.schedule(in)
	// Candor was down through both reminders' moments: one reminder, both marked sent.
	en.run(t0.Add(47*time.Hour+30*time.Minute), 1)
	got := en.wantTimeline(m.ID, status.MaintScheduled, "staff:scheduled", "reminder")
	if !slices.Equal(got.RemindersSent, []time.Duration{24 * time.Hour, time.Hour}) {
		t.Errorf("reminders sent %v, want both", got.RemindersSent)
	}
	en.run(t0.Add(47*time.Hour+31*time.Minute), 0)
	if got := en.pushEvents(m.ID); !slices.Equal(got, []string{"maintenance_scheduled:superseded", "maintenance_reminder:pending"}) {
		t.Errorf("pushes %v, want one reminder", got)
	}
}

func TestRunMaintenancesStartsAndCompletesOnTime(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	in := validMaintenance()
	in.RemindBefore = []time.Duration{}
	in.AutoComplete = true
	m := en.schedule(in)

	en.run(in.ScheduledFor.Add(-time.Second), 0)
	en.wantStatuses(comps{"api": status.Operational})
	en.run(in.ScheduledFor, 1)
	got := en.wantTimeline(m.ID, status.MaintInProgress, "staff:scheduled", "started")
	en.wantWorded(got, got.Updates[1])
	en.wantStatuses(comps{"api": status.UnderMaintenance, "web": status.Operational})
	if a := en.lastAudit(); a.Action != "maintenance.auto" || a.Actor != status.System {
		t.Errorf("audit %+v, want maintenance.auto by the system", a)
	}
	en.run(in.ScheduledUntil.Add(-time.Second), 0)
	en.run(in.ScheduledUntil, 1)
	got = en.wantTimeline(m.ID, status.MaintCompleted, "staff:scheduled", "started", "completed")
	en.wantWorded(got, got.Updates[2])
	en.wantStatuses(comps{"api": status.Operational})
	en.run(in.ScheduledUntil.Add(time.Hour), 0)
}

func TestRunMaintenancesSaysOnceWhenWorkRunsLate(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	in := validMaintenance()
	in.RemindBefore = []time.Duration{}
	m := en.schedule(in) // not auto-completing: staff must confirm the work is done
	verifying := en.schedule(in)

	en.run(in.ScheduledFor, 2)
	if _, err := en.svc.PostMaintenanceUpdate(en.ctx, op, verifying.ID, status.MaintenanceUpdateInput{Status: status.MaintVerifying, Message: lang.Same("Checking.")}); err != nil {
		t.Fatal(err)
	}
	en.run(in.ScheduledUntil, 2)
	got := en.wantTimeline(m.ID, status.MaintVerifying, "staff:scheduled", "started", "verifying", "late")
	en.wantWorded(got, got.Updates[2])
	en.wantWorded(got, got.Updates[3])
	if !got.LateNotified.Equal(in.ScheduledUntil) {
		t.Errorf("late notified %s, want %s", got.LateNotified, in.ScheduledUntil)
	}
	en.wantTimeline(verifying.ID, status.MaintVerifying, "staff:scheduled", "started", "verifying", "late")
	en.wantStatuses(comps{"api": status.UnderMaintenance})
	en.run(in.ScheduledUntil.Add(time.Hour), 0)
	en.run(in.ScheduledUntil.Add(24*time.Hour), 0)
}

func TestRunMaintenancesHoldsWhileAnIncidentHoldsItsComponents(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	in := validMaintenance()
	in.RemindBefore = []time.Duration{}
	m := en.schedule(in)
	en.open("Web slow", comps{"web": status.DegradedPerformance}) // not this work's concern
	a := en.open("API down", comps{"api": status.MajorOutage})

	en.run(in.ScheduledFor, 1)
	got := en.wantTimeline(m.ID, status.MaintScheduled, "staff:scheduled", "held")
	en.wantWorded(got, got.Updates[1])
	if !slices.Equal(got.HeldBy, []string{a.ID}) || !got.HeldSince.Equal(in.ScheduledFor) {
		t.Errorf("held by %v since %s, want %s since %s", got.HeldBy, got.HeldSince, a.ID, in.ScheduledFor)
	}
	en.run(in.ScheduledFor.Add(time.Minute), 0) // still held: nothing new

	// A second incident: the hold now names both, without a second entry.
	en.clock.Set(in.ScheduledFor.Add(2 * time.Minute))
	b := en.open("API slow", comps{"api": status.DegradedPerformance})
	en.run(in.ScheduledFor.Add(3*time.Minute), 1)
	got = en.wantTimeline(m.ID, status.MaintScheduled, "staff:scheduled", "held")
	if len(got.HeldBy) != 2 || !slices.Contains(got.HeldBy, a.ID) || !slices.Contains(got.HeldBy, b.ID) || !got.HeldSince.Equal(in.ScheduledFor) {
		t.Errorf("held by %v since %s, want both since the first hold", got.HeldBy, got.HeldSince)
	}

	en.resolve(a.ID)
	en.run(in.ScheduledFor.Add(4*time.Minute), 1)
	got = en.wantTimeline(m.ID, status.MaintScheduled, "staff:scheduled", "held")
	if !slices.Equal(got.HeldBy, []string{b.ID}) {
		t.Errorf("held by %v, want %s", got.HeldBy, b.ID)
	}

	en.resolve(b.ID)
	en.run(in.ScheduledFor.Add(5*time.Minute), 1)
	got = en.wantTimeline(m.ID, status.MaintInProgress, "staff:scheduled", "held", "released", "started")
	en.wantWorded(got, got.Updates[2])
	if got.Held() || !got.HeldSince.IsZero() || !got.StartedAt.Equal(in.ScheduledFor.Add(5*time.Minute)) {
		t.Errorf("after release: held by %v since %s, started %s", got.HeldBy, got.HeldSince, got.StartedAt)
	}
	en.wantStatuses(comps{"api": status.UnderMaintenance, "web": status.DegradedPerformance})
}

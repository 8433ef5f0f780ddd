package status_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// validMaintenance is planned work on api from two to four hours after t0.
func validMaintenance() status.MaintenanceInput {
	return status.MaintenanceInput{Title: lang.Same("Database upgrade"), Message: lang.Same("We upgrade the database."),
		Components: []string{"api"}, ScheduledFor: t0.Add(2 * time.Hour), ScheduledUntil: t0.Add(4 * time.Hour)}
}

func (en *env) schedule(in status.MaintenanceInput) *status.Maintenance {
	en.t.Helper()
	m, err := en.svc.ScheduleMaintenance(en.ctx, op, in)
	if err != nil {
		en.t.Fatal(err)
	}
	return m
}

func (en *env) maintenance(id string) *status.Maintenance {
	en.t.Helper()
	m, err := en.svc.Maintenance(en.ctx, id)
	if err != nil {
		en.t.Fatal(err)
	}
	return m
}

// timeline lists a maintenance's entries: the event of automatic ones, "staff:<status>"
// for the others.
func timeline(m *status.Maintenance) []string {
	var out []string
	for _, u := range m.Updates {
		if u.Event != "" {
			out = append(out, u.Event)
		} else {
			out = append(out, string(u.Kind)+":"+string(u.Status))
		}
	}
	return out
}

func TestScheduleMaintenanceRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	for _, tc := range []struct {
		name  string
		edit  func(in *status.MaintenanceInput)
		field string
	}{
		{"no title", func(in *status.MaintenanceInput) { in.Title = lang.Text{KO: " "} }, "title"},
		{"English title too long", func(in *status.MaintenanceInput) {
			in.Title = lang.Text{KO: "점검", EN: long("t", status.MaxTitleLen+1)}
		}, "title.en"},
		{"no message", func(in *status.MaintenanceInput) { in.Message = lang.Text{} }, "message"},
		{"no start", func(in *status.MaintenanceInput) { in.ScheduledFor = time.Time{} }, "scheduled_for"},
		{"start now", func(in *status.MaintenanceInput) { in.ScheduledFor = t0 }, "scheduled_for"},
		{"start past", func(in *status.MaintenanceInput) { in.ScheduledFor = t0.Add(-time.Hour) }, "scheduled_for"},
		{"no end", func(in *status.MaintenanceInput) { in.ScheduledUntil = time.Time{} }, "scheduled_until"},
		{"end at the start", func(in *status.MaintenanceInput) { in.ScheduledUntil = in.ScheduledFor }, "scheduled_until"},
		{"end before the start", func(in *status.MaintenanceInput) { in.ScheduledUntil = in.ScheduledFor.Add(-time.Minute) }, "scheduled_until"},
		{"reminder at the start", func(in *status.MaintenanceInput) { in.RemindBefore = []time.Duration{0} }, "remind_before"},
		{"reminder after the start", func(in *status.MaintenanceInput) { in.RemindBefore = []time.Duration{time.Hour, -time.Minute} }, "remind_before"},
		{"reminder too early", func(in *status.MaintenanceInput) {
			in.RemindBefore = []time.Duration{status.MaxRemindBefore + time.Second}
		}, "remind_before"},
		{"unknown component", func(in *status.MaintenanceInput) { in.Components = []string{"api", "db"} }, "components"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			in := validMaintenance()
			tc.edit(&in)
			_, err := en.svc.ScheduleMaintenance(en.ctx, op, in)
			en.refused(err, status.EINVALID, tc.field, before)
		})
	}
}

func TestScheduleMaintenanceStoresWhatWasPlanned(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	in := validMaintenance()
	in.Title = lang.Text{KO: " 점검 ", EN: " Upgrade "}
	in.Components = []string{"web", "api", "web"}
	in.ScheduledFor = t0.Add(30 * 24 * time.Hour)
	in.ScheduledUntil = in.ScheduledFor.Add(time.Hour)
	in.RemindBefore = []time.Duration{time.Hour, status.MaxRemindBefore, time.Hour, 24 * time.Hour}
	m := en.maintenance(en.schedule(in).ID)
	if m.Title != (lang.Text{KO: "점검", EN: "Upgrade"}) || m.Status != status.MaintScheduled {
		t.Errorf("title %#v status %s", m.Title, m.Status)
	}
	if !slices.Equal(m.Components, []string{"api", "web"}) {
		t.Errorf("components %v, want sorted without repeats", m.Components)
	}
	if want := []time.Duration{status.MaxRemindBefore, 24 * time.Hour, time.Hour}; !slices.Equal(m.RemindBefore, want) {
		t.Errorf("reminders %v, want %v (earliest first, no repeats)", m.RemindBefore, want)
	}
	// The 30-day reminder's moment is now: not after now, so it is not owed.
	if want := []time.Duration{status.MaxRemindBefore}; !slices.Equal(m.RemindersSent, want) {
		t.Errorf("reminders sent %v, want %v", m.RemindersSent, want)
	}
	if got := timeline(m); !slices.Equal(got, []string{"staff:scheduled"}) || m.Updates[0].PostedBy != "test" {
		t.Errorf("timeline %v by %s", got, m.Updates[0].PostedBy)
	}
	en.wantStatuses(comps{"api": status.Operational, "web": status.Operational})
	if a := en.lastAudit(); a.Action != "maintenance.schedule" || a.Target != m.ID {
		t.Errorf("audit %+v", a)
	}

	// No reminders given: the defaults; an empty list: none.
	d := en.schedule(validMaintenance())
	if !slices.Equal(d.RemindBefore, status.DefaultRemindBefore) || !slices.Equal(d.RemindersSent, []time.Duration{24 * time.Hour}) {
		t.Errorf("default reminders %v sent %v, want %v with the past 24h one sent", d.RemindBefore, d.RemindersSent, status.DefaultRemindBefore)
	}
	none := validMaintenance()
	none.RemindBefore = []time.Duration{}
	if n := en.schedule(none); len(n.RemindBefore) != 0 {
		t.Errorf("reminders %v, want none", n.RemindBefore)
	}
}

func TestStartMaintenance(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	st := status.PartialOutage
	// Staff set web to partial outage by hand; it is to come back to that.
	if _, err := en.svc.UpdateComponent(en.ctx, op, "web", status.ComponentPatch{Status: &st}); err != nil {
		t.Fatal(err)
	}
	in := validMaintenance()
	in.Components = []string{"api", "web"}
	m := en.schedule(in)

	before := en.footprint()
	_, err := en.svc.StartMaintenance(en.ctx, op, "nope", "")
	en.refused(err, status.ENOTFOUND, "", before)
	_, err = en.svc.StartMaintenance(en.ctx, op, m.ID, long("r", status.MaxMessageLen+1))
	en.refused(err, status.EINVALID, "override_reason", before)

	en.clock.Advance(time.Minute)
	started, err := en.svc.StartMaintenance(en.ctx, op, m.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	got := en.maintenance(m.ID)
	if got.Status != status.MaintInProgress || !got.StartedAt.Equal(t0.Add(time.Minute)) || !slices.Equal(timeline(got), []string{"staff:scheduled", "started"}) {
		t.Errorf("started: %s at %s, timeline %v", got.Status, got.StartedAt, timeline(got))
	}
	if got.PriorStatus["web"] != status.PartialOutage || got.PriorStatus["api"] != status.Operational {
		t.Errorf("prior statuses %v, want api operational and web partial", got.PriorStatus)
	}
	en.wantStatuses(comps{"api": status.UnderMaintenance, "web": status.UnderMaintenance})
	if started.Status != status.MaintInProgress {
		t.Errorf("returned %s", started.Status)
	}

	before = en.footprint()
	_, err = en.svc.StartMaintenance(en.ctx, op, m.ID, "")
	en.refused(err, status.ECONFLICT, "", before)

	if _, err := en.svc.PostMaintenanceUpdate(en.ctx, op, m.ID, status.MaintenanceUpdateInput{Status: status.MaintCompleted, Message: lang.Same("Done.")}); err != nil {
		t.Fatal(err)
	}
	en.wantStatuses(comps{"api": status.Operational, "web": status.PartialOutage})
}

func TestStartMaintenanceWhileAnIncidentHoldsItsComponents(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	inc := en.open("API down", comps{"api": status.MajorOutage})
	in := validMaintenance()
	in.Components = []string{"api", "web"}
	m := en.schedule(in)

	before := en.footprint()
	_, err := en.svc.StartMaintenance(en.ctx, op, m.ID, "  ")
	en.refused(err, status.ECONFLICT, "override_reason", before)

	reason := "The upgrade is the fix."
	if _, err := en.svc.StartMaintenance(en.ctx, op, m.ID, " "+reason+" "); err != nil {
		t.Fatal(err)
	}
	got := en.maintenance(m.ID)
	if got.Status != status.MaintInProgress || got.OverrideReason != reason || !slices.Equal(timeline(got), []string{"staff:scheduled", "override", "started"}) {
		t.Errorf("%s, reason %q, timeline %v", got.Status, got.OverrideReason, timeline(got))
	}
	if msg := got.Updates[1].Message; !strings.Contains(msg.EN, reason) || !strings.Contains(msg.KO, reason) || msg.KO == msg.EN {
		t.Errorf("override entry %#v, want the reason in each language's own words", msg)
	}
	// The incident's status is worse than maintenance, and it explains api's status: api's
	// prior status is not remembered, so completing the work returns it to operational.
	en.wantStatuses(comps{"api": status.MajorOutage, "web": status.UnderMaintenance})
	if _, ok := got.PriorStatus["api"]; ok {
		t.Errorf("prior statuses %v remember api, which the incident explained", got.PriorStatus)
	}
	en.resolve(inc.ID)
	en.wantStatuses(comps{"api": status.UnderMaintenance, "web": status.UnderMaintenance})
	if _, err := en.svc.PostMaintenanceUpdate(en.ctx, op, m.ID, status.MaintenanceUpdateInput{Status: status.MaintCompleted, Message: lang.Same("Done.")}); err != nil {
		t.Fatal(err)
	}
	en.wantStatuses(comps{"api": status.Operational, "web": status.Operational})
}

func TestMaintenanceOfADeletedComponent(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	in := validMaintenance()
	in.Components = []string{"api", "web"}
	m := en.schedule(in)
	if err := en.svc.DeleteComponent(en.ctx, op, "web"); err != nil {
		t.Fatal(err)
	}
	if _, err := en.svc.StartMaintenance(en.ctx, op, m.ID, ""); err != nil {
		t.Fatalf("start after one of its components was deleted: %v", err)
	}
	en.wantStatuses(comps{"api": status.UnderMaintenance})
	if _, err := en.svc.PostMaintenanceUpdate(en.ctx, op, m.ID, status.MaintenanceUpdateInput{Status: status.MaintCompleted, Message: lang.Same("Done.")}); err != nil {
		t.Fatal(err)
	}
	en.wantStatuses(comps{"api": status.Operational})
}

func TestPostMaintenanceUpdateMovesOnlyForward(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	scheduled := en.schedule(validMaintenance()).ID
	inProgress := en.schedule(validMaintenance()).ID
	if _, err := en.svc.StartMaintenance(en.ctx, op, inProgress, ""); err != nil {
		t.Fatal(err)
	}
	msg := lang.Same("Note.")
	for _, tc := range []struct {
		name  string
		id    string
		in    status.MaintenanceUpdateInput
		code  string
		field string
	}{
		{"unknown maintenance", "nope", status.MaintenanceUpdateInput{Message: msg}, status.ENOTFOUND, ""},
		{"no message", scheduled, status.MaintenanceUpdateInput{}, status.EINVALID, "message"},
		{"Korean message too long", scheduled, status.MaintenanceUpdateInput{Message: lang.Text{KO: long("가", status.MaxMessageLen+1), EN: "x"}}, status.EINVALID, "message.ko"},
		{"unknown status", scheduled, status.MaintenanceUpdateInput{Status: "paused", Message: msg}, status.EINVALID, "status"},
		{"cancelling by update", scheduled, status.MaintenanceUpdateInput{Status: status.MaintCancelled, Message: msg}, status.EINVALID, "status"},
		{"starting by update", scheduled, status.MaintenanceUpdateInput{Status: status.MaintInProgress, Message: msg}, status.ECONFLICT, ""},
		{"scheduled to verifying", scheduled, status.MaintenanceUpdateInput{Status: status.MaintVerifying, Message: msg}, status.ECONFLICT, ""},
		{"scheduled to completed", scheduled, status.MaintenanceUpdateInput{Status: status.MaintCompleted, Message: msg}, status.ECONFLICT, ""},
		{"in progress back to scheduled", inProgress, status.MaintenanceUpdateInput{Status: status.MaintScheduled, Message: msg}, status.ECONFLICT, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			_, err := en.svc.PostMaintenanceUpdate(en.ctx, op, tc.id, tc.in)
			en.refused(err, tc.code, tc.field, before)
		})
	}

	post := func(st status.MaintenanceStatus) {
		t.Helper()
		en.clock.Advance(time.Minute)
		if _, err := en.svc.PostMaintenanceUpdate(en.ctx, op, inProgress, status.MaintenanceUpdateInput{Status: st, Message: lang.Text{KO: " 메모 ", EN: " Note "}}); err != nil {
			t.Fatal(err)
		}
	}
	post("")
	post(status.MaintInProgress)
	post(status.MaintVerifying)
	before := en.footprint()
	_, err := en.svc.PostMaintenanceUpdate(en.ctx, op, inProgress, status.MaintenanceUpdateInput{Status: status.MaintInProgress, Message: msg})
	en.refused(err, status.ECONFLICT, "", before)
	en.wantStatuses(comps{"api": status.UnderMaintenance})
	post(status.MaintCompleted)
	m := en.maintenance(inProgress)
	if want := []string{"staff:scheduled", "started", "staff:in_progress", "staff:in_progress", "verifying", "completed"}; !slices.Equal(timeline(m), want) {
		t.Errorf("timeline %v, want %v", timeline(m), want)
	}
	if m.Status != status.MaintCompleted || !m.EndedAt.Equal(en.clock.Now()) || m.LatestUpdate().Message != (lang.Text{KO: "메모", EN: "Note"}) {
		t.Errorf("%s ended %s, last message %#v", m.Status, m.EndedAt, m.LatestUpdate().Message)
	}
	en.wantStatuses(comps{"api": status.Operational})

	// A finished maintenance's timeline is closed.
	for _, st := range []status.MaintenanceStatus{"", status.MaintCompleted} {
		before := en.footprint()
		_, err := en.svc.PostMaintenanceUpdate(en.ctx, op, inProgress, status.MaintenanceUpdateInput{Status: st, Message: msg})
		en.refused(err, status.ECONFLICT, "", before)
	}
}

func TestCancelMaintenance(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	m := en.schedule(validMaintenance())
	started := en.schedule(validMaintenance())
	if _, err := en.svc.StartMaintenance(en.ctx, op, started.ID, ""); err != nil {
		t.Fatal(err)
	}

	before := en.footprint()
	_, err := en.svc.CancelMaintenance(en.ctx, op, m.ID, lang.Text{KO: " ", EN: ""})
	en.refused(err, status.EINVALID, "message", before)
	_, err = en.svc.CancelMaintenance(en.ctx, op, "nope", lang.Same("Off."))
	en.refused(err, status.ENOTFOUND, "", before)
	_, err = en.svc.CancelMaintenance(en.ctx, op, started.ID, lang.Same("Off."))
	en.refused(err, status.ECONFLICT, "", before)

	en.clock.Advance(time.Minute)
	if _, err := en.svc.CancelMaintenance(en.ctx, op, m.ID, lang.Text{KO: " 취소 ", EN: " Called off. "}); err != nil {
		t.Fatal(err)
	}
	got := en.maintenance(m.ID)
	if got.Status != status.MaintCancelled || !got.EndedAt.Equal(t0.Add(time.Minute)) ||
		got.LatestUpdate().Event != "cancelled" || got.LatestUpdate().Message != (lang.Text{KO: "취소", EN: "Called off."}) {
		t.Errorf("cancelled: %s at %s, last entry %+v", got.Status, got.EndedAt, got.LatestUpdate())
	}
	// Cancelling work that never started leaves the components as the other work has them.
	en.wantStatuses(comps{"api": status.UnderMaintenance})
	if a := en.lastAudit(); a.Action != "maintenance.cancel" || a.Detail != "cancelled" {
		t.Errorf("audit %+v", a)
	}

	before = en.footprint()
	_, err = en.svc.CancelMaintenance(en.ctx, op, m.ID, lang.Same("Again."))
	en.refused(err, status.ECONFLICT, "", before)
}

func TestMaintenancePushes(t *testing.T) {
	en := newEnv(t, t0)
	en.withNotifier()
	en.components("api")
	quiet := en.schedule(validMaintenance()) // Notify false: nothing is ever pushed
	in := validMaintenance()
	in.Notify = true
	loud := en.schedule(in)
	for _, id := range []string{quiet.ID, loud.ID} {
		if _, err := en.svc.StartMaintenance(en.ctx, op, id, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := en.svc.PostMaintenanceUpdate(en.ctx, op, id, status.MaintenanceUpdateInput{Message: lang.Same("Quiet."), Notify: false}); err != nil {
			t.Fatal(err)
		}
		if _, err := en.svc.PostMaintenanceUpdate(en.ctx, op, id, status.MaintenanceUpdateInput{Message: lang.Same("Loud."), Notify: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := en.pushEvents(quiet.ID); len(got) != 0 {
		t.Errorf("maintenance without notify pushed %v", got)
	}
	want := []string{"maintenance_scheduled:superseded", "maintenance_started:superseded", "maintenance_updated:pending"}
	if got := en.pushEvents(loud.ID); !slices.Equal(got, want) {
		t.Errorf("pushes %v, want %v", got, want)
	}
}

package status_test

import (
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

func (en *signalEnv) maintenance(checks ...string) *status.Maintenance {
	en.t.Helper()
	now := en.clock.Now()
	m, err := en.svc.ScheduleMaintenance(en.ctx, op, status.MaintenanceInput{Title: lang.Same("DB upgrade"),
		Message: lang.Same("Slow for a while."), Components: []string{"api"}, ScheduledFor: now.Add(time.Hour),
		ScheduledUntil: now.Add(2 * time.Hour), AutoComplete: true, PreChecks: checks, Notify: true})
	if err != nil {
		en.t.Fatal(err)
	}
	return m
}

func (en *signalEnv) runMaintenance() *status.Maintenance {
	en.t.Helper()
	if _, err := en.svc.RunMaintenances(en.ctx); err != nil {
		en.t.Fatal(err)
	}
	ms, err := en.svc.Maintenances(en.ctx, status.MaintenanceFilter{})
	if err != nil || len(ms) != 1 {
		en.t.Fatalf("maintenances %v (%v)", ms, err)
	}
	return &ms[0]
}

func events(m *status.Maintenance) []string {
	var out []string
	for _, u := range m.Updates {
		if u.Event != "" {
			out = append(out, u.Event)
		}
	}
	return out
}

func TestPreChecksMustBeDoneBeforeTheWorkStarts(t *testing.T) {
	en := newSignalEnv(t)
	m := en.maintenance("Backup verified", "  ", "Rollback plan reviewed")
	checks, err := en.svc.MaintenanceChecks(en.ctx, m.ID)
	if err != nil || len(checks) != 2 || checks[0].Text != "Backup verified" || checks[0].Done() {
		t.Fatalf("checks %+v (%v)", checks, err)
	}
	// Staff cannot start it, not even with an override reason.
	_, err = en.svc.StartMaintenance(en.ctx, op, m.ID, "urgent")
	if status.ErrorCode(err) != status.ECONFLICT || status.ErrorFields(err)["pre_checks"] != "2 of 2 not done" {
		t.Errorf("start with checks pending: %v %v", err, status.ErrorFields(err))
	}
	// Its time comes: it waits, saying so once.
	en.clock.Advance(time.Hour)
	en.runMaintenance()
	got := en.runMaintenance()
	if got.Status != status.MaintScheduled || strings.Join(events(got), ",") != "checks" {
		t.Errorf("at its time: %s, events %v", got.Status, events(got))
	}
	if !strings.Contains(got.LatestUpdate().Message.EN, "pre-checks") || got.LatestUpdate().Message.KO == "" {
		t.Errorf("entry %+v", got.LatestUpdate().Message)
	}
	mina := status.Op{Actor: status.Actor{Kind: status.ActorUser, Name: "mina"}}
	for _, c := range checks {
		if _, err := en.svc.TickMaintenanceCheck(en.ctx, mina, m.ID, c.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := en.svc.TickMaintenanceCheck(en.ctx, mina, m.ID, "nope", true); status.ErrorCode(err) != status.ENOTFOUND {
		t.Errorf("ticking an unknown item: %v", err)
	}
	var ticks []status.AuditEntry
	for _, e := range en.audit("maintenance.check") {
		if e.Actor.Name == "mina" {
			ticks = append(ticks, e)
		}
	}
	if len(ticks) != 2 || !strings.Contains(ticks[1].Detail, `ticked "Rollback plan reviewed" (2 of 2 done)`) {
		t.Errorf("audit %+v", ticks)
	}
	got = en.runMaintenance()
	if got.Status != status.MaintInProgress {
		t.Errorf("after ticking: %s", got.Status)
	}
	if _, err := en.svc.TickMaintenanceCheck(en.ctx, mina, m.ID, checks[0].ID, false); status.ErrorCode(err) != status.ECONFLICT {
		t.Errorf("unticking after the start: %v", err)
	}
}

func TestPostChecksHealthyCompleteQuietly(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	p, err := en.svc.CreateProbe(en.ctx, op, "api", status.ProbeInput{Kind: status.ProbeTCP, Target: "api.internal:443", Interval: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	en.maintenance()
	en.clock.Advance(time.Hour)
	en.runMaintenance()
	// A blip during the work, healthy again by its end.
	en.report(firing("am:1", "api"))
	en.report(resolvedSignal("am:1", "api"))
	en.record(p.ID, false, true)
	en.clock.Advance(time.Hour)
	got := en.runMaintenance()
	if got.Status != status.MaintCompleted || got.ProblemsFound() || len(en.drafts()) != 0 {
		t.Errorf("%s, problems %t, %d drafts; want completed quietly", got.Status, got.ProblemsFound(), len(en.drafts()))
	}
	en.wantStatus("after the work", "api", status.Operational)
}

// record stores one result per ok, a minute apart.
func (en *signalEnv) record(probeID string, oks ...bool) {
	en.t.Helper()
	var rs []status.ProbeResult
	for _, ok := range oks {
		en.clock.Advance(time.Minute)
		r := status.ProbeResult{ProbeID: probeID, At: en.clock.Now(), OK: ok, Latency: 30 * time.Millisecond}
		if !ok {
			r.Error = "connection refused"
		}
		rs = append(rs, r)
	}
	for _, r := range rs {
		if _, err := en.svc.RecordProbeResults(en.ctx, []status.ProbeResult{r}); err != nil {
			en.t.Fatal(err)
		}
	}
}

func TestPostChecksFindProblems(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	p, err := en.svc.CreateProbe(en.ctx, op, "api", status.ProbeInput{Kind: status.ProbeTCP, Target: "api.internal:443",
		Interval: 15 * time.Second, FailAfter: 2, Status: status.MajorOutage})
	if err != nil {
		t.Fatal(err)
	}
	en.maintenance()
	en.clock.Advance(time.Hour)
	en.runMaintenance()
	// During the work, alerts and failing probes are expected: no draft, no status change.
	en.report(firing("am:db", "api"))
	en.record(p.ID, false, false, false)
	en.wantStatus("during the work", "api", status.UnderMaintenance)
	if len(en.drafts()) != 0 {
		t.Fatalf("a draft opened during maintenance")
	}
	en.clock.Advance(time.Hour)
	got := en.runMaintenance()
	if got.Status != status.MaintCompleted || !got.ProblemsFound() || strings.Join(events(got), ",") != "started,completed,problems" {
		t.Fatalf("%s, events %v; want completed with problems", got.Status, events(got))
	}
	last := got.LatestUpdate()
	if !last.Notify || !strings.Contains(last.Message.EN, "found problems") || got.Updates[len(got.Updates)-2].Notify {
		t.Errorf("the problems entry pushes, not the completion: %+v", got.Updates[len(got.Updates)-2:])
	}
	ds := en.drafts()
	if len(ds) != 1 || ds[0].Source != "maintenance" || len(ds[0].Signals) != 2 || ds[0].Components[0].Status != status.MajorOutage ||
		!strings.Contains(ds[0].Summary, "alertmanager alert am:db still firing") || !strings.Contains(ds[0].Summary, "connection refused") {
		t.Fatalf("drafts %+v", ds)
	}
	if !strings.Contains(ds[0].Message.EN, "Checks after maintenance found problems with api service") {
		t.Errorf("draft message %+v", ds[0].Message)
	}
	// What held the component during the work now shows.
	en.wantStatus("after the work", "api", status.MajorOutage)
}

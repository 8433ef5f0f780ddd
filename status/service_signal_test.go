package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// signalEnv is a Service on a fresh SQLite store with a manual clock and two components.
type signalEnv struct {
	t     *testing.T
	ctx   context.Context
	svc   *status.Service
	store status.Store
	clock *status.ManualClock
	t0    time.Time
}

func newSignalEnv(t *testing.T) *signalEnv {
	t.Helper()
	store, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	t0 := time.Date(2026, 11, 3, 5, 2, 0, 0, time.UTC) // 14:02 in Seoul
	en := &signalEnv{t: t, ctx: t.Context(), store: store, clock: status.NewManualClock(t0), t0: t0}
	en.svc = en.service()
	for _, id := range []string{"api", "web"} {
		if _, err := en.svc.CreateComponent(en.ctx, op, status.ComponentInput{ID: id, Name: lang.Text{KO: id + " 서비스", EN: id + " service"}}); err != nil {
			t.Fatal(err)
		}
	}
	return en
}

// service is a second Service over the same store and clock: another replica, or the
// process after a restart.
func (en *signalEnv) service() *status.Service {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		en.t.Fatal(err)
	}
	svc := status.NewService(en.store, en.clock, nil)
	svc.SetLocation(seoul)
	return svc
}

var alertOp = status.Op{Actor: status.Actor{Kind: status.ActorAPIKey, Name: "alertmanager-key"}}

func (en *signalEnv) report(ins ...status.SignalInput) []status.SignalOutcome {
	en.t.Helper()
	out, err := en.svc.ReportSignals(en.ctx, alertOp, ins)
	if err != nil {
		en.t.Fatalf("ReportSignals: %v", err)
	}
	return out
}

func (en *signalEnv) run() (applied, published int) {
	en.t.Helper()
	a, p, err := en.svc.RunSignals(en.ctx)
	if err != nil {
		en.t.Fatalf("RunSignals: %v", err)
	}
	return a, p
}

func (en *signalEnv) status(id string) status.ComponentStatus {
	en.t.Helper()
	c, err := en.svc.Component(en.ctx, id)
	if err != nil {
		en.t.Fatal(err)
	}
	return c.Status
}

func (en *signalEnv) wantStatus(when, id string, want status.ComponentStatus) {
	en.t.Helper()
	if got := en.status(id); got != want {
		en.t.Errorf("%s: %s is %s, want %s", when, id, got, want)
	}
}

func (en *signalEnv) drafts() []status.DraftDetail {
	en.t.Helper()
	ds, err := en.svc.Drafts(en.ctx)
	if err != nil {
		en.t.Fatal(err)
	}
	return ds
}

// audit returns the audit actions, oldest first, with their details.
func (en *signalEnv) audit(prefix string) []status.AuditEntry {
	en.t.Helper()
	var out []status.AuditEntry
	err := en.store.Read(en.ctx, func(tx status.Tx) error {
		es, err := tx.Audit(1000, 0)
		for i := len(es) - 1; i >= 0; i-- {
			if strings.HasPrefix(es[i].Action, prefix) {
				out = append(out, es[i])
			}
		}
		return err
	})
	if err != nil {
		en.t.Fatal(err)
	}
	return out
}

func firing(key, comp string) status.SignalInput {
	return status.SignalInput{Key: key, Component: comp, Source: "alertmanager", Summary: "API 5xx above 5%"}
}

func resolvedSignal(key, comp string) status.SignalInput {
	in := firing(key, comp)
	in.Resolved = true
	return in
}

func TestSignalTakesEffectAfterTheHold(t *testing.T) {
	en := newSignalEnv(t)
	in := firing("am:1", "api")
	in.StartedAt = en.t0.Add(-45 * time.Second) // Prometheus saw it first
	if out := en.report(in); out[0].Result != status.SignalNew || out[0].Applied {
		t.Fatalf("first report: %+v, want new and not applied", out[0])
	}
	en.wantStatus("at once", "api", status.Operational)
	en.clock.Advance(29 * time.Second)
	if a, _ := en.run(); a != 0 {
		t.Errorf("29 s later the job applied %d signals, want 0", a)
	}
	en.wantStatus("after 29 s", "api", status.Operational)
	en.clock.Advance(time.Second)
	if a, _ := en.run(); a != 1 {
		t.Errorf("30 s later the job applied %d signals, want 1", a)
	}
	en.wantStatus("after 30 s", "api", status.PartialOutage) // the default status
	ds := en.drafts()
	if len(ds) != 1 {
		t.Fatalf("%d drafts, want 1", len(ds))
	}
	d := ds[0]
	if !d.StartedAt.Equal(in.StartedAt) || d.Source != "alertmanager" || len(d.Signals) != 1 || d.Suggested != status.Investigating {
		t.Errorf("draft = %+v, want it started when the alert began, with its signal", d)
	}
	if d.Title.EN != "Problems with api service" || d.Title.KO != "api 서비스 장애" {
		t.Errorf("draft title = %+v, want Candor's words in both languages", d.Title)
	}
	// Nothing public names it: it is no incident.
	if incs, _, err := en.svc.Incidents(en.ctx, status.IncidentFilter{}); err != nil || len(incs) != 0 {
		t.Errorf("Incidents = %d (%v), want none while the draft is unpublished", len(incs), err)
	}
	// Every change is audited with its source: the report by the key, the effect by Candor.
	rep, app := en.audit("signal.report"), en.audit("signal.apply")
	if len(rep) != 1 || rep[0].Actor.Name != "alertmanager-key" || !strings.Contains(rep[0].Detail, "alertmanager") {
		t.Errorf("report audit = %+v", rep)
	}
	if len(app) != 1 || app[0].Actor != status.System || !strings.Contains(app[0].Detail, "operational → partial_outage") ||
		!strings.Contains(app[0].Detail, "alertmanager") {
		t.Errorf("apply audit = %+v", app)
	}
	if opened := en.audit("draft.open"); len(opened) != 1 {
		t.Errorf("draft.open audit = %+v", opened)
	}
}

func TestFlappingSignalIsDamped(t *testing.T) {
	en := newSignalEnv(t)
	// Firing and resolved every 20 s for two minutes: no state holds for 30 s.
	for i := range 6 {
		if i%2 == 0 {
			en.report(firing("am:flap", "api"))
		} else {
			en.report(resolvedSignal("am:flap", "api"))
		}
		en.clock.Advance(10 * time.Second)
		en.run()
		en.clock.Advance(10 * time.Second)
		en.run()
		en.wantStatus("while flapping", "api", status.Operational)
	}
	if len(en.drafts()) != 0 {
		t.Errorf("a flapping alert opened a draft")
	}
	en.report(firing("am:flap", "api"))
	en.clock.Advance(30 * time.Second)
	en.run()
	en.wantStatus("once it held", "api", status.PartialOutage)
	// Once in effect, a short resolution does not return it either.
	en.report(resolvedSignal("am:flap", "api"))
	en.clock.Advance(15 * time.Second)
	en.run()
	en.report(firing("am:flap", "api"))
	en.clock.Advance(time.Minute)
	en.run()
	en.wantStatus("after a blip", "api", status.PartialOutage)
	if n := len(en.audit("signal.apply")); n != 1 {
		t.Errorf("%d changes applied, want 1", n)
	}
}

func TestRepeatedSignalsAreDeduplicated(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	want := []string{status.SignalNew, status.SignalRepeat, status.SignalRepeat}
	for i, w := range want {
		if out := en.report(firing("am:dup", "api")); out[0].Result != w {
			t.Errorf("report %d: %s, want %s", i, out[0].Result, w)
		}
		en.clock.Advance(time.Minute)
	}
	sigs, err := en.svc.Signals(en.ctx, status.SignalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 1 || sigs[0].Repeats != 2 || !sigs[0].BeganAt.Equal(en.t0) {
		t.Errorf("signals = %+v, want one seen three times, begun at the first", sigs)
	}
	if n, d := len(en.audit("signal.report")), len(en.drafts()); n != 1 || d != 1 {
		t.Errorf("%d reports audited and %d drafts, want 1 and 1", n, d)
	}
	// Resolving a signal never seen is nothing to do.
	if out := en.report(resolvedSignal("am:other", "api")); out[0].Result != status.SignalUnknown {
		t.Errorf("resolution of an unknown signal: %s", out[0].Result)
	}
}

func TestResolvedSignalKeepsWhatIncidentsAndMaintenanceHold(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	en.report(firing("am:a", "api"), status.SignalInput{Key: "am:w", Component: "web", Source: "alertmanager",
		Status: status.MajorOutage})
	en.wantStatus("firing", "api", status.PartialOutage)
	en.wantStatus("firing", "web", status.MajorOutage)
	// Staff open an incident on api by hand: the signal joins it, no second draft opens.
	inc, err := en.svc.CreateIncident(en.ctx, op, status.IncidentInput{Title: lang.Same("API down"), Message: lang.Same("Down."),
		Components: map[string]status.ComponentStatus{"api": status.DegradedPerformance}})
	if err != nil {
		t.Fatal(err)
	}
	en.wantStatus("incident and signal", "api", status.PartialOutage) // the worse of the two
	en.report(resolvedSignal("am:a", "api"), resolvedSignal("am:w", "web"))
	en.wantStatus("signal resolved, incident open", "api", status.DegradedPerformance)
	en.wantStatus("signal resolved, nothing holds it", "web", status.Operational)
	if _, err := en.svc.PostUpdate(en.ctx, op, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed.")}); err != nil {
		t.Fatal(err)
	}
	en.wantStatus("incident resolved", "api", status.Operational)

	// During maintenance a firing signal is expected and leaves the component alone.
	m, err := en.svc.ScheduleMaintenance(en.ctx, op, status.MaintenanceInput{Title: lang.Same("Upgrade"), Message: lang.Same("Up."),
		Components: []string{"web"}, ScheduledFor: en.clock.Now().Add(time.Hour), ScheduledUntil: en.clock.Now().Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := en.svc.StartMaintenance(en.ctx, op, m.ID, ""); err != nil {
		t.Fatal(err)
	}
	en.report(firing("am:w2", "web"))
	en.wantStatus("alert during maintenance", "web", status.UnderMaintenance)
}

func TestPublishedDraftStartsWhenTheSignalBegan(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	en.report(firing("am:1", "api"))
	d := en.drafts()[0]
	en.clock.Advance(18 * time.Minute) // someone looks at 14:20
	inc, err := en.svc.PublishDraft(en.ctx, op, d.ID, status.PublishInput{Message: lang.Text{EN: "We are on it.", KO: "확인 중입니다."}, Notify: true})
	if err != nil {
		t.Fatal(err)
	}
	if inc.ID != d.ID || !inc.StartedAt.Equal(en.t0) || inc.Status != status.Investigating || inc.Title != d.Title {
		t.Errorf("incident = %s started %s, %s, %+v; want the draft's id, started at the signal", inc.ID, inc.StartedAt, inc.Status, inc.Title)
	}
	if len(inc.Updates) != 2 {
		t.Fatalf("%d timeline entries, want detected + published", len(inc.Updates))
	}
	det := inc.Updates[0]
	if det.Kind != status.KindSystem || !det.CreatedAt.Equal(en.t0) ||
		det.Message.EN != "Detected by monitoring at 14:02 KST." || !strings.Contains(det.Message.KO, "14:02") {
		t.Errorf("first entry = %+v, want 'detected by monitoring at 14:02' in both languages", det)
	}
	if got := inc.Updates[1].Message.EN; got != "We are on it." {
		t.Errorf("published message %q", got)
	}
	stored, err := en.svc.Incident(en.ctx, d.ID)
	if err != nil || len(stored.Updates) != 2 || stored.Updates[0].Kind != status.KindSystem {
		t.Fatalf("stored incident %+v, %v", stored, err)
	}
	if len(en.drafts()) != 0 {
		t.Errorf("the draft is still open after publishing")
	}
	if _, err := en.svc.PublishDraft(en.ctx, op, d.ID, status.PublishInput{}); status.ErrorCode(err) != status.ECONFLICT {
		t.Errorf("publishing twice: %v, want conflict", err)
	}
	// A second alert on the component joins the incident.
	en.report(firing("am:2", "api"))
	if len(en.drafts()) != 0 {
		t.Errorf("an alert on a component with an open incident opened a draft")
	}
}

func TestDraftFromTheComponentsTemplateAndAutoPublish(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	tpl, err := en.svc.SaveTemplate(en.ctx, op, status.Template{Name: "DB", Cause: status.CauseDatabase, Impact: status.ImpactMajor,
		Title: lang.Text{KO: "데이터베이스 장애", EN: "Database problems"}, Message: lang.Text{KO: "복구 중입니다.", EN: "Recovering."}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := en.svc.SaveMonitorSettings(en.ctx, op, status.MonitorSettings{ComponentID: "api", TemplateID: tpl.ID,
		AutoPublishAfter: 5 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.svc.SaveMonitorSettings(en.ctx, op, status.MonitorSettings{ComponentID: "api", TemplateID: "nope"}); status.ErrorCode(err) != status.EINVALID {
		t.Errorf("settings with an unknown template: %v", err)
	}
	en.report(firing("am:db", "api"))
	d := en.drafts()[0]
	if d.Title.EN != "Database problems" || d.Cause != status.CauseDatabase || d.Impact != status.ImpactMajor {
		t.Errorf("draft = %+v, want the template's texts", d.Draft)
	}
	en.clock.Advance(5*time.Minute - time.Second)
	if _, p := en.run(); p != 0 {
		t.Errorf("published before the auto-publish time")
	}
	en.clock.Advance(time.Second)
	if _, p := en.run(); p != 1 {
		t.Fatalf("published %d at the auto-publish time, want 1", p)
	}
	inc, err := en.svc.Incident(en.ctx, d.ID)
	if err != nil || !inc.StartedAt.Equal(en.t0) || inc.Updates[1].PostedBy != status.System.Name || !inc.Updates[1].Notify {
		t.Errorf("auto-published incident %+v (%v)", inc, err)
	}
	if a := en.audit("incident.autopublish"); len(a) != 1 {
		t.Errorf("auto-publish audit %+v", a)
	}

	// A problem that went away by itself before the time waits for staff.
	if _, err := en.svc.SaveMonitorSettings(en.ctx, op, status.MonitorSettings{ComponentID: "web", AutoPublishAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	en.report(firing("am:web", "web"), firing("am:web2", "web")) // one draft, both signals
	if ds := en.drafts(); len(ds) != 1 || len(ds[0].Signals) != 2 || ds[0].AutoPublishAt.IsZero() {
		t.Fatalf("drafts = %+v, want one with both signals and an auto-publish time", ds)
	}
	en.report(resolvedSignal("am:web", "web"))
	en.clock.Advance(time.Hour)
	en.report(resolvedSignal("am:web2", "web"))
	if _, p := en.run(); p != 0 {
		t.Errorf("auto-published a draft whose signals had resolved")
	}
	if ds := en.drafts(); len(ds) != 1 || ds[0].Suggested != status.Monitoring {
		t.Errorf("drafts = %+v, want the draft waiting for staff, suggesting monitoring", ds)
	}
}

func TestResolvedSignalsSuggestMonitoring(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	en.report(firing("am:1", "api"))
	en.report(resolvedSignal("am:1", "api"))
	d := en.drafts()[0]
	if d.Suggested != status.Monitoring {
		t.Fatalf("draft suggests %s after its signal resolved, want monitoring", d.Suggested)
	}
	inc, err := en.svc.PublishDraft(en.ctx, op, d.ID, status.PublishInput{})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Status != status.Monitoring || inc.Open() == false {
		t.Errorf("published as %s, want the suggested monitoring (still open: people resolve)", inc.Status)
	}
	// The timeline keeps what monitoring saw; the incident holds what is true now.
	if ch := inc.Updates[0].Components; len(ch) != 1 || ch[0].NewStatus != status.PartialOutage {
		t.Errorf("detected entry changes %+v, want api partial_outage from the start", ch)
	}
	if st, _ := inc.ComponentStatus("api"); st != status.Operational {
		t.Errorf("the incident gives api %s, want operational (its signal resolved)", st)
	}
	en.wantStatus("published after recovery", "api", status.Operational)
	// An open incident whose signals resolved is suggested too, and stays open.
	en.report(firing("am:w", "web"))
	wd := en.drafts()[0]
	if _, err := en.svc.PublishDraft(en.ctx, op, wd.ID, status.PublishInput{}); err != nil {
		t.Fatal(err)
	}
	en.report(resolvedSignal("am:w", "web"))
	by, err := en.svc.SignalsByIncident(en.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !status.SuggestMonitoring(by[wd.ID]) {
		t.Errorf("signals of %s = %+v, want a monitoring suggestion", wd.ID, by[wd.ID])
	}
	got, _ := en.svc.Incident(en.ctx, wd.ID)
	if got.Status != status.Investigating {
		t.Errorf("a resolved signal moved the incident to %s; staff confirm", got.Status)
	}
}

func TestUnusableSignalsAreIgnoredWithAReason(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	out := en.report(
		status.SignalInput{Key: "k1", Component: "ghost", Source: "grafana"},
		status.SignalInput{Key: "k2", Component: "api", Source: "grafana", Status: status.Operational},
		status.SignalInput{Key: "k3", Component: "api"},
		firing("k4", "api"),
	)
	for i, want := range []string{"component", "status", "source"} {
		if out[i].Result != status.SignalIgnored || out[i].Field != want {
			t.Errorf("input %d: %+v, want ignored for %s", i, out[i], want)
		}
	}
	if out[3].Result != status.SignalNew || !out[3].Applied {
		t.Errorf("the good input: %+v", out[3])
	}
	if out := en.report(firing("k4", "web")); out[0].Field != "dedup_key" {
		t.Errorf("a key moved to another component: %+v", out[0])
	}
}

func TestPendingSignalSurvivesARestart(t *testing.T) {
	en := newSignalEnv(t)
	en.report(firing("am:1", "api"))
	// The process that took the alert is gone; another (a restart, a replica) runs the job.
	en.svc = en.service()
	en.clock.Advance(31 * time.Second)
	if a, _ := en.run(); a != 1 {
		t.Errorf("the new process applied %d, want 1", a)
	}
	en.wantStatus("after the restart", "api", status.PartialOutage)
	en.svc = en.service()
	if a, _ := en.run(); a != 0 {
		t.Errorf("a second run applied %d again", a)
	}
}

// TestRefiredSignalJoinsWhatIsStillOpen: a signal that fires again goes back to the draft or
// incident it belongs to while that is open, and opens a new draft once it is not.
func TestRefiredSignalJoinsWhatIsStillOpen(t *testing.T) {
	en := newSignalEnv(t)
	en.svc.SetSignalHold(0)
	en.report(firing("am:1", "api"))
	en.report(resolvedSignal("am:1", "api"))
	worse := firing("am:1", "api")
	worse.Status = status.MajorOutage
	en.report(worse)
	ds := en.drafts()
	if len(ds) != 1 || ds[0].Components[0].Status != status.MajorOutage || len(ds[0].Signals) != 1 {
		t.Fatalf("drafts = %+v, want the first, raised to major_outage by its signal firing again", ds)
	}
	d := ds[0]
	if _, err := en.svc.PublishDraft(en.ctx, op, d.ID, status.PublishInput{}); err != nil {
		t.Fatal(err)
	}
	en.report(resolvedSignal("am:1", "api"))
	en.report(firing("am:1", "api"))
	if n := len(en.drafts()); n != 0 {
		t.Errorf("%d drafts, want none: the signal's incident is open", n)
	}
	en.report(resolvedSignal("am:1", "api"))
	if _, err := en.svc.PostUpdate(en.ctx, op, d.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed.")}); err != nil {
		t.Fatal(err)
	}
	en.report(firing("am:1", "api"))
	ds = en.drafts()
	if len(ds) != 1 || ds[0].ID == d.ID || len(ds[0].Signals) != 1 {
		t.Errorf("drafts = %+v, want a new one once its incident was resolved", ds)
	}
	en.wantStatus("fired again after the incident", "api", status.PartialOutage)
}

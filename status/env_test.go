package status_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

func TestMain(m *testing.M) {
	status.BcryptCost = bcrypt.MinCost // the service's tests check rules, not hashing strength
	os.Exit(m.Run())
}

var op = status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}

// t0 is when most tests start: 15:00 in Seoul, 06:00 UTC.
var t0 = time.Date(2026, time.November, 22, 6, 0, 0, 0, time.UTC)

// env is a Service on a fresh SQLite store, with its page in Seoul (so the page's days are
// not UTC days) and a manual clock. It records the changes the service publishes and how
// often it woke the dispatcher.
type env struct {
	t     *testing.T
	ctx   context.Context
	svc   *status.Service
	store status.Store
	clock *status.ManualClock
	seoul *time.Location
	rec   *recorder
}

// recorder keeps what the service told its subscribers.
type recorder struct {
	changes []status.Change
	wakes   int
}

// sub returns the env for subtest t: helpers then fail t, not its parent.
func (en *env) sub(t *testing.T) *env {
	c := *en
	c.t = t
	return &c
}

func newEnv(t *testing.T, now time.Time) *env {
	t.Helper()
	store, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	clock := status.NewManualClock(now)
	svc := status.NewService(store, clock, nil)
	svc.SetLocation(seoul)
	rec := &recorder{}
	svc.Subscribe(func(c status.Change) { rec.changes = append(rec.changes, c) })
	svc.OnJobs(func() { rec.wakes++ })
	en := &env{t: t, ctx: context.Background(), svc: svc, store: store, clock: clock, seoul: seoul, rec: rec}
	return en
}

// withNotifier makes the service plan pushes with a fakeNotifier and returns it.
func (en *env) withNotifier() *fakeNotifier {
	n := &fakeNotifier{}
	en.svc.SetNotifier(n)
	return n
}

func (en *env) component(id string, start time.Time) {
	en.t.Helper()
	if _, err := en.svc.CreateComponent(en.ctx, op, status.ComponentInput{ID: id, Name: lang.Same(id), StartDate: start}); err != nil {
		en.t.Fatal(err)
	}
}

// components creates components named as their ids.
func (en *env) components(ids ...string) {
	en.t.Helper()
	for _, id := range ids {
		en.component(id, time.Time{})
	}
}

// open opens an incident giving comps their statuses.
func (en *env) open(title string, comps map[string]status.ComponentStatus) *status.Incident {
	en.t.Helper()
	inc, err := en.svc.CreateIncident(en.ctx, op, status.IncidentInput{Title: lang.Same(title), Message: lang.Same("Looking."), Components: comps})
	if err != nil {
		en.t.Fatal(err)
	}
	return inc
}

// post posts an update and fails the test if it is refused.
func (en *env) post(id string, in status.UpdateInput) *status.Incident {
	en.t.Helper()
	if in.Message.IsZero() {
		in.Message = lang.Same("Update.")
	}
	inc, err := en.svc.PostUpdate(en.ctx, op, id, in)
	if err != nil {
		en.t.Fatal(err)
	}
	return inc
}

func (en *env) resolve(id string) *status.Incident {
	en.t.Helper()
	return en.post(id, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed.")})
}

func (en *env) incident(id string) *status.Incident {
	en.t.Helper()
	inc, err := en.svc.Incident(en.ctx, id)
	if err != nil {
		en.t.Fatal(err)
	}
	return inc
}

func (en *env) componentStatus(id string) status.ComponentStatus {
	en.t.Helper()
	c, err := en.svc.Component(en.ctx, id)
	if err != nil {
		en.t.Fatal(err)
	}
	return c.Status
}

// wantStatuses checks the stored status of each component.
func (en *env) wantStatuses(want map[string]status.ComponentStatus) {
	en.t.Helper()
	for id, st := range want {
		if got := en.componentStatus(id); got != st {
			en.t.Errorf("component %s is %s, want %s", id, got, st)
		}
	}
}

// audit returns the actions of the audit log, oldest first.
func (en *env) audit() []string {
	en.t.Helper()
	es, err := en.svc.Audit(en.ctx, 10000, 0)
	if err != nil {
		en.t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Action)
	}
	return out
}

// lastAudit returns the newest audit entry.
func (en *env) lastAudit() status.AuditEntry {
	en.t.Helper()
	es, err := en.svc.Audit(en.ctx, 1, 0)
	if err != nil || len(es) == 0 {
		en.t.Fatalf("audit: %v, %d entries", err, len(es))
	}
	return es[0]
}

func (en *env) revision() int64 {
	en.t.Helper()
	rev, err := en.svc.Revision(en.ctx)
	if err != nil {
		en.t.Fatal(err)
	}
	return rev
}

// jobs returns every outbox job, oldest first.
func (en *env) jobs() []status.OutboxJob {
	en.t.Helper()
	var jobs []status.OutboxJob
	if err := en.store.Read(en.ctx, func(tx status.Tx) error {
		var err error
		jobs, err = tx.Jobs(status.JobFilter{})
		return err
	}); err != nil {
		en.t.Fatal(err)
	}
	return jobs
}

// footprint is everything a write can leave behind, as lines to compare.
type footprint map[string][]string

// footprint reads the whole state back, through the Service where it can.
func (en *env) footprint() footprint {
	en.t.Helper()
	f := footprint{}
	check := func(err error) {
		if err != nil {
			en.t.Fatal(err)
		}
	}
	rev, err := en.svc.Revision(en.ctx)
	check(err)
	f["revision"] = []string{fmt.Sprint(rev)}
	f["audit"] = en.audit()
	incs, _, err := en.svc.Incidents(en.ctx, status.IncidentFilter{})
	check(err)
	for _, inc := range incs {
		f["incidents"] = append(f["incidents"], fmt.Sprintf("%s %s %s %v %d updates %v", inc.ID, inc.Status, inc.Impact, inc.Title, len(inc.Updates), inc.Components))
		if pm, err := en.svc.Postmortem(en.ctx, inc.ID); err == nil {
			f["postmortems"] = append(f["postmortems"], fmt.Sprintf("%s %v %d actions published=%v", pm.IncidentID, pm.Cause, len(pm.Actions), pm.PublishedAt))
		} else if status.ErrorCode(err) != status.ENOTFOUND {
			en.t.Fatal(err)
		}
	}
	groups, comps, err := en.svc.Components(en.ctx)
	check(err)
	for _, g := range groups {
		f["groups"] = append(f["groups"], fmt.Sprintf("%s %v", g.ID, g.Name))
	}
	for _, c := range comps {
		f["components"] = append(f["components"], fmt.Sprintf("%s %v %s group=%s pos=%d", c.ID, c.Name, c.Status, c.GroupID, c.Position))
	}
	ms, err := en.svc.Maintenances(en.ctx, status.MaintenanceFilter{})
	check(err)
	for _, m := range ms {
		f["maintenances"] = append(f["maintenances"], fmt.Sprintf("%s %s %d updates held=%v", m.ID, m.Status, len(m.Updates), m.HeldBy))
	}
	ts, err := en.svc.Templates(en.ctx)
	check(err)
	for _, t := range ts {
		f["templates"] = append(f["templates"], fmt.Sprintf("%s %s %v %v", t.ID, t.Name, t.Title, t.Message))
	}
	us, err := en.svc.Users(en.ctx)
	check(err)
	for _, u := range us {
		f["users"] = append(f["users"], fmt.Sprintf("%s %s %s %s disabled=%v", u.ID, u.Name, u.Role, u.PasswordHash, u.DisabledAt))
	}
	keys, err := en.svc.APIKeys(en.ctx)
	check(err)
	for _, k := range keys {
		f["keys"] = append(f["keys"], fmt.Sprintf("%s %s %s revoked=%v", k.ID, k.Name, k.Scope, k.RevokedAt))
	}
	check(en.store.Read(en.ctx, func(tx status.Tx) error {
		ds, err := tx.Devices("", 10000)
		for _, d := range ds {
			f["devices"] = append(f["devices"], fmt.Sprintf("%s %s %s %v", d.Token, d.Platform, d.Locale, d.Components))
		}
		return err
	}))
	subs, err := en.svc.Subscribers(en.ctx, status.SubscriberFilter{Limit: 10000})
	check(err)
	for _, s := range subs {
		f["subscribers"] = append(f["subscribers"], fmt.Sprintf("%s %s %s %v confirmed=%v", s.ID, s.Email, s.Lang, s.Components, s.ConfirmedAt))
	}
	for _, j := range en.jobs() {
		f["jobs"] = append(f["jobs"], fmt.Sprintf("%d %s %s %s", j.ID, j.Kind, j.Status, j.Topic))
	}
	return f
}

// unchanged fails the test if anything differs from before.
func (en *env) unchanged(before footprint) {
	en.t.Helper()
	after := en.footprint()
	if reflect.DeepEqual(before, after) {
		return
	}
	var diff []string
	for k := range merged(before, after) {
		if !slices.Equal(before[k], after[k]) {
			diff = append(diff, fmt.Sprintf("%s:\n  before %q\n  after  %q", k, before[k], after[k]))
		}
	}
	slices.Sort(diff)
	en.t.Fatalf("a refused write left something behind:\n%s", strings.Join(diff, "\n"))
}

func merged(a, b footprint) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// wantErr checks err's code and, for a field, that the error names exactly that field.
func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := status.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if field == "" {
		return
	}
	fields := status.ErrorFields(err)
	if _, ok := fields[field]; !ok || len(fields) != 1 {
		t.Fatalf("error %v: fields %v, want one problem, with %q", err, fields, field)
	}
}

// refused checks err like wantErr and that the write left nothing behind.
func (en *env) refused(err error, code, field string, before footprint) {
	en.t.Helper()
	wantErr(en.t, err, code, field)
	en.unchanged(before)
}

// long returns s repeated to n runes.
func long(s string, n int) string {
	r := []rune(strings.Repeat(s, n))
	return string(r[:n])
}

// fakeNotifier plans one job per event, named so tests can tell what the service asked for.
type fakeNotifier struct{}

func (*fakeNotifier) PlanPush(tx status.Tx, ev status.PushEvent) ([]status.OutboxJob, error) {
	return []status.OutboxJob{fakeJob(status.JobPush, ev.Incident.ID, ev.Update.ID, ev.Kind, ev.Now)}, nil
}

func (*fakeNotifier) PlanMaintenancePush(tx status.Tx, ev status.MaintenanceEvent) ([]status.OutboxJob, error) {
	return []status.OutboxJob{fakeJob(status.JobPush, ev.Maintenance.ID, ev.Update.ID, ev.Kind, ev.Now)}, nil
}

// PlanTopicSync returns one job whose topic says which move it was asked for
// ("-" for no device, else locale:components), none when the device did not change.
func (*fakeNotifier) PlanTopicSync(prev, next *status.Device, now time.Time) []status.OutboxJob {
	desc := func(d *status.Device) string {
		if d == nil {
			return "-"
		}
		return d.Locale + ":" + strings.Join(d.Components, ",")
	}
	if desc(prev) == desc(next) {
		return nil
	}
	j := fakeJob(status.JobSubscribe, "", "", "", now)
	j.Topic = desc(prev) + ">" + desc(next)
	return []status.OutboxJob{j}
}

func fakeJob(kind status.JobKind, incidentID, updateID, event string, now time.Time) status.OutboxJob {
	return status.OutboxJob{Kind: kind, IncidentID: incidentID, UpdateID: updateID, Event: event, Lang: "en",
		Tokens: []string{"tok"}, Status: status.JobPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

// pushEvents returns the events of the pending push jobs of incident or maintenance id.
func (en *env) pushEvents(id string) []string {
	en.t.Helper()
	var out []string
	for _, j := range en.jobs() {
		if j.Kind == status.JobPush && j.IncidentID == id {
			out = append(out, j.Event+":"+string(j.Status))
		}
	}
	return out
}

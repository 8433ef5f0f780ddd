package status_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

type comps = map[string]status.ComponentStatus

func pct(v float64) *float64 { return &v }

// validIncident is an input every rule accepts; cases break one rule each.
func validIncident() status.IncidentInput {
	return status.IncidentInput{Title: lang.Same("API down"), Message: lang.Same("Looking."),
		Components: comps{"api": status.MajorOutage}}
}

func TestCreateIncidentRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	for _, tc := range []struct {
		name  string
		edit  func(in *status.IncidentInput)
		code  string
		field string
	}{
		{"no title", func(in *status.IncidentInput) { in.Title = lang.Text{} }, status.EINVALID, "title"},
		{"title blank in every language", func(in *status.IncidentInput) { in.Title = lang.Text{KO: "  ", EN: "\t\n"} }, status.EINVALID, "title"},
		{"no message", func(in *status.IncidentInput) { in.Message = lang.Text{} }, status.EINVALID, "message"},
		{"message blank in every language", func(in *status.IncidentInput) { in.Message = lang.Text{KO: " ", EN: " "} }, status.EINVALID, "message"},
		{"same title too long", func(in *status.IncidentInput) { in.Title = lang.Same(long("x", status.MaxTitleLen+1)) }, status.EINVALID, "title"},
		{"English title too long", func(in *status.IncidentInput) {
			in.Title = lang.Text{KO: "장애", EN: long("x", status.MaxTitleLen+1)}
		}, status.EINVALID, "title.en"},
		{"Korean title too long", func(in *status.IncidentInput) {
			in.Title = lang.Text{KO: long("가", status.MaxTitleLen+1), EN: "Down"}
		}, status.EINVALID, "title.ko"},
		{"English message too long", func(in *status.IncidentInput) {
			in.Message = lang.Text{KO: "확인 중", EN: long("x", status.MaxMessageLen+1)}
		}, status.EINVALID, "message.en"},
		{"unknown status", func(in *status.IncidentInput) { in.Status = "fixed" }, status.EINVALID, "status"},
		{"unknown impact", func(in *status.IncidentInput) { in.Impact = "huge" }, status.EINVALID, "impact"},
		{"unknown cause", func(in *status.IncidentInput) { in.Cause = "gremlins" }, status.EINVALID, "cause"},
		{"negative share of users", func(in *status.IncidentInput) { in.UsersAffectedPercent = pct(-0.1) }, status.EINVALID, "users_affected_percent"},
		{"share of users over 100", func(in *status.IncidentInput) { in.UsersAffectedPercent = pct(100.1) }, status.EINVALID, "users_affected_percent"},
		{"unknown component status", func(in *status.IncidentInput) { in.Components = comps{"api": "on_fire"} }, status.EINVALID, "components.api"},
		{"unknown component", func(in *status.IncidentInput) {
			in.Components = comps{"api": status.MajorOutage, "db": status.MajorOutage}
		}, status.EINVALID, "components"},
		{"announced time now", func(in *status.IncidentInput) { in.AnnouncedETA = t0 }, status.EINVALID, "announced_eta"},
		{"announced time past", func(in *status.IncidentInput) { in.AnnouncedETA = t0.Add(-time.Minute) }, status.EINVALID, "announced_eta"},
		{"started in the future", func(in *status.IncidentInput) { in.StartedAt = t0.Add(time.Second) }, status.EINVALID, "started_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			in := validIncident()
			tc.edit(&in)
			_, err := en.svc.CreateIncident(en.ctx, op, in)
			en.refused(err, tc.code, tc.field, before)
			_, err = en.svc.PreviewIncident(en.ctx, op, in)
			en.refused(err, tc.code, tc.field, before)
		})
	}
	en.wantStatuses(comps{"api": status.Operational, "web": status.Operational})
}

func TestCreateIncidentAcceptsBoundaries(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	for _, tc := range []struct {
		name string
		edit func(in *status.IncidentInput)
	}{
		{"title of the longest length in runes", func(in *status.IncidentInput) {
			in.Title = lang.Text{KO: long("가", status.MaxTitleLen), EN: long("x", status.MaxTitleLen)}
		}},
		{"title in one language", func(in *status.IncidentInput) { in.Title = lang.In(lang.Korean, "장애") }},
		{"message in one language", func(in *status.IncidentInput) { in.Message = lang.In(lang.English, "Looking.") }},
		{"no users affected", func(in *status.IncidentInput) { in.UsersAffectedPercent = pct(0) }},
		{"every user affected", func(in *status.IncidentInput) { in.UsersAffectedPercent = pct(100) }},
		{"announced a second ahead", func(in *status.IncidentInput) { in.AnnouncedETA = t0.Add(time.Second) }},
		{"started now", func(in *status.IncidentInput) { in.StartedAt = t0 }},
		{"no components", func(in *status.IncidentInput) { in.Components = nil }},
		{"resolved at once", func(in *status.IncidentInput) { in.Status = status.Resolved }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			in := validIncident()
			tc.edit(&in)
			if _, err := en.svc.CreateIncident(en.ctx, op, in); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCreateIncidentStoresWhatWasPosted(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web", "db")
	rev := en.revision()
	started := t0.Add(-25 * time.Minute)
	eta := t0.Add(time.Hour)
	created, err := en.svc.CreateIncident(en.ctx, op, status.IncidentInput{
		Title:        lang.Text{KO: "  메신저 장애 ", EN: "\tMessenger down \n"},
		Message:      lang.Text{KO: " 확인 중입니다. ", EN: "  Looking into it.  "},
		Components:   comps{"api": status.MajorOutage, "web": status.DegradedPerformance},
		AnnouncedETA: eta, Cause: status.CauseNetwork, UsersAffectedPercent: pct(40), StartedAt: started,
	})
	if err != nil {
		t.Fatal(err)
	}
	inc := en.incident(created.ID)
	if want := (lang.Text{KO: "메신저 장애", EN: "Messenger down"}); inc.Title != want {
		t.Errorf("title = %#v, want %#v (each language trimmed)", inc.Title, want)
	}
	if want := (lang.Text{KO: "확인 중입니다.", EN: "Looking into it."}); inc.Updates[0].Message != want {
		t.Errorf("message = %#v, want %#v", inc.Updates[0].Message, want)
	}
	if inc.Status != status.Investigating || inc.Impact != status.ImpactCritical || inc.Cause != status.CauseNetwork {
		t.Errorf("status/impact/cause = %s/%s/%s, want investigating/critical/network", inc.Status, inc.Impact, inc.Cause)
	}
	if !inc.StartedAt.Equal(started) || !inc.CreatedAt.Equal(t0) || !inc.AnnouncedETA.Equal(eta) {
		t.Errorf("started/created/announced = %s/%s/%s, want %s/%s/%s", inc.StartedAt, inc.CreatedAt, inc.AnnouncedETA, started, t0, eta)
	}
	if inc.UsersAffectedPercent == nil || *inc.UsersAffectedPercent != 40 {
		t.Errorf("users affected = %v, want 40", inc.UsersAffectedPercent)
	}
	u := inc.Updates[0]
	if len(inc.Updates) != 1 || u.Kind != status.KindStaff || u.PostedBy != "test" || !u.CreatedAt.Equal(t0) {
		t.Errorf("timeline = %+v, want one staff entry by test at %s", inc.Updates, t0)
	}
	want := []status.ComponentChange{
		{ComponentID: "api", Name: lang.Same("api"), OldStatus: status.Operational, NewStatus: status.MajorOutage},
		{ComponentID: "web", Name: lang.Same("web"), OldStatus: status.Operational, NewStatus: status.DegradedPerformance},
	}
	if !slices.Equal(u.Components, want) {
		t.Errorf("changes = %+v, want %+v", u.Components, want)
	}
	en.wantStatuses(comps{"api": status.MajorOutage, "web": status.DegradedPerformance, "db": status.Operational})
	if got := en.revision(); got != rev+1 {
		t.Errorf("revision %d, want %d", got, rev+1)
	}
	if c := en.rec.changes[len(en.rec.changes)-1]; c.Kind != "incident" || c.ID != inc.ID || c.Revision != rev+1 {
		t.Errorf("published %+v, want the incident at revision %d", c, rev+1)
	}
	if a := en.lastAudit(); a.Action != "incident.create" || a.Target != inc.ID || a.Actor.Name != "test" || !a.At.Equal(t0) {
		t.Errorf("audit = %+v", a)
	}
}

func TestCreateIncidentDerivesImpactFromComponents(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	for _, tc := range []struct {
		name  string
		comps comps
		given status.Impact
		want  status.Impact
	}{
		{"nothing", nil, "", status.ImpactNone},
		{"operational", comps{"api": status.Operational}, "", status.ImpactNone},
		{"under maintenance", comps{"api": status.UnderMaintenance}, "", status.ImpactNone},
		{"degraded", comps{"api": status.DegradedPerformance}, "", status.ImpactMinor},
		{"partial outage", comps{"api": status.PartialOutage}, "", status.ImpactMajor},
		{"major outage", comps{"api": status.MajorOutage}, "", status.ImpactCritical},
		{"the worst one counts", comps{"api": status.DegradedPerformance, "web": status.PartialOutage}, "", status.ImpactMajor},
		{"a given impact wins", comps{"api": status.MajorOutage}, status.ImpactMinor, status.ImpactMinor},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			in := validIncident()
			in.Components, in.Impact = tc.comps, tc.given
			inc, err := en.svc.CreateIncident(en.ctx, op, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := en.incident(inc.ID).Impact; got != tc.want {
				t.Errorf("impact %s, want %s", got, tc.want)
			}
			en.resolve(inc.ID)
		})
	}
}

func TestPreviewIncidentStoresNothing(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	before := en.footprint()
	inc, err := en.svc.PreviewIncident(en.ctx, op, validIncident())
	if err != nil {
		t.Fatal(err)
	}
	if inc.Impact != status.ImpactCritical || len(inc.Updates) != 1 || inc.Updates[0].Components[0].NewStatus != status.MajorOutage {
		t.Errorf("preview = %+v, want the incident CreateIncident would open", inc)
	}
	en.unchanged(before)
	if _, err := en.svc.Incident(en.ctx, inc.ID); status.ErrorCode(err) != status.ENOTFOUND {
		t.Errorf("previewed incident readable: %v", err)
	}
}

func TestPostUpdateRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	inc := en.open("API down", comps{"api": status.MajorOutage})
	en.clock.Advance(10 * time.Minute)
	for _, tc := range []struct {
		name  string
		id    string
		in    status.UpdateInput
		code  string
		field string
	}{
		{"unknown incident", "nope", status.UpdateInput{Message: lang.Same("x")}, status.ENOTFOUND, ""},
		{"no message", inc.ID, status.UpdateInput{Status: status.Identified}, status.EINVALID, "message"},
		{"message blank", inc.ID, status.UpdateInput{Message: lang.Text{KO: " ", EN: "\n"}}, status.EINVALID, "message"},
		{"Korean message too long", inc.ID, status.UpdateInput{Message: lang.Text{KO: long("가", status.MaxMessageLen+1), EN: "x"}}, status.EINVALID, "message.ko"},
		{"unknown status", inc.ID, status.UpdateInput{Status: "done", Message: lang.Same("x")}, status.EINVALID, "status"},
		{"unknown impact", inc.ID, status.UpdateInput{Impact: "meh", Message: lang.Same("x")}, status.EINVALID, "impact"},
		{"unknown component status", inc.ID, status.UpdateInput{Message: lang.Same("x"), Components: comps{"api": "fine"}}, status.EINVALID, "components.api"},
		{"unknown component", inc.ID, status.UpdateInput{Message: lang.Same("x"), Components: comps{"db": status.PartialOutage}}, status.EINVALID, "components"},
		{"announced time now", inc.ID, status.UpdateInput{Message: lang.Same("x"), AnnouncedETA: t0.Add(10 * time.Minute)}, status.EINVALID, "announced_eta"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			_, err := en.svc.PostUpdate(en.ctx, op, tc.id, tc.in)
			en.refused(err, tc.code, tc.field, before)
			_, err = en.svc.PreviewUpdate(en.ctx, op, tc.id, tc.in)
			en.refused(err, tc.code, tc.field, before)
		})
	}
}

func TestPostUpdateToResolvedIncidentIsRefused(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	inc := en.open("API down", comps{"api": status.MajorOutage})
	en.resolve(inc.ID)
	for _, in := range []status.UpdateInput{
		{Message: lang.Same("One more thing.")},
		{Status: status.Investigating, Message: lang.Same("It is back."), Components: comps{"api": status.MajorOutage}},
		{Status: status.Resolved, Message: lang.Same("Resolved again.")},
	} {
		before := en.footprint()
		_, err := en.svc.PostUpdate(en.ctx, op, inc.ID, in)
		en.refused(err, status.ECONFLICT, "", before)
		_, err = en.svc.PreviewUpdate(en.ctx, op, inc.ID, in)
		en.refused(err, status.ECONFLICT, "", before)
	}
	en.wantStatuses(comps{"api": status.Operational})
}

func TestPostUpdateMovesTheIncident(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	inc := en.open("API down", comps{"api": status.MajorOutage})
	en.clock.Advance(10 * time.Minute)
	eta := t0.Add(time.Hour)
	inc = en.post(inc.ID, status.UpdateInput{Status: status.Identified, Message: lang.Text{KO: " 원인 확인 ", EN: " Found it. "},
		Components: comps{"api": status.PartialOutage, "web": status.DegradedPerformance}, AnnouncedETA: eta})
	got := en.incident(inc.ID)
	if got.Status != status.Identified || !got.IdentifiedAt.Equal(t0.Add(10*time.Minute)) || !got.AnnouncedETA.Equal(eta) {
		t.Errorf("status %s identified %s announced %s", got.Status, got.IdentifiedAt, got.AnnouncedETA)
	}
	if m := got.LatestUpdate().Message; m != (lang.Text{KO: "원인 확인", EN: "Found it."}) {
		t.Errorf("message %#v not trimmed per language", m)
	}
	if ch := got.LatestUpdate().Components; len(ch) != 2 || ch[0].OldStatus != status.MajorOutage || ch[0].NewStatus != status.PartialOutage {
		t.Errorf("changes %+v, want api major → partial first", ch)
	}
	en.wantStatuses(comps{"api": status.PartialOutage, "web": status.DegradedPerformance})
	if a := en.lastAudit(); a.Action != "incident.update" || a.Detail != "identified" {
		t.Errorf("audit %+v", a)
	}

	// No status: the phase stays; the announced time stands.
	en.clock.Advance(5 * time.Minute)
	en.post(inc.ID, status.UpdateInput{Message: lang.Same("Still on it.")})
	if got := en.incident(inc.ID); got.Status != status.Identified || !got.AnnouncedETA.Equal(eta) || len(got.Updates) != 3 {
		t.Errorf("after a plain update: %s, announced %s, %d updates", got.Status, got.AnnouncedETA, len(got.Updates))
	}
}

func TestPostUpdateChangesImpact(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	inc := en.open("API slow", comps{"api": status.DegradedPerformance})
	if inc.Impact != status.ImpactMinor {
		t.Fatalf("impact %s, want minor", inc.Impact)
	}
	en.post(inc.ID, status.UpdateInput{Impact: status.ImpactCritical})
	if got := en.incident(inc.ID).Impact; got != status.ImpactCritical {
		t.Errorf("impact %s after raising it, want critical", got)
	}
	// A later update without an impact keeps it, even with milder components.
	en.post(inc.ID, status.UpdateInput{Components: comps{"api": status.DegradedPerformance}})
	if got := en.incident(inc.ID).Impact; got != status.ImpactCritical {
		t.Errorf("impact %s after an update without one, want critical", got)
	}
	en.post(inc.ID, status.UpdateInput{Impact: status.ImpactNone})
	if got := en.incident(inc.ID).Impact; got != status.ImpactNone {
		t.Errorf("impact %s after lowering it, want none", got)
	}
}

func TestResolvingReturnsComponentsUnlessAnotherIncidentHoldsThem(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web", "db")
	a := en.open("A", comps{"api": status.MajorOutage, "web": status.DegradedPerformance})
	b := en.open("B", comps{"api": status.PartialOutage, "db": status.DegradedPerformance})
	en.wantStatuses(comps{"api": status.MajorOutage, "web": status.DegradedPerformance, "db": status.DegradedPerformance})

	en.clock.Advance(time.Hour)
	resolved := en.post(a.ID, status.UpdateInput{Status: status.Resolved, AnnouncedETA: t0.Add(2 * time.Hour)})
	en.wantStatuses(comps{"api": status.PartialOutage, "web": status.Operational, "db": status.DegradedPerformance})
	got := en.incident(a.ID)
	if got.Status != status.Resolved || !got.ResolvedAt.Equal(t0.Add(time.Hour)) || !got.AnnouncedETA.IsZero() {
		t.Errorf("resolved incident: %s at %s, announced %s", got.Status, got.ResolvedAt, got.AnnouncedETA)
	}
	// Resolving records the return of every component it held.
	var back []string
	for _, ch := range resolved.LatestUpdate().Components {
		if ch.NewStatus == status.Operational {
			back = append(back, ch.ComponentID)
		}
	}
	if !slices.Equal(back, []string{"api", "web"}) {
		t.Errorf("resolution returns %v to operational, want api and web", back)
	}
	if a := en.lastAudit(); a.Action != "incident.resolve" {
		t.Errorf("audit %s, want incident.resolve", a.Action)
	}

	en.resolve(b.ID)
	en.wantStatuses(comps{"api": status.Operational, "web": status.Operational, "db": status.Operational})
}

func TestComponentTakesTheWorstStatusOfOpenIncidents(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	a := en.open("A", comps{"api": status.DegradedPerformance})
	en.open("B", comps{"api": status.MajorOutage})
	en.post(a.ID, status.UpdateInput{Components: comps{"api": status.PartialOutage}})
	en.wantStatuses(comps{"api": status.MajorOutage})
}

func TestIncidentPushesArePlannedInTheWrite(t *testing.T) {
	en := newEnv(t, t0)
	en.withNotifier()
	en.components("api")
	in := validIncident()
	in.Notify = true
	inc, err := en.svc.CreateIncident(en.ctx, op, in)
	if err != nil {
		t.Fatal(err)
	}
	en.post(inc.ID, status.UpdateInput{Message: lang.Same("Quiet note.")}) // Notify false: no push
	en.post(inc.ID, status.UpdateInput{Message: lang.Same("Loud note."), Notify: true})
	en.post(inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed."), Notify: true})
	// A newer notifying entry supersedes the pending pushes of earlier ones.
	want := []string{"created:superseded", "updated:superseded", "resolved:pending"}
	if got := en.pushEvents(inc.ID); !slices.Equal(got, want) {
		t.Errorf("push jobs %v, want %v", got, want)
	}
	if en.rec.wakes != 3 {
		t.Errorf("dispatcher woken %d times, want 3 (once per write that queued a push)", en.rec.wakes)
	}
}

// TestResolvingCannotLeaveAComponentDown: a resolved incident holds nothing, so a status
// other than operational on the resolving update would be recorded in the timeline but not
// kept; it is refused instead of silently dropped.
func TestResolvingCannotLeaveAComponentDown(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	inc := en.open("API down", map[string]status.ComponentStatus{"api": status.MajorOutage})
	_, err := en.svc.PostUpdate(context.Background(), op, inc.ID, status.UpdateInput{Status: status.Resolved,
		Message: lang.Same("Fixed."), Components: map[string]status.ComponentStatus{"api": status.DegradedPerformance}})
	if status.ErrorCode(err) != status.EINVALID || status.ErrorFields(err)["components.api"] == "" {
		t.Fatalf("resolving with api degraded: %v", err)
	}
	if _, err := en.svc.PostUpdate(context.Background(), op, inc.ID, status.UpdateInput{Status: status.Resolved,
		Message: lang.Same("Fixed."), Components: map[string]status.ComponentStatus{"api": status.Operational}}); err != nil {
		t.Fatalf("resolving with api operational: %v", err)
	}
}

package status_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

func (en *env) resolvedIncident() *status.Incident {
	en.t.Helper()
	en.components("api")
	inc := en.open("API down", comps{"api": status.MajorOutage})
	return en.resolve(inc.ID)
}

func TestSavePostmortemRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	inc := en.resolvedIncident()
	open := en.open("Still open", nil)
	action := func(title string) status.FollowUp { return status.FollowUp{Title: lang.Same(title)} }
	many := make([]status.FollowUp, status.MaxFollowUps+1)
	for i := range many {
		many[i] = action(fmt.Sprint("Action ", i))
	}
	for _, tc := range []struct {
		name  string
		id    string
		in    status.PostmortemInput
		code  string
		field string
	}{
		{"unknown incident", "nope", status.PostmortemInput{Cause: lang.Same("c")}, status.ENOTFOUND, ""},
		{"open incident", open.ID, status.PostmortemInput{Cause: lang.Same("c")}, status.ECONFLICT, ""},
		{"published without a cause", inc.ID, status.PostmortemInput{Impact: lang.Same("i"), Publish: true}, status.EINVALID, "cause"},
		{"published with a blank cause", inc.ID, status.PostmortemInput{Cause: lang.Text{KO: " ", EN: "\n"}, Publish: true}, status.EINVALID, "cause"},
		{"English cause too long", inc.ID, status.PostmortemInput{Cause: lang.Text{KO: "원인", EN: long("c", status.MaxMessageLen+1)}}, status.EINVALID, "cause.en"},
		{"impact too long", inc.ID, status.PostmortemInput{Impact: lang.Same(long("i", status.MaxMessageLen+1))}, status.EINVALID, "impact"},
		{"Korean timeline too long", inc.ID, status.PostmortemInput{Timeline: lang.Text{KO: long("가", status.MaxMessageLen+1)}}, status.EINVALID, "timeline.ko"},
		{"too many actions", inc.ID, status.PostmortemInput{Actions: many}, status.EINVALID, "actions"},
		{"action without a title", inc.ID, status.PostmortemInput{Actions: []status.FollowUp{action("ok"), action(" ")}}, status.EINVALID, "actions[1].title"},
		{"action title too long", inc.ID, status.PostmortemInput{Actions: []status.FollowUp{action(long("t", status.MaxTitleLen+1))}}, status.EINVALID, "actions[0].title"},
		{"action owner too long", inc.ID, status.PostmortemInput{Actions: []status.FollowUp{{Title: lang.Same("t"), Owner: long("o", 101)}}}, status.EINVALID, "actions[0].owner"},
		{"action in an unknown state", inc.ID, status.PostmortemInput{Actions: []status.FollowUp{{Title: lang.Same("t"), State: "later"}}}, status.EINVALID, "actions[0].state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			_, err := en.svc.SavePostmortem(en.ctx, op, tc.id, tc.in)
			en.refused(err, tc.code, tc.field, before)
		})
	}
}

func TestSavePostmortem(t *testing.T) {
	en := newEnv(t, t0)
	inc := en.resolvedIncident()
	rev := en.revision()

	// A draft needs no cause, is not public and keeps what was given, trimmed.
	en.clock.Advance(time.Hour)
	due := time.Date(2026, time.December, 1, 15, 30, 0, 0, en.seoul)
	actions := make([]status.FollowUp, status.MaxFollowUps)
	for i := range actions {
		actions[i] = status.FollowUp{Title: lang.Same(fmt.Sprint("Action ", i))}
	}
	actions[0] = status.FollowUp{Title: lang.Text{KO: " 경보 추가 ", EN: " Add an alert "}, Owner: " ops team ", DueDate: due}
	actions[1] = status.FollowUp{ID: "kept", Title: lang.Same("Runbook"), State: status.FollowUpInProgress}
	actions[2].Owner = long("o", 100)
	pm, err := en.svc.SavePostmortem(en.ctx, op, inc.ID, status.PostmortemInput{Impact: lang.Text{EN: " Chats failed. "}, Actions: actions})
	if err != nil {
		t.Fatal(err)
	}
	draft, err := en.svc.Postmortem(en.ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !draft.PublishedAt.IsZero() || draft.Impact != (lang.Text{EN: "Chats failed."}) || draft.Author != "test" || !draft.CreatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("draft %+v", draft)
	}
	if len(draft.Actions) != status.MaxFollowUps {
		t.Fatalf("%d actions, want %d", len(draft.Actions), status.MaxFollowUps)
	}
	a0, a1 := draft.Actions[0], draft.Actions[1]
	if a0.ID == "" || a0.ID == a1.ID || a0.Title != (lang.Text{KO: "경보 추가", EN: "Add an alert"}) || a0.Owner != "ops team" || draft.Actions[2].Owner != long("o", 100) || a0.State != status.FollowUpOpen {
		t.Errorf("first action %+v: want an id, trimmed texts, state open", a0)
	}
	if want := time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC); !a0.DueDate.Equal(want) {
		t.Errorf("due date %s, want the day as midnight UTC %s", a0.DueDate, want)
	}
	if a1.ID != "kept" || a1.State != status.FollowUpInProgress {
		t.Errorf("second action %+v: want its id and state kept", a1)
	}
	if pm.IncidentID != inc.ID || en.revision() != rev {
		t.Errorf("a draft changed the public revision (%d → %d)", rev, en.revision())
	}
	if a := en.lastAudit(); a.Action != "postmortem.save" || a.Target != inc.ID {
		t.Errorf("audit %+v", a)
	}

	// Publishing needs a cause and makes it public.
	en.clock.Advance(time.Hour)
	if _, err := en.svc.SavePostmortem(en.ctx, op, inc.ID, status.PostmortemInput{Cause: lang.In(lang.Korean, "설정 오류"), Publish: true}); err != nil {
		t.Fatal(err)
	}
	pub, _ := en.svc.Postmortem(en.ctx, inc.ID)
	if !pub.PublishedAt.Equal(t0.Add(2*time.Hour)) || !pub.CreatedAt.Equal(t0.Add(time.Hour)) || len(pub.Actions) != 0 {
		t.Errorf("published %+v: want published now, created at the draft, actions replaced", pub)
	}
	if en.revision() != rev+1 {
		t.Errorf("publishing did not bump the revision")
	}
	if a := en.lastAudit(); a.Action != "postmortem.publish" {
		t.Errorf("audit %s, want postmortem.publish", a.Action)
	}

	// A published postmortem stays published, keeping when it was.
	en.clock.Advance(time.Hour)
	if _, err := en.svc.SavePostmortem(en.ctx, op, inc.ID, status.PostmortemInput{Cause: lang.Same("A typo.")}); err != nil {
		t.Fatal(err)
	}
	again, _ := en.svc.Postmortem(en.ctx, inc.ID)
	if !again.PublishedAt.Equal(t0.Add(2*time.Hour)) || again.Cause != lang.Same("A typo.") || en.revision() != rev+2 {
		t.Errorf("rewritten %+v at revision %d", again, en.revision())
	}
	if a := en.lastAudit(); a.Action != "postmortem.save" {
		t.Errorf("audit %s, want postmortem.save", a.Action)
	}
	// Publishing it again does not move when it was published.
	en.clock.Advance(time.Hour)
	if _, err := en.svc.SavePostmortem(en.ctx, op, inc.ID, status.PostmortemInput{Cause: lang.Same("A typo."), Publish: true}); err != nil {
		t.Fatal(err)
	}
	if again, _ := en.svc.Postmortem(en.ctx, inc.ID); !again.PublishedAt.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("published again: published at %s, want %s", again.PublishedAt, t0.Add(2*time.Hour))
	}
	if a := en.lastAudit(); a.Action != "postmortem.save" {
		t.Errorf("audit %s, want postmortem.save (it was already public)", a.Action)
	}
}

func TestOverdueFollowUps(t *testing.T) {
	// 23:30 on 24 November in Seoul.
	now := time.Date(2026, time.November, 24, 14, 30, 0, 0, time.UTC)
	en := newEnv(t, now)
	inc := en.resolvedIncident()
	day := func(d int) time.Time { return time.Date(2026, time.November, d, 0, 0, 0, 0, time.UTC) }
	if _, err := en.svc.SavePostmortem(en.ctx, op, inc.ID, status.PostmortemInput{Actions: []status.FollowUp{
		{Title: lang.Same("due today"), DueDate: day(24)},
		{Title: lang.Same("due yesterday"), DueDate: day(23)},
		{Title: lang.Same("done"), DueDate: day(20), State: status.FollowUpDone},
		{Title: lang.Same("no due day")},
		{Title: lang.Same("due long ago"), DueDate: day(2), State: status.FollowUpInProgress},
	}}); err != nil {
		t.Fatal(err)
	}
	titles := func() []string {
		t.Helper()
		od, err := en.svc.OverdueFollowUps(en.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range od {
			if o.IncidentID != inc.ID {
				t.Errorf("overdue action of %s, want %s", o.IncidentID, inc.ID)
			}
			out = append(out, o.Action.Title.EN)
		}
		return out
	}
	if got := titles(); !slices.Equal(got, []string{"due long ago", "due yesterday"}) {
		t.Errorf("overdue %v, want the two past due days in Seoul, oldest first", got)
	}
	en.clock.Set(now.Add(30 * time.Minute)) // midnight in Seoul
	if got := titles(); !slices.Equal(got, []string{"due long ago", "due yesterday", "due today"}) {
		t.Errorf("overdue %v after midnight in Seoul", got)
	}
}

func validTemplate(name string) status.Template {
	return status.Template{Name: name, Cause: status.CauseDatabase, Impact: status.ImpactMajor,
		Title: lang.Text{KO: "데이터베이스 장애", EN: "Database problems"}, Message: lang.Text{KO: "복구 중입니다.", EN: "Recovering."}}
}

func TestSaveTemplateRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	if _, err := en.svc.SaveTemplate(en.ctx, op, validTemplate("Database")); err != nil {
		t.Fatal(err)
	}
	if _, err := en.svc.SaveTemplate(en.ctx, op, validTemplate("Élodie")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(t *status.Template)
		code  string
		field string
	}{
		{"no name", func(t *status.Template) { t.Name = "" }, status.EINVALID, "name"},
		{"blank name", func(t *status.Template) { t.Name = "  " }, status.EINVALID, "name"},
		{"name too long", func(t *status.Template) { t.Name = long("n", 101) }, status.EINVALID, "name"},
		{"unknown cause", func(t *status.Template) { t.Cause = "gremlins" }, status.EINVALID, "cause"},
		{"unknown impact", func(t *status.Template) { t.Impact = "huge" }, status.EINVALID, "impact"},
		{"no title", func(t *status.Template) { t.Title = lang.Text{KO: " "} }, status.EINVALID, "title"},
		{"Korean title too long", func(t *status.Template) { t.Title = lang.Text{KO: long("가", status.MaxTitleLen+1), EN: "x"} }, status.EINVALID, "title.ko"},
		{"no message", func(t *status.Template) { t.Message = lang.Text{} }, status.EINVALID, "message"},
		{"name taken", func(t *status.Template) { t.Name = "Database" }, status.ECONFLICT, "name"},
		{"name taken in other case", func(t *status.Template) { t.Name = "DATABASE" }, status.ECONFLICT, "name"},
		{"name taken in other case, not ASCII", func(t *status.Template) { t.Name = "éLODIE" }, status.ECONFLICT, "name"},
		{"name taken with spaces around", func(t *status.Template) { t.Name = " database " }, status.ECONFLICT, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			tm := validTemplate("Network")
			tc.edit(&tm)
			_, err := en.svc.SaveTemplate(en.ctx, op, tm)
			en.refused(err, tc.code, tc.field, before)
		})
	}
}

func TestSaveTemplate(t *testing.T) {
	en := newEnv(t, t0)
	for _, tc := range []struct {
		name string
		edit func(t *status.Template)
	}{
		{"name of the longest length", func(t *status.Template) { t.Name = long("n", 100) }},
		{"no cause nor impact", func(t *status.Template) { t.Cause, t.Impact = "", "" }},
		{"texts in Korean only", func(t *status.Template) {
			t.Title, t.Message = lang.In(lang.Korean, "장애"), lang.In(lang.Korean, "확인 중")
		}},
		{"texts in English only", func(t *status.Template) {
			t.Title, t.Message = lang.In(lang.English, "Down"), lang.In(lang.English, "Looking")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			tm := validTemplate(tc.name)
			tc.edit(&tm)
			if _, err := en.svc.SaveTemplate(en.ctx, op, tm); err != nil {
				t.Fatal(err)
			}
		})
	}

	tm := validTemplate(" Power ")
	tm.Title = lang.Text{KO: " 정전 ", EN: " Power cut "}
	saved, err := en.svc.SaveTemplate(en.ctx, op, tm)
	if err != nil {
		t.Fatal(err)
	}
	if saved.ID == "" || saved.Name != "Power" || saved.Title != (lang.Text{KO: "정전", EN: "Power cut"}) {
		t.Errorf("saved %+v: want an id, the name and texts trimmed", saved)
	}
	// Replacing a template by id may change the case of its own name.
	saved.Name = "POWER"
	if _, err := en.svc.SaveTemplate(en.ctx, op, *saved); err != nil {
		t.Fatalf("renaming a template to its own name in capitals: %v", err)
	}
	ts, err := en.svc.Templates(en.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	if len(ts) != 5 || !slices.Contains(names, "POWER") || slices.Contains(names, "Power") {
		t.Errorf("templates %v", names)
	}

	before := en.footprint()
	en.refused(en.svc.DeleteTemplate(en.ctx, op, "nope"), status.ENOTFOUND, "", before)
	if err := en.svc.DeleteTemplate(en.ctx, op, saved.ID); err != nil {
		t.Fatal(err)
	}
	if ts, _ := en.svc.Templates(en.ctx); len(ts) != 4 {
		t.Errorf("%d templates after deleting one, want 4", len(ts))
	}
	if a := en.lastAudit(); a.Action != "template.delete" || a.Target != saved.ID {
		t.Errorf("audit %+v", a)
	}
}

func TestSeedTemplatesOnlyWhenThereAreNone(t *testing.T) {
	en := newEnv(t, t0)
	for range 2 {
		if err := en.svc.SeedTemplates(en.ctx); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := en.svc.Templates(en.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != len(status.DefaultTemplates) {
		t.Errorf("%d templates, want the %d defaults once", len(ts), len(status.DefaultTemplates))
	}

	other := newEnv(t, t0)
	if _, err := other.svc.SaveTemplate(other.ctx, op, validTemplate("Mine")); err != nil {
		t.Fatal(err)
	}
	if err := other.svc.SeedTemplates(other.ctx); err != nil {
		t.Fatal(err)
	}
	if ts, _ := other.svc.Templates(other.ctx); len(ts) != 1 {
		t.Errorf("%d templates, want staff's own only", len(ts))
	}
}

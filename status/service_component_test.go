package status_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

func intp(v int) *int { return &v }

func (en *env) createComponent(in status.ComponentInput) *status.Component {
	en.t.Helper()
	c, err := en.svc.CreateComponent(en.ctx, op, in)
	if err != nil {
		en.t.Fatal(err)
	}
	got, err := en.svc.Component(en.ctx, c.ID)
	if err != nil {
		en.t.Fatal(err)
	}
	return got
}

func (en *env) groups() []status.Group {
	en.t.Helper()
	gs, _, err := en.svc.Components(en.ctx)
	if err != nil {
		en.t.Fatal(err)
	}
	return gs
}

func TestCreateComponentRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	for _, tc := range []struct {
		name  string
		in    status.ComponentInput
		code  string
		field string
	}{
		{"no name", status.ComponentInput{ID: "x"}, status.EINVALID, "name"},
		{"blank name", status.ComponentInput{ID: "x", Name: lang.Text{KO: " ", EN: "\t"}}, status.EINVALID, "name"},
		{"Korean name too long", status.ComponentInput{ID: "x", Name: lang.Text{KO: long("가", status.MaxNameLen+1), EN: "X"}}, status.EINVALID, "name.ko"},
		{"English description too long", status.ComponentInput{Name: lang.Same("X"),
			Description: lang.Text{KO: "설명", EN: long("d", status.MaxDescriptionLen+1)}}, status.EINVALID, "description.en"},
		{"group name too long", status.ComponentInput{Name: lang.Same("X"), Group: lang.Same(long("g", status.MaxNameLen+1))}, status.EINVALID, "group"},
		{"id with capitals", status.ComponentInput{ID: "Web", Name: lang.Same("Web")}, status.EINVALID, "id"},
		{"id with a space", status.ComponentInput{ID: "web app", Name: lang.Same("Web")}, status.EINVALID, "id"},
		{"id starting with a hyphen", status.ComponentInput{ID: "-web", Name: lang.Same("Web")}, status.EINVALID, "id"},
		{"id ending with an underscore", status.ComponentInput{ID: "web_", Name: lang.Same("Web")}, status.EINVALID, "id"},
		{"id too long", status.ComponentInput{ID: long("a", status.MaxIDLen+1), Name: lang.Same("Web")}, status.EINVALID, "id"},
		{"unknown status", status.ComponentInput{Name: lang.Same("Web"), Status: "fine"}, status.EINVALID, "status"},
		{"negative position", status.ComponentInput{Name: lang.Same("Web"), Position: intp(-1)}, status.EINVALID, "position"},
		{"id taken", status.ComponentInput{ID: "api", Name: lang.Same("Other API")}, status.ECONFLICT, "id"},
		{"derived id taken", status.ComponentInput{Name: lang.Text{KO: "에이피아이", EN: " API "}}, status.ECONFLICT, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			_, err := en.svc.CreateComponent(en.ctx, op, tc.in)
			en.refused(err, tc.code, tc.field, before)
		})
	}
}

func TestCreateComponentDerivesItsID(t *testing.T) {
	en := newEnv(t, t0)
	for _, tc := range []struct {
		name lang.Text
		id   string // "" for a generated one
	}{
		{lang.Text{KO: "메신저", EN: "Messenger App"}, "messenger-app"},
		{lang.Text{KO: "Open 채팅 2", EN: ""}, "open-2"},
		{lang.Text{KO: "오픈 API", EN: "  "}, "api"},
		{lang.Text{KO: "결제"}, ""},
		{lang.Text{KO: "송금"}, ""},
		{lang.Same(strings.Repeat("word ", 20)), strings.TrimRight(strings.Repeat("word-", 13), "-")},
	} {
		c := en.createComponent(status.ComponentInput{Name: tc.name})
		switch {
		case tc.id != "" && c.ID != tc.id:
			t.Errorf("%#v: id %q, want %q", tc.name, c.ID, tc.id)
		case tc.id == "" && (!strings.HasPrefix(c.ID, "c-") || len(c.ID) != 10 || !status.ValidID(c.ID)):
			t.Errorf("%#v: id %q, want a generated c-xxxxxxxx", tc.name, c.ID)
		}
	}
	_, cs, err := en.svc.Components(en.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 6 {
		t.Errorf("%d components, want 6 (Korean-only names get distinct ids)", len(cs))
	}
	// An explicit id is kept, at the longest length.
	id := long("a", status.MaxIDLen)
	if c := en.createComponent(status.ComponentInput{ID: id, Name: lang.Same("Long")}); c.ID != id {
		t.Errorf("id %q, want %q", c.ID, id)
	}
}

func TestCreateComponentStoresWhatWasGiven(t *testing.T) {
	en := newEnv(t, t0)
	a := en.createComponent(status.ComponentInput{ID: "a", Name: lang.Text{KO: " 가 ", EN: " A "},
		Description: lang.Text{EN: "  the first  "}})
	if a.Name != (lang.Text{KO: "가", EN: "A"}) || a.Description != (lang.Text{EN: "the first"}) {
		t.Errorf("texts %#v / %#v, want each language trimmed", a.Name, a.Description)
	}
	if a.Status != status.Operational || !a.Showcase || a.Position != 0 || !a.CreatedAt.Equal(t0) {
		t.Errorf("defaults: %+v, want operational, showcased, first, created now", a)
	}
	b := en.createComponent(status.ComponentInput{ID: "b", Name: lang.Same("B"), Position: intp(7),
		Status: status.DegradedPerformance, Showcase: new(bool), OnlyShowIfDegraded: true})
	if b.Position != 7 || b.Status != status.DegradedPerformance || b.Showcase || !b.OnlyShowIfDegraded {
		t.Errorf("given values not kept: %+v", b)
	}
	if c := en.createComponent(status.ComponentInput{ID: "c", Name: lang.Same("C")}); c.Position != 8 {
		t.Errorf("position %d, want 8 (after the last)", c.Position)
	}
	if a := en.lastAudit(); a.Action != "component.create" || a.Target != "c" {
		t.Errorf("audit %+v", a)
	}
	if c := en.rec.changes[len(en.rec.changes)-1]; c.Kind != "component" || c.ID != "c" {
		t.Errorf("published %+v", c)
	}
}

func TestComponentGroupsByNameInEitherLanguage(t *testing.T) {
	en := newEnv(t, t0)
	en.createComponent(status.ComponentInput{ID: "chat", Name: lang.Same("Chat"), Group: lang.Text{KO: "메시징", EN: " Messaging "}})
	same := []lang.Text{
		lang.In(lang.Korean, "메시징"),
		lang.Same("MESSAGING"),
		lang.In(lang.English, "messaging"),
		lang.Same("messaging"), // its id
	}
	for i, g := range same {
		c := en.createComponent(status.ComponentInput{ID: "c" + string(rune('0'+i)), Name: lang.Same("C"), Group: g})
		if c.GroupID != "messaging" {
			t.Errorf("group %#v: component in %q, want messaging", g, c.GroupID)
		}
	}
	korean := en.createComponent(status.ComponentInput{ID: "pay", Name: lang.Same("Pay"), Group: lang.In(lang.Korean, "결제")})
	if !strings.HasPrefix(korean.GroupID, "g-") {
		t.Errorf("Korean-only group got id %q, want a generated g-…", korean.GroupID)
	}
	// A new name whose slug is taken gets an id of its own rather than joining the other group.
	clash := en.createComponent(status.ComponentInput{ID: "clash", Name: lang.Same("Clash"), Group: lang.Same("Messaging!")})
	if clash.GroupID == "messaging" || clash.GroupID == "" {
		t.Errorf("group Messaging! got id %q, want one of its own", clash.GroupID)
	}
	gs := en.groups()
	if len(gs) != 3 {
		t.Fatalf("%d groups %+v, want messaging, 결제 and Messaging!", len(gs), gs)
	}
	if gs[0].ID != "messaging" || gs[0].Name != (lang.Text{KO: "메시징", EN: "Messaging"}) || gs[0].Position != 0 || gs[1].Position != 1 {
		t.Errorf("groups %+v", gs)
	}
}

func TestUpdateComponent(t *testing.T) {
	en := newEnv(t, t0)
	en.createComponent(status.ComponentInput{ID: "api", Name: lang.Same("API"), Description: lang.Same("d"), Position: intp(3)})
	bad := func(s string) *lang.Text { v := lang.Same(s); return &v }
	st := func(s status.ComponentStatus) *status.ComponentStatus { return &s }
	for _, tc := range []struct {
		name  string
		id    string
		patch status.ComponentPatch
		code  string
		field string
	}{
		{"unknown component", "nope", status.ComponentPatch{Position: intp(1)}, status.ENOTFOUND, ""},
		{"empty name", "api", status.ComponentPatch{Name: bad("")}, status.EINVALID, "name"},
		{"English name too long", "api", status.ComponentPatch{Name: &lang.Text{KO: "에이", EN: long("a", status.MaxNameLen+1)}}, status.EINVALID, "name.en"},
		{"description too long", "api", status.ComponentPatch{Description: bad(long("d", status.MaxDescriptionLen+1))}, status.EINVALID, "description"},
		{"group too long", "api", status.ComponentPatch{Group: bad(long("g", status.MaxNameLen+1))}, status.EINVALID, "group"},
		{"unknown status", "api", status.ComponentPatch{Status: st("fine")}, status.EINVALID, "status"},
		{"negative position", "api", status.ComponentPatch{Position: intp(-1)}, status.EINVALID, "position"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			_, err := en.svc.UpdateComponent(en.ctx, op, tc.id, tc.patch)
			en.refused(err, tc.code, tc.field, before)
		})
	}

	en.clock.Advance(60e9)
	if _, err := en.svc.UpdateComponent(en.ctx, op, "api", status.ComponentPatch{Name: &lang.Text{KO: " 에이피아이 ", EN: "API v2 "},
		Status: st(status.PartialOutage)}); err != nil {
		t.Fatal(err)
	}
	c, err := en.svc.Component(en.ctx, "api")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != (lang.Text{KO: "에이피아이", EN: "API v2"}) || c.Status != status.PartialOutage {
		t.Errorf("patched fields: %#v %s", c.Name, c.Status)
	}
	if c.Description != lang.Same("d") || c.Position != 3 || !c.Showcase || !c.UpdatedAt.Equal(t0.Add(60e9)) || c.ID != "api" {
		t.Errorf("fields not in the patch changed: %+v", c)
	}
	if a := en.lastAudit(); a.Action != "component.update" || a.Detail != "name, status=partial_outage" {
		t.Errorf("audit %+v", a)
	}
}

func TestGroupsArePrunedWhenEmpty(t *testing.T) {
	en := newEnv(t, t0)
	g := func(s string) *lang.Text { v := lang.Same(s); return &v }
	en.createComponent(status.ComponentInput{ID: "a", Name: lang.Same("A"), Group: lang.Same("One")})
	en.createComponent(status.ComponentInput{ID: "b", Name: lang.Same("B"), Group: lang.Same("One")})
	en.createComponent(status.ComponentInput{ID: "c", Name: lang.Same("C"), Group: lang.Same("Two")})
	ids := func() []string {
		var out []string
		for _, g := range en.groups() {
			out = append(out, g.ID)
		}
		return out
	}
	patch := func(id string, p status.ComponentPatch) {
		t.Helper()
		if _, err := en.svc.UpdateComponent(en.ctx, op, id, p); err != nil {
			t.Fatal(err)
		}
	}
	patch("a", status.ComponentPatch{Group: &lang.Text{}}) // ungroup: One still holds b
	if got := ids(); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("groups %v after ungrouping a, want one and two", got)
	}
	patch("b", status.ComponentPatch{Group: g("two")}) // One is now empty
	if got := ids(); !slices.Equal(got, []string{"two"}) {
		t.Errorf("groups %v after moving b, want two", got)
	}
	if c, _ := en.svc.Component(en.ctx, "a"); c.GroupID != "" {
		t.Errorf("a in group %q, want none", c.GroupID)
	}
	for _, id := range []string{"b", "c"} {
		if err := en.svc.DeleteComponent(en.ctx, op, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := ids(); len(got) != 0 {
		t.Errorf("groups %v after deleting their components, want none", got)
	}
}

func TestDeleteComponent(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	inc := en.open("API down", comps{"api": status.MajorOutage})

	before := en.footprint()
	en.refused(en.svc.DeleteComponent(en.ctx, op, "nope"), status.ENOTFOUND, "", before)
	en.refused(en.svc.DeleteComponent(en.ctx, op, "api"), status.ECONFLICT, "", before)
	if err := en.svc.DeleteComponent(en.ctx, op, "web"); err != nil {
		t.Fatalf("deleting a component no open incident holds: %v", err)
	}

	en.resolve(inc.ID)
	if err := en.svc.DeleteComponent(en.ctx, op, "api"); err != nil {
		t.Fatalf("deleting a component after its incident was resolved: %v", err)
	}
	if _, err := en.svc.Component(en.ctx, "api"); status.ErrorCode(err) != status.ENOTFOUND {
		t.Errorf("deleted component readable: %v", err)
	}
	if a := en.lastAudit(); a.Action != "component.delete" || a.Target != "api" {
		t.Errorf("audit %+v", a)
	}
	// Past timelines keep its name.
	if ch := en.incident(inc.ID).Updates[0].Components; len(ch) != 1 || ch[0].ComponentID != "api" || ch[0].Name != lang.Same("api") {
		t.Errorf("timeline changes %+v, want api's name kept", ch)
	}
}

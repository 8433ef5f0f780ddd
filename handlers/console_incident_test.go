package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// localInput formats t for a datetime-local input in the page's zone.
func (en *env) localInput(t time.Time) string { return t.In(en.seoul).Format("2006-01-02T15:04") }

// incidentID is the id in the console URL a post redirected to.
func incidentID(t *testing.T, r resp) string {
	t.Helper()
	id, ok := strings.CutPrefix(strings.SplitN(r.location(), "?", 2)[0], "/admin/incidents/")
	if !ok || id == "" {
		t.Fatalf("post redirected to %q, not to an incident", r.location())
	}
	return id
}

func TestConsoleNewIncident(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", "Messaging"}, [3]string{"login", "Login", ""})
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	eta := en.clock.Now().Add(2 * time.Hour)

	r := ed.post("/admin/incidents/new", url.Values{"title": {"Search is slow"}, "message": {"We are looking into slow search."},
		"status": {"identified"}, "impact": {"minor"}, "cause": {"database"}, "components.search": {"degraded_performance"},
		"components.login": {""}, "announced_eta": {en.localInput(eta)}, "users_affected_percent": {"12.5"},
		"notify": {"true"}, "action": {"post"}}).want(http.StatusSeeOther)
	id := incidentID(t, r)

	inc := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).want(http.StatusOK).json()
	if !sameText(inc["title"], "Search is slow") || inc["status"] != "identified" || inc["impact"] != "minor" {
		t.Fatalf("incident from the form: %v", inc)
	}
	comps := get[[]any](t, inc, "components")
	if len(comps) != 1 || comps[0].(map[string]any)["id"] != "search" {
		t.Fatalf("components: %v (login was left 'not affected')", comps)
	}
	got, err := en.svc.Incident(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	// The datetime-local value is read in the page's zone (Asia/Seoul), to the minute.
	if want := eta.Truncate(time.Minute); !got.AnnouncedETA.Equal(want) {
		t.Fatalf("announced %v, want %v", got.AnnouncedETA, want)
	}
	if got.UsersAffectedPercent == nil || *got.UsersAffectedPercent != 12.5 || got.Cause != status.CauseDatabase {
		t.Fatalf("users affected / cause not mapped: %+v", got)
	}
	if u := got.Updates[0]; u.PostedBy != "mina" || !u.Notify {
		t.Fatalf("first update posted by %q, notify %v", u.PostedBy, u.Notify)
	}
	d := page(t, en.do("GET", "/?lang=en", "", nil).want(http.StatusOK))
	if !strings.Contains(text(d, "[data-testid=active-incidents]"), "Search is slow") {
		t.Fatal("the incident is not on the public page")
	}

	// The console's incident page confirms and offers the next steps.
	d = page(t, ed.get(r.location()).want(http.StatusOK))
	if text(d, "[data-testid=flash]") != "Incident posted." || text(d, "[data-testid=incident-title]") != "Search is slow" {
		t.Fatalf("incident page after posting: %s", d.Find("main").Text())
	}
	if d.Find("[data-testid=update-form]").Length() != 1 || d.Find("[data-testid=resolve-form]").Length() != 1 {
		t.Fatal("no update or resolve form on an open incident")
	}
	// It is on the dashboard with its announced time.
	d = page(t, ed.get("/admin").want(http.StatusOK))
	if row := d.Find(`[data-testid=dash-incident][data-id="` + id + `"]`); row.Length() != 1 {
		t.Fatal("the incident is not on the dashboard")
	}
}

func TestConsoleIncidentTemplates(t *testing.T) {
	en := newEnv(t)
	if err := en.svc.SeedTemplates(context.Background()); err != nil {
		t.Fatal(err)
	}
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	d := page(t, ed.get("/admin/incidents/new").want(http.StatusOK))
	links := d.Find("[data-testid=template-link]")
	if links.Length() != len(status.DefaultTemplates) {
		t.Fatalf("%d template links, want %d", links.Length(), len(status.DefaultTemplates))
	}
	ts, err := en.svc.Templates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tpl := ts[0]
	if got := strings.TrimSpace(links.First().Text()); got != tpl.Name {
		t.Fatalf("first template link %q, want %q", got, tpl.Name)
	}
	href, _ := links.First().Attr("href")
	d = page(t, ed.get(href).want(http.StatusOK))
	titleKO, _ := d.Find("input[name=title_ko]").Attr("value")
	titleEN, _ := d.Find("input[name=title_en]").Attr("value")
	msgKO, msgEN := d.Find("textarea[name=message_ko]").Text(), d.Find("textarea[name=message_en]").Text()
	if titleKO != tpl.Title.KO || titleEN != tpl.Title.EN || msgKO != tpl.Message.KO || msgEN != tpl.Message.EN {
		t.Fatalf("form not filled from the template, each language in its own input: title %q / %q, message %q / %q",
			titleKO, titleEN, msgKO, msgEN)
	}
	if v, _ := d.Find("select[name=cause] option[selected]").Attr("value"); v != string(tpl.Cause) {
		t.Fatalf("cause %q, want %q", v, tpl.Cause)
	}
}

func TestConsoleIncidentValidation(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", ""})
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	message := "Line one <b>kept</b>\nline two"
	for _, action := range []string{"post", "preview"} {
		r := ed.post("/admin/incidents/new", url.Values{"title": {"  "}, "message": {message},
			"components.search": {"exploded"}, "announced_eta": {"tomorrow-ish"}, "users_affected_percent": {"lots"},
			"impact": {"major"}, "action": {action}}).want(http.StatusUnprocessableEntity)
		d := page(t, r)
		for field, want := range map[string]string{
			"title":                  "must not be empty",
			"announced_eta":          "date and time",
			"users_affected_percent": "between 0 and 100",
			"components.search":      "status must be one of",
		} {
			el := d.Find(`[data-testid="error-` + field + `"]`)
			if !strings.Contains(el.Text(), want) {
				t.Errorf("%s: error for %s = %q, want it to mention %q", action, field, el.Text(), want)
			}
			// The message sits next to its field: inside the same field wrapper (a text's
			// wrapper holds its two languages' inputs).
			if el.Closest(".field, .component-pick").Find(`[name="`+field+`"], [name="`+field+`_en"]`).Length() < 1 {
				t.Errorf("%s: the %s error is not next to its field", action, field)
			}
		}
		if got := d.Find("textarea[name=message_ko]").Text(); got != message {
			t.Errorf("%s: message not kept: %q", action, got)
		}
		for sel, want := range map[string]string{"input[name=announced_eta]": "tomorrow-ish", "input[name=users_affected_percent]": "lots"} {
			if v, _ := d.Find(sel).Attr("value"); v != want {
				t.Errorf("%s: %s = %q, want the input kept", action, sel, v)
			}
		}
		if v, _ := d.Find("select[name=impact] option[selected]").Attr("value"); v != "major" {
			t.Errorf("%s: impact selection not kept: %q", action, v)
		}
		if d.Find(`[aria-invalid="true"]`).Length() < 3 {
			t.Errorf("%s: invalid fields are not marked for assistive technology", action)
		}
		if d.Find("[data-testid=preview]").Length() != 0 {
			t.Errorf("%s: invalid input was previewed", action)
		}
	}
	// A time in the past is refused by the service, next to the field.
	past := en.localInput(en.clock.Now().Add(-time.Hour))
	d := page(t, ed.post("/admin/incidents/new", url.Values{"title": {"Search down"}, "message": {"x"},
		"announced_eta": {past}, "action": {"post"}}).want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, `[data-testid="error-announced_eta"]`), "must be in the future") {
		t.Errorf("past announced time: %s", text(d, "main"))
	}
	if n := en.countIncidents(); n != 0 {
		t.Fatalf("%d incidents stored from invalid forms", n)
	}
}

func TestConsolePreview(t *testing.T) {
	en := newEnv(t)
	en.enableForecast()
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	before := en.countIncidents()
	audit, _ := en.svc.Audit(context.Background(), 1, 0)
	form := url.Values{"title": {"Messages delayed · 메시지 지연"}, "message": {"메시지 전송이 지연되고 있습니다.\n\nMessages are delayed."},
		"impact": {"major"}, "components.messenger": {"partial_outage"},
		"announced_eta": {en.localInput(en.clock.Now().Add(10 * time.Minute))}, "notify": {"true"}, "action": {"preview"}}

	d := page(t, ed.post("/admin/incidents/new", form).want(http.StatusOK))
	pv := d.Find("[data-testid=preview]")
	if pv.Length() != 1 {
		t.Fatalf("no preview: %s", text(d, "main"))
	}
	if !strings.Contains(text(d, "[data-testid=preview-unlikely]"), "similar incidents (0%) were restored that fast") {
		t.Errorf("no unlikely warning for an optimistic time: %q", text(d, "[data-testid=preview-unlikely]"))
	}
	for _, l := range templates.Langs {
		card := pv.Find(`[data-testid="preview-` + string(l) + `"] [data-testid=preview-card]`)
		if card.Length() != 1 {
			t.Fatalf("no %s status page card", l)
		}
		for _, want := range []string{"Messages delayed", templates.T(l, "eta.heading")} {
			if !strings.Contains(card.Text(), want) {
				t.Errorf("%s card lacks %q: %s", l, want, card.Text())
			}
		}
		if card.Find("[data-testid=eta-chance][data-unlikely]").Length() != 1 || card.Find("[data-testid=eta-range]").Length() != 1 {
			t.Errorf("%s card lacks the unlikely warning or the range: %s", l, card.Text())
		}
		push := pv.Find(`[data-testid="push-` + string(l) + `"]`)
		title, body := strings.TrimSpace(push.Find("[data-testid=push-title]").Text()), push.Find("[data-testid=push-body]").Text()
		if !strings.Contains(title, "Test Status") || !strings.Contains(title, "Messages delayed") || body == "" {
			t.Errorf("%s push: title %q body %q", l, title, body)
		}
		// The push speaks the reader's language and carries the honest range.
		wantBody := map[templates.Lang]string{templates.Korean: "메시지 전송이 지연되고 있습니다.", templates.English: "Messages are delayed."}[l]
		if !strings.Contains(body, wantBody) || strings.Count(body, "\n") < 2 {
			t.Errorf("%s push body %q: want the %s text and the time lines", l, body, l)
		}
		// So does the subscribers' email, with the same text and a subject naming the page.
		mail := pv.Find(`[data-testid="email-` + string(l) + `"]`)
		if subj := mail.Find("[data-testid=email-subject]").Text(); !strings.HasPrefix(subj, "[Test Status] ") || !strings.Contains(subj, "Messages delayed") {
			t.Errorf("%s email subject %q", l, subj)
		}
		if txt := mail.Find("[data-testid=email-text]").Text(); !strings.Contains(txt, wantBody) {
			t.Errorf("%s email text %q lacks %q", l, txt, wantBody)
		}
	}
	// The same input is kept for the Post button.
	if v, _ := d.Find("input[name=announced_eta]").Attr("value"); v != form.Get("announced_eta") {
		t.Errorf("announced time not kept: %q", v)
	}
	if d.Find(`button[form=incident-form][name=action][value=post]`).Length() != 1 {
		t.Error("the preview has no Post button for the same form")
	}
	if n := en.countIncidents(); n != before {
		t.Fatalf("preview stored an incident (%d → %d)", before, n)
	}
	if after, _ := en.svc.Audit(context.Background(), 1, 0); after[0].ID != audit[0].ID {
		t.Fatalf("preview wrote an audit entry: %+v", after[0])
	}

	form.Set("action", "post")
	id := incidentID(t, ed.post("/admin/incidents/new", form).want(http.StatusSeeOther))
	d = page(t, ed.get("/admin").want(http.StatusOK))
	row := d.Find(`[data-testid=dash-incident][data-id="` + id + `"]`)
	if row.Find("[data-testid=flag-unlikely]").Length() != 1 {
		t.Errorf("the dashboard does not flag the unlikely promise: %s", row.Text())
	}
	// Once the promise passes, the dashboard says it was missed.
	en.clock.Advance(11 * time.Minute)
	d = page(t, ed.get("/admin").want(http.StatusOK))
	if d.Find(`[data-testid=dash-incident][data-id="`+id+`"] [data-testid=flag-missed]`).Length() != 1 {
		t.Error("the dashboard does not flag the missed promise")
	}
}

func TestConsoleUpdateAndResolve(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", ""})
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	id := incidentID(t, ed.post("/admin/incidents/new", url.Values{"title": {"Search down"}, "message": {"Looking."},
		"components.search": {"major_outage"}, "action": {"post"}}).want(http.StatusSeeOther))
	path := "/admin/incidents/" + id

	// Preview of an update: nothing stored, both languages shown.
	d := page(t, ed.post(path+"/updates", url.Values{"status": {"identified"}, "message": {"Found it."},
		"components.search": {"partial_outage"}, "action": {"preview"}}).want(http.StatusOK))
	if d.Find("[data-testid=preview] [data-testid=preview-card]").Length() != 2 {
		t.Fatalf("update preview: %s", text(d, "[data-testid=preview]"))
	}
	if d.Find("[data-testid=push-none]").Length() != 1 {
		t.Error("notify was off, yet a push is previewed")
	}
	// Previewing the resolution shows the past-incident line and the all-clear push.
	d = page(t, ed.post(path+"/updates", url.Values{"status": {"resolved"}, "message": {"All good."}, "notify": {"true"},
		"action": {"preview"}}).want(http.StatusOK))
	if d.Find("[data-testid=preview] [data-testid=preview-card]").Length() != 2 || d.Find("[data-testid=push-en] [data-testid=push-title]").Length() != 1 {
		t.Fatalf("resolution preview: %s", text(d, "[data-testid=preview]"))
	}
	if inc, _ := en.svc.Incident(context.Background(), id); len(inc.Updates) != 1 {
		t.Fatal("the update preview was stored")
	}
	// Invalid update keeps the input.
	d = page(t, ed.post(path+"/updates", url.Values{"status": {"identified"}, "message": {""}, "action": {"post"}}).
		want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, `[data-testid="error-message"]`), "must not be empty") {
		t.Errorf("empty update message: %s", text(d, "main"))
	}
	if v, _ := d.Find("#update-form select[name=status] option[selected]").Attr("value"); v != "identified" {
		t.Errorf("status not kept: %q", v)
	}

	r := ed.post(path+"/updates", url.Values{"status": {"identified"}, "message": {"Found it."},
		"components.search": {"partial_outage"}, "action": {"post"}}).want(http.StatusSeeOther)
	if r.location() != path+"?done=update" {
		t.Fatalf("update redirects to %q", r.location())
	}
	ed.post(path+"/resolve", url.Values{"message": {"Fixed."}, "notify": {"true"}}).want(http.StatusSeeOther)
	inc := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).json()
	if inc["status"] != "resolved" {
		t.Fatalf("status %v after resolving", inc["status"])
	}
	d = page(t, ed.get(path).want(http.StatusOK))
	if d.Find("[data-testid=update-form]").Length() != 0 || d.Find("[data-testid=postmortem-link]").Length() != 1 {
		t.Error("a resolved incident should offer the postmortem, not updates")
	}
	// Updating a resolved incident is refused on the page, not with an error page.
	d = page(t, ed.post(path+"/resolve", url.Values{"message": {"Again."}}).want(http.StatusConflict))
	if !strings.Contains(text(d, "[data-testid=resolve-problem]"), "resolved") {
		t.Errorf("resolving twice: %s", text(d, "main"))
	}
}

func TestConsolePostmortem(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", ""})
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	id := incidentID(t, ed.post("/admin/incidents/new", url.Values{"title": {"Search down"}, "message": {"Looking."},
		"components.search": {"major_outage"}, "action": {"post"}}).want(http.StatusSeeOther))
	path := "/admin/incidents/" + id + "/postmortem"

	d := page(t, ed.get(path).want(http.StatusOK))
	if d.Find("[data-testid=postmortem-open]").Length() != 1 || d.Find("[data-testid=postmortem-form]").Length() != 0 {
		t.Fatal("an open incident offers a postmortem form")
	}
	ed.post("/admin/incidents/"+id+"/resolve", url.Values{"message": {"Fixed."}}).want(http.StatusSeeOther)

	d = page(t, ed.get(path).want(http.StatusOK))
	if n := d.Find("[data-testid=action-row]").Length(); n != 3 {
		t.Fatalf("%d action rows on a new postmortem, want 3 blank ones", n)
	}
	// Invalid: publishing without a cause, a malformed due date on the second row.
	bad := url.Values{"cause": {""}, "impact": {"Searches failed."}, "publish": {"true"},
		"actions.0.title": {""}, "actions.0.owner": {""}, "actions.0.due": {""}, "actions.0.state": {"open"},
		"actions.1.title": {"Add an index"}, "actions.1.owner": {"db team"}, "actions.1.due": {"31/12/2026"}, "actions.1.state": {"open"}}
	d = page(t, ed.post(path, bad).want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, `[data-testid="error-actions.0.due"]`), "date") {
		t.Errorf("due date problem not on its row (the blank row is dropped): %s", text(d, "form"))
	}
	if v, _ := d.Find(`input[name="actions.0.title_en"]`).Attr("value"); v != "Add an index" {
		t.Errorf("action row not kept: %q", v)
	}
	bad.Set("actions.1.due", "2026-11-20")
	d = page(t, ed.post(path, bad).want(http.StatusUnprocessableEntity))
	if !strings.Contains(text(d, `[data-testid="error-cause"]`), "must not be empty") {
		t.Errorf("publishing without a cause: %s", text(d, "form"))
	}

	// A draft: saved, not public; its overdue action is flagged on the dashboard.
	draft := url.Values{"cause": {"A missing index made a query slow."}, "impact": {"Searches failed for 40 minutes."},
		"timeline":        {"09:00 alerts\n09:40 fixed"},
		"actions.0.title": {"Add an index"}, "actions.0.owner": {"db team"}, "actions.0.due": {"2026-11-20"}, "actions.0.state": {"open"},
		"actions.1.title": {""}, "actions.1.owner": {""}, "actions.1.due": {""}, "actions.1.state": {"open"}}
	r := ed.post(path, draft).want(http.StatusSeeOther)
	if r.location() != path+"?done=postmortem" {
		t.Fatalf("saving a draft redirects to %q", r.location())
	}
	if page(t, en.do("GET", "/incidents/"+id+"?lang=en", "", nil)).Find("[data-testid=postmortem]").Length() != 0 {
		t.Fatal("a draft postmortem is public")
	}
	d = page(t, ed.get("/admin").want(http.StatusOK))
	if !strings.Contains(text(d, "[data-testid=overdue-action]"), "Add an index") {
		t.Errorf("overdue action not on the dashboard: %s", text(d, "[data-testid=dash-overdue]"))
	}

	// Publish, keeping the action (its id comes back from the form).
	d = page(t, ed.get(path).want(http.StatusOK))
	actionID, _ := d.Find(`input[name="actions.0.id"]`).Attr("value")
	if actionID == "" {
		t.Fatal("saved action has no id in the form")
	}
	pub := url.Values{"publish": {"true"}}
	d.Find("[data-testid=postmortem-form] input, [data-testid=postmortem-form] textarea, [data-testid=postmortem-form] select").
		Each(func(_ int, s *goquery.Selection) {
			name, _ := s.Attr("name")
			switch {
			case name == "" || name == "csrf" || name == "publish":
			case goquery.NodeName(s) == "textarea":
				pub.Set(name, s.Text())
			case goquery.NodeName(s) == "select":
				v, _ := s.Find("option[selected]").Attr("value")
				pub.Set(name, v)
			default:
				v, _ := s.Attr("value")
				pub.Set(name, v)
			}
		})
	pub.Set("actions.0.state", "done")
	ed.post(path, pub).want(http.StatusSeeOther)
	pm, err := en.svc.Postmortem(context.Background(), id)
	if err != nil || pm.PublishedAt.IsZero() || len(pm.Actions) != 1 || pm.Actions[0].ID != actionID || pm.Actions[0].State != status.FollowUpDone {
		t.Fatalf("published postmortem %+v, %v", pm, err)
	}
	d = page(t, en.do("GET", "/incidents/"+id+"?lang=en", "", nil).want(http.StatusOK))
	if !strings.Contains(text(d, "[data-testid=postmortem]"), "A missing index made a query slow.") {
		t.Fatal("the published postmortem is not on the public incident page")
	}
	if d := page(t, ed.get("/admin")); d.Find("[data-testid=overdue-action]").Length() != 0 {
		t.Error("a done action is still flagged overdue")
	}
	// Viewers read it but get no form.
	viewer := en.signedIn("vic", status.RoleViewer, "203.0.113.11")
	d = page(t, viewer.get(path).want(http.StatusOK))
	if d.Find("[data-testid=postmortem-form]").Length() != 0 || !strings.Contains(text(d, "[data-testid=postmortem-readonly]"), "Add an index") {
		t.Errorf("viewer's postmortem page: %s", text(d, "main"))
	}
	viewer.post(path, pub).want(http.StatusForbidden)
}

// TestConsolePreviewSaysWhichLanguageFallsBack: a text left empty in one language may be
// posted, and the preview says what that language's readers will see.
func TestConsolePreviewSaysWhichLanguageFallsBack(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", ""})
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	form := url.Values{"title_ko": {"검색 지연"}, "title_en": {"Search is slow"}, "message_ko": {"검색이 느립니다."}, "message_en": {""},
		"components.search": {"degraded_performance"}, "notify": {"true"}, "action": {"preview"}}
	d := page(t, ed.post("/admin/incidents/new", form).want(http.StatusOK))
	got := text(d, "[data-testid=preview-fallbacks]")
	if !strings.Contains(got, "The message has no English text: English readers will see the Korean one.") || strings.Contains(got, "title") {
		t.Fatalf("fallback note: %q", got)
	}
	en1 := d.Find(`[data-testid="preview-en"] [data-testid=preview-card]`)
	if !strings.Contains(en1.Text(), "Search is slow") || en1.Find(`[lang="ko"]`).Length() == 0 {
		t.Errorf("the English card does not show the Korean message marked as Korean: %s", en1.Text())
	}
	form.Set("action", "post")
	id := incidentID(t, ed.post("/admin/incidents/new", form).want(http.StatusSeeOther))
	inc, err := en.svc.Incident(context.Background(), id)
	if err != nil || inc.Title.KO != "검색 지연" || inc.Title.EN != "Search is slow" || inc.Updates[0].Message.EN != "" {
		t.Fatalf("stored %+v %v", inc, err)
	}
}

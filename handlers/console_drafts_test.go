package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/candorstatus/candor/status"
)

// fire reports a firing signal that takes effect at once.
func (en *env) fire(key, comp string, resolved bool) {
	en.t.Helper()
	_, err := en.svc.ReportSignals(context.Background(), status.Op{Actor: status.System}, []status.SignalInput{{Key: key,
		Component: comp, Source: "alertmanager", Summary: "API 5xx above 5%", Resolved: resolved}})
	if err != nil {
		en.t.Fatal(err)
	}
}

func TestConsoleDraftOnDashboardPublishedInOneClick(t *testing.T) {
	en := newEnv(t)
	en.svc.SetSignalHold(0)
	en.seedComponents([3]string{"api", "API", "Core"})
	en.fire("am:1", "api", false)
	b := en.signedIn("mina", status.RoleEditor, "10.0.0.5")

	d := page(t, b.get("/admin").want(http.StatusOK))
	card := d.Find(`[data-testid=dash-drafts] [data-testid=draft]`)
	if card.Length() != 1 {
		t.Fatalf("%d drafts on the dashboard", card.Length())
	}
	id, _ := card.Attr("data-id")
	if got := card.Find(`[data-testid=draft-preview-en] [data-testid=preview-card]`).Text(); !strings.Contains(got, "Problems with API") {
		t.Errorf("English preview card %q", got)
	}
	if got := card.Find(`[data-testid=draft-push-ko]`).Text(); !strings.Contains(got, "API 장애") {
		t.Errorf("Korean push preview %q", got)
	}
	// Drafts come before everything else on the dashboard.
	if first, _ := d.Find(`section[data-testid]`).First().Attr("data-testid"); first != "dash-drafts" {
		t.Errorf("first dashboard section is %s", first)
	}

	// One click: the form carries nothing but the CSRF token, action and notify.
	form := card.Find(`[data-testid=draft-publish-form]`)
	action, _ := form.Attr("action")
	r := b.post(action, url.Values{"action": {"post"}, "notify": {"true"}}).want(http.StatusSeeOther)
	if loc := r.Header().Get("Location"); loc != "/admin/incidents/"+id+"?done=draft" {
		t.Errorf("redirect to %s", loc)
	}
	inc, err := en.svc.Incident(context.Background(), id)
	if err != nil || inc.Title.EN != "Problems with API" || inc.Updates[0].Kind != status.KindSystem {
		t.Fatalf("published %+v (%v)", inc, err)
	}
	if d := page(t, b.get("/admin").want(http.StatusOK)); d.Find(`[data-testid=draft]`).Length() != 0 {
		t.Errorf("the published draft is still on the dashboard")
	}
	if a := en.auditActions("incident.publish"); len(a) != 1 || a[0].Actor.Name != "mina" {
		t.Errorf("publish audit %+v", a)
	}
	// A viewer sees drafts but cannot publish.
	v := en.signedIn("jun", status.RoleViewer, "10.0.0.6")
	en.fire("am:2", "api", true)
	en.fire("am:3", "web", false) // unknown component: ignored
	v.post(action, url.Values{"action": {"post"}}).want(http.StatusForbidden)
}

func TestConsoleDraftEditedWithPreview(t *testing.T) {
	en := newEnv(t)
	en.svc.SetSignalHold(0)
	en.seedComponents([3]string{"api", "API", "Core"})
	en.fire("am:1", "api", false)
	ds, _ := en.svc.Drafts(context.Background())
	id := ds[0].ID
	b := en.signedIn("mina", status.RoleEditor, "10.0.0.5")
	d := page(t, b.get("/admin/drafts/"+id).want(http.StatusOK))
	if got, _ := d.Find(`#f-title_en`).Attr("value"); got != "Problems with API" {
		t.Errorf("title pre-filled %q", got)
	}
	if got, _ := d.Find(`select[name="components.api"] option[selected]`).Attr("value"); got != "partial_outage" {
		t.Errorf("component pre-filled %q", got)
	}
	form := url.Values{"edited": {"true"}, "title_en": {"Search API errors"}, "title_ko": {"검색 API 오류"},
		"message_en": {"Some searches fail."}, "message_ko": {"일부 검색이 실패합니다."}, "status": {"identified"},
		"impact": {"minor"}, "components.api": {"degraded_performance"}, "notify": {"true"}, "action": {"preview"}}
	d = page(t, b.post("/admin/drafts/"+id+"/publish", form).want(http.StatusOK))
	if got := d.Find(`[data-testid=preview-en] [data-testid=preview-card]`).Text(); !strings.Contains(got, "Search API errors") {
		t.Errorf("preview %q", got)
	}
	if _, err := en.svc.Incident(context.Background(), id); status.ErrorCode(err) != status.ENOTFOUND {
		t.Fatalf("a preview published: %v", err)
	}
	// A problem comes back next to its field with the input kept.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("status", "fixed")
	bad.Set("action", "post")
	d = page(t, b.post("/admin/drafts/"+id+"/publish", bad).want(http.StatusUnprocessableEntity))
	if d.Find(`[data-testid=error-status]`).Length() != 1 {
		t.Errorf("no error next to status")
	}
	if got, _ := d.Find(`#f-title_en`).Attr("value"); got != "Search API errors" {
		t.Errorf("typed title lost: %q", got)
	}
	form.Set("action", "post")
	b.post("/admin/drafts/"+id+"/publish", form).want(http.StatusSeeOther)
	inc, err := en.svc.Incident(context.Background(), id)
	if err != nil || inc.Status != status.Identified || inc.Title.KO != "검색 API 오류" || inc.Impact != status.ImpactMinor {
		t.Fatalf("published %+v (%v)", inc, err)
	}
	if st, _ := inc.ComponentStatus("api"); st != status.DegradedPerformance {
		t.Errorf("api held at %s", st)
	}
	// The page of a published draft says so.
	if d := page(t, b.get("/admin/drafts/"+id).want(http.StatusOK)); d.Find(`[data-testid=draft-closed]`).Length() != 1 {
		t.Errorf("no closed notice")
	}
}

func TestConsoleConfirmMonitoringAndDismiss(t *testing.T) {
	en := newEnv(t)
	en.svc.SetSignalHold(0)
	en.seedComponents([3]string{"api", "API", "Core"}, [3]string{"web", "Web", "Core"})
	en.fire("am:1", "api", false)
	ds, _ := en.svc.Drafts(context.Background())
	if _, err := en.svc.PublishDraft(context.Background(), status.Op{Actor: status.System}, ds[0].ID, status.PublishInput{}); err != nil {
		t.Fatal(err)
	}
	en.fire("am:1", "api", true)
	b := en.signedIn("mina", status.RoleEditor, "10.0.0.5")
	d := page(t, b.get("/admin").want(http.StatusOK))
	sg := d.Find(`[data-testid=suggestion]`)
	if sg.Length() != 1 {
		t.Fatalf("%d suggestions", sg.Length())
	}
	vals := url.Values{}
	sg.Find(`input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("name")
		v, _ := s.Attr("value")
		vals.Set(n, v)
	})
	action, _ := sg.Find("form").Attr("action")
	b.post(action, vals).want(http.StatusSeeOther)
	inc, _ := en.svc.Incident(context.Background(), ds[0].ID)
	if inc.Status != status.Monitoring || !strings.Contains(inc.LatestUpdate().Message.EN, "recovering") {
		t.Errorf("after confirming: %s %+v", inc.Status, inc.LatestUpdate().Message)
	}
	if d := page(t, b.get("/admin").want(http.StatusOK)); d.Find(`[data-testid=suggestion]`).Length() != 0 {
		t.Errorf("the suggestion stays after confirming")
	}

	en.fire("am:w", "web", false)
	ds, _ = en.svc.Drafts(context.Background())
	b.post("/admin/drafts/"+ds[0].ID+"/dismiss", nil).want(http.StatusSeeOther)
	if ds, _ := en.svc.Drafts(context.Background()); len(ds) != 0 {
		t.Errorf("%d drafts after dismissing", len(ds))
	}
}

func TestConsoleMonitoringSettings(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"api", "API", "Core"})
	b := en.signedIn("ana", status.RoleAdmin, "10.0.0.7")
	d := page(t, b.get("/admin/components/api").want(http.StatusOK))
	if d.Find(`[data-testid=monitoring-form]`).Length() != 1 {
		t.Fatal("no monitoring form")
	}
	d = page(t, b.post("/admin/components/api/monitoring", url.Values{"auto_publish_after": {"soon"}}).want(http.StatusUnprocessableEntity))
	if d.Find(`[data-testid=error-auto_publish_after]`).Length() != 1 {
		t.Errorf("no error next to auto_publish_after")
	}
	b.post("/admin/components/api/monitoring", url.Values{"auto_publish_after": {"5"}, "sparkline": {"true"}}).want(http.StatusSeeOther)
	m, err := en.svc.MonitorSettings(context.Background(), "api")
	if err != nil || m.AutoPublishAfter.Minutes() != 5 || !m.Sparkline {
		t.Errorf("saved %+v (%v)", m, err)
	}
	if got, _ := page(t, b.get("/admin/components/api").want(http.StatusOK)).Find(`#f-auto_publish_after`).Attr("value"); got != "5" {
		t.Errorf("form shows %q", got)
	}
	e := en.signedIn("ed", status.RoleEditor, "10.0.0.8")
	e.post("/admin/components/api/monitoring", url.Values{"auto_publish_after": {"1"}}).want(http.StatusForbidden)
}

func TestConsoleProbes(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"api", "API", "Core"})
	b := en.signedIn("ana", status.RoleAdmin, "10.0.0.7")
	d := page(t, b.post("/admin/components/api/probes", url.Values{"probe_kind": {"http"},
		"probe_target": {"http://169.254.169.254/latest/"}, "probe_interval": {"5s"}}).want(http.StatusUnprocessableEntity))
	for _, f := range []string{"probe_target", "probe_interval"} {
		if d.Find(`[data-testid=error-`+f+`]`).Length() != 1 {
			t.Errorf("no error next to %s", f)
		}
	}
	if got, _ := d.Find(`#f-probe_target`).Attr("value"); got != "http://169.254.169.254/latest/" {
		t.Errorf("typed target lost: %q", got)
	}
	b.post("/admin/components/api/probes", url.Values{"probe_kind": {"tcp"}, "probe_target": {"db.internal:5432"},
		"probe_method": {"GET"}, "probe_interval": {"30s"}, "probe_status": {"major_outage"}}).want(http.StatusSeeOther)
	ps, _ := en.svc.Probes(context.Background(), "api")
	if len(ps) != 1 || ps[0].Interval.Seconds() != 30 || ps[0].Status != status.MajorOutage {
		t.Fatalf("probes %+v", ps)
	}
	d = page(t, b.get("/admin/components/api").want(http.StatusOK))
	if d.Find(`[data-testid=probe]`).Length() != 1 || !strings.Contains(d.Find(`[data-testid=probe-day]`).Text(), "no checks") {
		t.Errorf("component page probes: %q", d.Find(`[data-testid=probes]`).Text())
	}
	b.post("/admin/probes/"+ps[0].ID+"/delete", nil).want(http.StatusSeeOther)
	if ps, _ := en.svc.Probes(context.Background(), "api"); len(ps) != 0 {
		t.Errorf("probe not deleted")
	}
	if a := en.auditActions("probe.create"); len(a) != 1 || a[0].Actor.Name != "ana" {
		t.Errorf("audit %+v", a)
	}
}

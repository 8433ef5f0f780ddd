package browser_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// overflowJS lists what sticks out past the viewport's right edge: a page that scrolls
// sideways on a phone hides text and buttons off screen.
const overflowJS = `(() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w) return [];
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible" && a.getBoundingClientRect().right <= w + 1) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && r.width > 0 && !clipped(el)) {
      out.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "") +
        " right=" + Math.round(r.right));
      if (out.length > 8) break;
    }
  }
  return out.length ? out : ["scrollWidth " + document.documentElement.scrollWidth + " > " + w];
})()`

// TestNoPageScrollsSideways opens every public page (both languages) and every console
// page at a phone's width and a desktop's, with an open incident, a maintenance and long
// texts in place, and fails on anything wider than the screen.
func TestNoPageScrollsSideways(t *testing.T) {
	ctx := browser(t, 300*time.Second)
	srv, svc, _ := server(t)
	bg := context.Background()
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	inc, err := svc.CreateIncident(bg, op, status.IncidentInput{
		Title:   lang.Text{KO: "데이터센터 전원 장애로 메시지 전송과 사진 전송이 지연되고 있습니다", EN: "Message and photo delivery delayed by a data-centre power failure"},
		Message: lang.Text{KO: strings.Repeat("복구 작업을 계속하고 있습니다. ", 12), EN: strings.Repeat("Recovery work continues. ", 12)},
		Components: map[string]status.ComponentStatus{"messenger": status.MajorOutage, "media-upload": status.PartialOutage,
			"push": status.DegradedPerformance}, AnnouncedETA: time.Now().Add(20 * time.Minute), Impact: status.ImpactCritical})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.ScheduleMaintenance(bg, op, status.MaintenanceInput{Title: lang.Text{KO: "데이터베이스 업그레이드", EN: "Database upgrade"},
		Message: lang.Text{KO: "잠시 느려질 수 있습니다.", EN: "Things may be slow for a while."}, Components: []string{"login"},
		ScheduledFor: time.Now().Add(3 * time.Hour), ScheduledUntil: time.Now().Add(5 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(bg, op, "ada", status.RoleAdmin, password); err != nil {
		t.Fatal(err)
	}
	// A draft from monitoring: the dashboard shows it first, with its preview.
	svc.SetSignalHold(0)
	if _, err := svc.ReportSignals(bg, op, []status.SignalInput{{Key: "am:layout", Component: "stories", Source: "alertmanager",
		Summary: strings.Repeat("Story uploads fail with HTTP 503 from the storage gateway; ", 4)}}); err != nil {
		t.Fatal(err)
	}
	drafts, err := svc.Drafts(bg)
	if err != nil || len(drafts) != 1 {
		t.Fatalf("drafts %v (%v)", drafts, err)
	}
	var public []string
	for _, p := range []string{"/", "/incidents/" + inc.ID, "/maintenances/" + m.ID, "/history", "/history?page=2", "/nope", "/subscribe", "/subscribe/webhook", "/unsubscribe?token=x"} {
		for _, l := range []string{"en", "ko"} {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			public = append(public, p+sep+"lang="+l)
		}
	}
	console := []string{"/admin", "/admin/incidents", "/admin/incidents/new", "/admin/incidents/" + inc.ID, "/admin/maintenances",
		"/admin/maintenances/new", "/admin/maintenances/" + m.ID, "/admin/components", "/admin/components/messenger",
		"/admin/keys", "/admin/users", "/admin/templates", "/admin/audit", "/admin/drafts/" + drafts[0].ID}

	// Layout does not depend on live updates; without EventSource live.js stays idle, so the
	// pages' event streams do not use up the browser's six HTTP/1.1 connections to the
	// test server (each navigation would otherwise wait for one to be freed).
	step(t, ctx, "turn live updates off", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: "delete window.EventSource;"})
		return err
	}))
	step(t, ctx, "sign in", chromedp.Navigate(srv.URL+"/admin/login"), chromedp.WaitVisible(chromedp.CSS("[data-testid=login-form]")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "ada"), chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	submit(t, ctx, "sign in", "[data-testid=login-submit]")

	for _, width := range []int64{390, 1280} {
		step(t, ctx, "resize", chromedp.EmulateViewport(width, 900))
		for _, path := range append(public, console...) {
			step(t, ctx, "open "+path, chromedp.Navigate(srv.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(wide) > 0 {
				t.Errorf("%d px, %s scrolls sideways: %s", width, path, strings.Join(wide, "; "))
			}
			// The ETA box reads as what the numbers are, with the chance beside the promise.
			if strings.HasPrefix(path, "/incidents/") {
				want := map[bool][2]string{true: {"절반은", "이만큼 빨리 복구되었습니다"}, false: {"half were restored by", "were restored that fast"}}[strings.HasSuffix(path, "lang=ko")]
				if got := textOf(t, ctx, "[data-testid=eta-range]"); !strings.Contains(got, want[0]) {
					t.Errorf("%d px, %s: range reads %q", width, path, got)
				}
				if got := textOf(t, ctx, "[data-testid=eta-chance]"); !strings.Contains(got, want[1]) {
					t.Errorf("%d px, %s: chance reads %q", width, path, got)
				}
			}
		}
	}
}

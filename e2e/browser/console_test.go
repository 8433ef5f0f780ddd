package browser_test

import (
	"context"
	"fmt"
	"github.com/candorstatus/candor/internal/testenv"
	"github.com/candorstatus/candor/lang"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/candorstatus/candor/demo"
	"github.com/candorstatus/candor/eta/estimator"
	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/live"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
	"github.com/candorstatus/candor/templates"
)

// chromiumPath is Debian's chromium package; .ci/run installs it.
const chromiumPath = "/usr/bin/chromium"

const password = "correct horse battery"

// server starts Candor in-process the way serve wires it: SQLite in a temporary folder,
// the demo history (so the ETA model has something to judge promises by), the model, the
// public snapshot rebuilt synchronously on every change, and the echo handlers.
func server(t *testing.T) (*httptest.Server, *status.Service, *live.Hub) {
	t.Helper()
	ctx := context.Background()
	status.BcryptCost = bcrypt.MinCost
	store, err := sqlite.Open(ctx, t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	clock := status.SystemClock{}
	svc := status.NewService(store, clock, nil)
	svc.SetLocation(seoul)
	if _, err := demo.Seed(ctx, svc, 120); err != nil {
		t.Fatal(err)
	}
	if err := svc.SeedTemplates(ctx); err != nil {
		t.Fatal(err)
	}
	f := estimator.New(store, clock, nil)
	if err := f.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	svc.SetEstimator(f)
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := snapshot.NewBuilder(snapshot.Config{PageID: "candor-browser", PageName: lang.Same("Browser Status"), PublicURL: "http://status.test",
		Location: seoul}, store, assets)
	b.SetEstimator(f)
	h := snapshot.NewHolder(b, clock, nil)
	if err := h.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	svc.Subscribe(func(status.Change) {
		if err := h.Rebuild(ctx); err != nil {
			t.Errorf("rebuild: %v", err)
		}
	})
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	if _, err := svc.CreateUser(ctx, op, "mina", status.RoleEditor, password); err != nil {
		t.Fatal(err)
	}
	// Open pages hear of each change on the event stream once it is served.
	hub := live.NewHub(live.Config{Revision: h.Current().Revision})
	svc.Subscribe(func(c status.Change) { hub.Publish(live.Event{Revision: c.Revision, Kind: c.Kind, ID: c.ID}) })
	srv := httptest.NewServer(handlers.New(handlers.Deps{Service: svc, Site: h, Builder: b, Assets: assets,
		DefaultLang: templates.Korean, Live: hub, PublicWebhooks: true}))
	t.Cleanup(srv.Close)
	t.Cleanup(hub.Close)
	return srv, svc, hub
}

// browser starts headless Chromium with a fresh profile, bounded by timeout.
func browser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		testenv.Missing(t, testenv.Chromium, "chromium not found at "+chromiumPath+": install Debian's chromium package to run browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

// step runs browser actions and fails the test, naming the step, when one fails.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// submit clicks a button that posts a form and checks the page it lands on answered 200
// (after redirects).
func submit(t *testing.T, ctx context.Context, name, sel string) {
	t.Helper()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("%s: status %d at %s", name, res.Status, res.URL)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// TestConsoleIncidentInBrowser posts an incident with an optimistic announced time from
// the console, sees the warning in the preview, finds the incident on the public page,
// resolves it, and sees the public page say so.
func TestConsoleIncidentInBrowser(t *testing.T) {
	ctx := browser(t, 60*time.Second)
	srv, svc, _ := server(t)

	// Signing in: the console sends a signed-out browser to the sign-in form and back.
	step(t, ctx, "open the console", chromedp.Navigate(srv.URL+"/admin/incidents/new"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=login-form]")))
	step(t, ctx, "fill the sign-in form",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "mina"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	submit(t, ctx, "sign in", "[data-testid=login-submit]")
	step(t, ctx, "land on the new-incident form", chromedp.WaitVisible(chromedp.CSS("[data-testid=incident-form]")))
	if got := textOf(t, ctx, "[data-testid=signed-in-as]"); !strings.HasPrefix(got, "mina") {
		t.Fatalf("signed in as %q", got)
	}

	// An announced time ten minutes out is optimistic for this history.
	loc, _ := time.LoadLocation("Asia/Seoul")
	eta := time.Now().Add(10 * time.Minute).In(loc).Format("2006-01-02T15:04")
	title, titleKO := "Messages delayed", "메시지 지연"
	step(t, ctx, "fill the incident form, each language in its own input",
		chromedp.SendKeys(chromedp.CSS("#f-title_ko"), titleKO),
		chromedp.SendKeys(chromedp.CSS("#f-title_en"), title),
		chromedp.SetValue(chromedp.CSS(`select[name="components.messenger"]`), "partial_outage"),
		chromedp.SetValue(chromedp.CSS("#f-impact"), "major"),
		chromedp.SendKeys(chromedp.CSS("#f-message_ko"), "메시지 전송이 지연되고 있습니다."),
		chromedp.SendKeys(chromedp.CSS("#f-message_en"), "Messages are delayed; we are investigating."),
		chromedp.SetValue(chromedp.CSS("#f-announced_eta"), eta))
	submit(t, ctx, "preview", "[data-testid=preview-button]")
	step(t, ctx, "see the preview", chromedp.WaitVisible(chromedp.CSS("[data-testid=preview-unlikely]")))
	if got := textOf(t, ctx, "[data-testid=preview-unlikely]"); !strings.Contains(got, "were restored that fast") {
		t.Fatalf("unlikely warning reads %q", got)
	}
	for _, sel := range []string{"[data-testid=preview-ko] [data-testid=eta-chance][data-unlikely]", "[data-testid=preview-en] [data-testid=eta-chance][data-unlikely]",
		"[data-testid=push-ko] [data-testid=push-title]", "[data-testid=push-en] [data-testid=push-title]"} {
		if count(t, ctx, sel) != 1 {
			t.Errorf("preview lacks %s", sel)
		}
	}
	if _, n, _ := svc.Incidents(context.Background(), status.IncidentFilter{Status: "open"}); n != 0 {
		t.Fatalf("the preview opened an incident")
	}

	submit(t, ctx, "post", "[data-testid=preview-post]")
	step(t, ctx, "see the incident page", chromedp.WaitVisible(chromedp.CSS("[data-testid=flash]")))
	if got := textOf(t, ctx, "[data-testid=flash]"); got != "Incident posted." {
		t.Fatalf("flash after posting: %q", got)
	}
	consoleURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(strings.SplitN(consoleURL, "?", 2)[0], srv.URL+"/admin/incidents/")

	// The public page shows it, with the honest warning next to the promise.
	step(t, ctx, "open the public page", chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=active-incidents]")))
	if got := textOf(t, ctx, "[data-testid=active-incidents]"); !strings.Contains(got, title) || strings.Contains(got, titleKO) {
		t.Fatalf("the English page does not list the incident in English only: %q", got)
	}
	if count(t, ctx, "[data-testid=active-incidents] [data-testid=eta-chance][data-unlikely]") != 1 {
		t.Error("the public page does not warn about the unlikely time")
	}

	// Resolve it from the console.
	step(t, ctx, "open the incident in the console", chromedp.Navigate(srv.URL+"/admin/incidents/"+id),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=resolve-form]")))
	submit(t, ctx, "resolve", "[data-testid=resolve-button]")
	step(t, ctx, "see it resolved", chromedp.WaitVisible(chromedp.CSS("[data-testid=flash]")))
	if got := textOf(t, ctx, "[data-testid=incident-status]"); got != "Resolved" {
		t.Fatalf("console status after resolving: %q", got)
	}

	// The public page no longer lists it as active, and its page says when it was resolved.
	// Public pages may be cached for ten seconds, so the browser asks for a fresh copy.
	step(t, ctx, "open the public page again", chromedp.Navigate(srv.URL+"/?lang=en&fresh=1"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=recent]")))
	if count(t, ctx, "[data-testid=active-incidents]") != 0 {
		t.Fatalf("the resolved incident is still active: %s", textOf(t, ctx, "[data-testid=active-incidents]"))
	}
	if got := textOf(t, ctx, "[data-testid=recent]"); !strings.Contains(got, title) {
		t.Fatalf("past incidents do not list it: %q", got)
	}
	step(t, ctx, "open its public page", chromedp.Navigate(srv.URL+"/incidents/"+id+"?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=resolved]")))
	if got := textOf(t, ctx, "[data-testid=incident-status]"); got != "Resolved" {
		t.Fatalf("public incident status %q", got)
	}
}

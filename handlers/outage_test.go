package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// downStore is a store that can be made unreachable, as a database that fails over is.
type downStore struct {
	status.Store
	down atomic.Bool
}

// errDown is what the stores return when the database cannot be reached.
var errDown = fmt.Errorf("read: %w: %w", status.Errorf(status.EUNAVAILABLE, "The database is unavailable; try again shortly."),
	errors.New("dial tcp 127.0.0.1:5432: connection refused"))

func (s *downStore) Read(ctx context.Context, fn func(status.Tx) error) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Read(ctx, fn)
}

func (s *downStore) Write(ctx context.Context, fn func(status.Tx) error) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Write(ctx, fn)
}

func (s *downStore) Ping(ctx context.Context) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Ping(ctx)
}

// TestStoreOutage: while the store is unreachable the public pages and JSON keep being
// served from the last state, say since when, and keep their time-dependent wording
// honest (a promised time that passes meanwhile is not shown as upcoming); writes fail
// with a clear 503; /readyz says so; when the store returns the pages catch up.
func TestStoreOutage(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", ""})
	ds := &downStore{Store: en.store}
	svc := status.NewService(ds, en.clock, nil)
	b := snapshot.NewBuilder(en.build.Config(), ds, en.assets)
	h := snapshot.NewHolder(b, en.clock, nil)
	e := handlers.New(handlers.Deps{Service: svc, Site: h, Builder: b, Assets: en.assets, DefaultLang: templates.Korean})
	en.e = e // en.do now goes through this server
	ctx := context.Background()

	announced := en.clock.Now().Add(20 * time.Minute)
	id := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages delayed", "message": "Looking.",
		"components": map[string]string{"messenger": "major_outage"}, "announced_eta": announced.Format(time.RFC3339)}).want(201).json()["id"].(string)
	if err := h.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	before := en.clock.Now()
	home := doc(t, en.do("GET", "/?lang=en", "", nil).want(200))
	if home.Find("[data-testid=stale]").Length() != 0 || home.Find("[data-testid=eta-announced]").Length() == 0 {
		t.Fatal("a healthy page shows a stale notice or lacks the announced time")
	}

	ds.down.Store(true)
	en.clock.Advance(25 * time.Minute) // the announced time passes while the store is down
	if err := h.Rebuild(ctx); err == nil {
		t.Fatal("a rebuild without a store reported success")
	}
	ready := en.do("GET", "/readyz", "", nil).want(503).json()
	if ready["snapshot"] != "stale" {
		t.Fatalf("/readyz during the outage: %v", ready)
	}
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": "Still on it."}).want(503)

	for _, lang := range []string{"en", "ko"} {
		d := doc(t, en.do("GET", "/?lang="+lang, "", nil).want(200))
		notice := d.Find("[data-testid=stale]")
		if notice.Length() != 1 || !strings.Contains(notice.Text(), templates.FormatTime(templates.Lang(lang), before, en.seoul, before)) {
			t.Fatalf("%s: stale notice %q does not say since when (%s)", lang, notice.Text(), before.In(en.seoul))
		}
		block := d.Find("[data-testid=active-incidents] [data-testid=eta]")
		if block.Find("[data-testid=eta-missed]").Length() == 0 || block.Find("[data-testid=eta-announced]").Length() != 0 {
			t.Fatalf("%s: a passed announced time is still shown as upcoming during the outage: %q", lang, block.Text())
		}
	}
	en.do("GET", "/incidents/"+id+"?lang=en", "", nil).want(200)
	en.do("GET", "/api/v2/summary.json", "", nil).want(200)

	ds.down.Store(false)
	if err := h.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if d := doc(t, en.do("GET", "/?lang=en", "", nil).want(200)); d.Find("[data-testid=stale]").Length() != 0 {
		t.Fatal("the stale notice stays after the store returned")
	}
	en.do("GET", "/readyz", "", nil).want(200)
}

// stallStore is a store whose database stopped answering without closing its connections
// (a locked table, a frozen backend, a partition): every call waits until its context
// ends, then fails as the stores do when a deadline passes.
type stallStore struct {
	status.Store
	stalled atomic.Bool
}

func (s *stallStore) wait(ctx context.Context) error {
	<-ctx.Done()
	return fmt.Errorf("read: %w: %w", status.Errorf(status.EUNAVAILABLE, "The database is unavailable; try again shortly."), ctx.Err())
}

func (s *stallStore) Read(ctx context.Context, fn func(status.Tx) error) error {
	if s.stalled.Load() {
		return s.wait(ctx)
	}
	return s.Store.Read(ctx, fn)
}

func (s *stallStore) Write(ctx context.Context, fn func(status.Tx) error) error {
	if s.stalled.Load() {
		return s.wait(ctx)
	}
	return s.Store.Write(ctx, fn)
}

func (s *stallStore) Ping(ctx context.Context) error {
	if s.stalled.Load() {
		return s.wait(ctx)
	}
	return s.Store.Ping(ctx)
}

// TestMetricsDuringStall (attack run 2): with the database stalled, a scrape with a key
// /metrics confirmed recently answers 200 with candor_store_up 0 and the last calibration,
// within Prometheus' default scrape timeout (10 s). Before, the key check waited for the
// store without a deadline of the request's own (10 s on PostgreSQL) and the calibration
// read another full store deadline, so the scrape that should have said "store down" timed
// out in Prometheus instead.
func TestMetricsDuringStall(t *testing.T) {
	en := newEnv(t)
	ss := &stallStore{Store: en.store}
	svc := status.NewService(ss, en.clock, nil)
	en.e = handlers.New(handlers.Deps{Service: svc, Site: en.holder, Builder: en.build, Assets: en.assets, DefaultLang: templates.Korean})
	if got := en.scrape(); got["candor_store_up"] != 1 || !got.has("candor_eta_calibration_incidents") {
		t.Fatalf("healthy scrape: %v", got)
	}
	// Another revision, so the calibration would be read again.
	en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Slow", "message": "Looking."}).want(201)
	if err := en.holder.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}

	ss.stalled.Store(true)
	done := make(chan scrape, 1)
	go func() { done <- en.scrape() }()
	select {
	case got := <-done:
		if got["candor_store_up"] != 0 || got["candor_up"] != 1 || !got.has("candor_eta_calibration_incidents") {
			t.Errorf("scrape during the stall: store_up %v, up %v, calibration %v", got["candor_store_up"], got["candor_up"],
				got.has("candor_eta_calibration_incidents"))
		}
	case <-time.After(10 * time.Second): // Prometheus' default scrape_timeout: the behaviour, not a benchmark
		t.Fatal("a scrape during a stall outlasted Prometheus' default timeout")
	}
	ss.stalled.Store(false)
	if got := en.scrape(); got["candor_store_up"] != 1 {
		t.Fatalf("after the stall: store_up %v", got["candor_store_up"])
	}
}

// TestConsoleDuringStall (attack run 2): with the database stalled, a signed-in console
// page answers the "Temporarily unavailable" page (503) once the request's deadline passes.
// Before, the error page asked the stalled store for the session again without any
// deadline of the request's (PostgreSQL's default read deadline: 15 s in all; with SQLite
// under a store that never answers, forever).
func TestConsoleDuringStall(t *testing.T) {
	en := newEnv(t)
	ss := &stallStore{Store: en.store}
	en.serveThrough(ss)
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	ed.get("/admin").want(200)

	ss.stalled.Store(true)
	done := make(chan resp, 1)
	go func() { done <- ed.get("/admin") }()
	select {
	case r := <-done:
		r.want(503)
		if d := page(t, r); !strings.Contains(d.Find("main").Text(), "Temporarily unavailable") {
			t.Errorf("stall page: %s", d.Find("main").Text())
		}
	case <-time.After(10 * time.Second): // twice the request deadline: the behaviour, not a benchmark
		t.Fatal("a console page during a stall outlasted its request deadline")
	}
	ss.stalled.Store(false)
	ed.get("/admin").want(200)
}

// serveThrough makes the service, and the handlers serving it, use store s: a wrapper of
// the env's store that fails in some way. The public snapshot keeps reading the env's.
func (en *env) serveThrough(s status.Store) {
	en.svc = status.NewService(s, en.clock, nil)
	en.e = handlers.New(handlers.Deps{Service: en.svc, Site: en.holder, Builder: en.build, Assets: en.assets, DefaultLang: templates.Korean})
}

// readOnlyStore is a store that reads but cannot write, as SQLite on a full disk.
type readOnlyStore struct {
	status.Store
	full atomic.Bool
}

func (s *readOnlyStore) Write(ctx context.Context, fn func(status.Tx) error) error {
	if s.full.Load() {
		return fmt.Errorf("commit: %w", status.Errorf(status.EUNAVAILABLE, "The database is unavailable; try again later."))
	}
	return s.Store.Write(ctx, fn)
}

// TestConsoleFormKeptWhenStoreCannotWrite (attack run 2): a new incident posted from the
// console while the store cannot write (a full disk) comes back as the form with the title
// and message typed, saying nothing was saved (503), and posts once the store can write
// again. Before, the console answered its generic error page and what was typed — an
// incident message written during an outage — was lost.
func TestConsoleFormKeptWhenStoreCannotWrite(t *testing.T) {
	en := newEnv(t)
	ro := &readOnlyStore{Store: en.store}
	en.serveThrough(ro)
	ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
	form := url.Values{"title_en": {"Messages delayed"}, "message_en": {"A long explanation typed during the outage."},
		"status": {"investigating"}, "impact": {"major"}, "action": {"post"}}

	ro.full.Store(true)
	d := page(t, ed.post("/admin/incidents/new", form).want(http.StatusServiceUnavailable))
	if v, _ := d.Find(`[name=title_en]`).Attr("value"); v != "Messages delayed" {
		t.Errorf("title kept as %q", v)
	}
	if !strings.Contains(d.Find(`[name=message_en]`).Text(), "A long explanation typed during the outage.") {
		t.Errorf("message not kept: %q", d.Find(`[name=message_en]`).Text())
	}
	if p := d.Find("[data-testid=form-problem]").Text(); !strings.Contains(p, "Nothing was saved") {
		t.Errorf("problem %q", p)
	}
	if n := en.countIncidents(); n != 0 {
		t.Fatalf("%d incidents stored", n)
	}
	ro.full.Store(false)
	ed.post("/admin/incidents/new", form).want(http.StatusSeeOther)
	if n := en.countIncidents(); n != 1 {
		t.Fatalf("%d incidents after the disk has room again", n)
	}
}

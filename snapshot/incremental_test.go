package snapshot_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/candorstatus/candor/eta/estimator"
	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/postgres"
	"github.com/candorstatus/candor/store/postgres/pgtest"
	"github.com/candorstatus/candor/store/sqlite"
)

// dataRevision is the revision a page carries for live.js. A page whose content did not
// change keeps the revision it was rendered at (putPage), so it is the one thing in which a
// document of a long-lived builder may differ from a fresh builder's.
var dataRevision = regexp.MustCompile(`data-revision="\d+"`)

// TestIncrementalMatchesCold: a builder that reuses what it rendered before (memo.go) and
// reads only what changed since its last build serves, after every kind of change and as
// time passes, exactly the documents a fresh builder renders from scratch.
func TestIncrementalMatchesCold(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		testIncrementalMatchesCold(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(t.Context(), pgtest.NewSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		testIncrementalMatchesCold(t, st)
	})
}

func testIncrementalMatchesCold(t *testing.T, store status.Store) {
	ctx := context.Background()
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	// Late on the last day of a year, so that time passing crosses a day and a year.
	clock := status.NewManualClock(time.Date(2026, 12, 31, 14, 30, 0, 0, time.UTC))
	svc := status.NewService(store, clock, nil)
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	est := estimator.New(store, clock, nil)
	cfg := snapshot.Config{PageID: "p", PageName: lang.Same("Test"), PublicURL: "https://status.example", Location: seoul, HistoryPerPage: 3}
	newBuilder := func() *snapshot.Builder {
		b := snapshot.NewBuilder(cfg, store, assets)
		b.SetEstimator(est)
		return b
	}
	live := newBuilder()

	var prev *snapshot.Snapshot
	check := func(step string) *snapshot.Snapshot {
		t.Helper()
		if err := est.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := live.Build(ctx, clock.Now())
		if err != nil {
			t.Fatalf("%s: incremental build: %v", step, err)
		}
		want, err := newBuilder().Build(ctx, clock.Now())
		if err != nil {
			t.Fatalf("%s: cold build: %v", step, err)
		}
		if got.Len() != want.Len() {
			t.Errorf("%s: %d documents, a fresh build has %d", step, got.Len(), want.Len())
		}
		for _, k := range snapshot.Keys(want) {
			w, _ := want.Doc(k.Lang, k.Path)
			g, ok := got.Doc(k.Lang, k.Path)
			switch {
			case !ok:
				t.Errorf("%s: [%s] %s missing", step, k.Lang, k.Path)
			case g.ContentType != w.ContentType || g.Status != w.Status:
				t.Errorf("%s: [%s] %s is %s %d, a fresh build's %s %d", step, k.Lang, k.Path, g.ContentType, g.Status, w.ContentType, w.Status)
			case dataRevision.ReplaceAllString(string(g.Body), "") != dataRevision.ReplaceAllString(string(w.Body), ""):
				t.Errorf("%s: [%s] %s differs from a fresh build's:\n%s\n---- fresh:\n%s", step, k.Lang, k.Path, g.Body, w.Body)
			}
		}
		prev = got
		return got
	}
	// kept reports whether the document is the previous snapshot's own.
	kept := func(before, after *snapshot.Snapshot, l, path string) bool {
		a, _ := before.Doc(l, path)
		b, _ := after.Doc(l, path)
		return a != nil && a == b
	}

	mustComp := func(id, name, group string) {
		if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: id, Name: lang.Text{KO: name + " (ko)", EN: name},
			Group: lang.Same(group)}); err != nil {
			t.Fatal(err)
		}
	}
	mustComp("api", "API", "Core")
	mustComp("web", "Web", "Core")
	mustComp("push", "Push", "")
	var old []string
	for i, comp := range []string{"api", "web", "push", "api", "web"} {
		clock.Set(time.Date(2026, 12, 1+i, 3, 0, 0, 0, time.UTC))
		inc, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Text{KO: "장애", EN: "Outage"}, Message: lang.Same("Down."),
			Components: map[string]status.ComponentStatus{comp: status.MajorOutage}})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(50 * time.Minute)
		if _, err := svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed.")}); err != nil {
			t.Fatal(err)
		}
		old = append(old, inc.ID)
	}
	clock.Set(time.Date(2026, 12, 31, 14, 0, 0, 0, time.UTC))
	open, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("Slow API"), Message: lang.Same("Looking."),
		Components: map[string]status.ComponentStatus{"api": status.DegradedPerformance}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 12, 31, 14, 30, 0, 0, time.UTC))
	check("start")

	clock.Advance(time.Minute)
	before := prev
	if _, err := svc.PostUpdate(ctx, op, open.ID, status.UpdateInput{Status: status.Identified, Message: lang.Same("Found it.")}); err != nil {
		t.Fatal(err)
	}
	after := check("incident update")
	if !kept(before, after, "en", "/incidents/"+old[0]) || !kept(before, after, "ko", "/api/v2/incidents/"+old[0]+".json") {
		t.Error("incident update: the documents of an unrelated resolved incident were rendered again")
	}
	if kept(before, after, "en", "/incidents/"+open.ID) {
		t.Error("incident update: the updated incident's page was kept")
	}

	clock.Advance(time.Minute)
	second, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("Push delayed"), Message: lang.Same("Delays."),
		Components: map[string]status.ComponentStatus{"push": status.PartialOutage}})
	if err != nil {
		t.Fatal(err)
	}
	check("new incident")

	clock.Advance(time.Minute)
	if _, err := svc.PostUpdate(ctx, op, second.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Delivered.")}); err != nil {
		t.Fatal(err)
	}
	check("resolve")

	clock.Advance(time.Minute)
	degraded := status.DegradedPerformance
	if _, err := svc.UpdateComponent(ctx, op, "web", status.ComponentPatch{Status: &degraded}); err != nil {
		t.Fatal(err)
	}
	check("component status")

	clock.Advance(time.Minute)
	m, err := svc.ScheduleMaintenance(ctx, op, status.MaintenanceInput{Title: lang.Same("Database upgrade"), Message: lang.Same("Planned."),
		Components: []string{"push"}, ScheduledFor: clock.Now().Add(20 * time.Minute), ScheduledUntil: clock.Now().Add(80 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	check("maintenance scheduled")
	clock.Advance(25 * time.Minute)
	if _, err := svc.StartMaintenance(ctx, op, m.ID, ""); err != nil {
		t.Fatal(err)
	}
	check("maintenance started")
	clock.Advance(10 * time.Minute)
	if _, err := svc.PostMaintenanceUpdate(ctx, op, m.ID, status.MaintenanceUpdateInput{Status: status.MaintCompleted, Message: lang.Same("Done.")}); err != nil {
		t.Fatal(err)
	}
	check("maintenance completed")

	clock.Advance(time.Minute)
	if _, err := svc.SavePostmortem(ctx, op, old[1], status.PostmortemInput{Cause: lang.Same("A bad deploy."), Publish: true}); err != nil {
		t.Fatal(err)
	}
	check("postmortem published")

	clock.Advance(time.Minute)
	name := lang.Text{KO: "공개 API", EN: "Public API"}
	if _, err := svc.UpdateComponent(ctx, op, "api", status.ComponentPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	check("component rename")

	clock.Advance(time.Minute)
	edge := lang.Same("Edge")
	if _, err := svc.UpdateComponent(ctx, op, "web", status.ComponentPatch{Group: &edge}); err != nil {
		t.Fatal(err)
	}
	check("component moved to a new group")

	clock.Advance(time.Minute)
	if err := svc.DeleteComponent(ctx, op, "push"); err != nil {
		t.Fatal(err)
	}
	check("component deletion")

	// Time alone: a minute, the end of the day in Seoul, the end of the year.
	clock.Advance(time.Minute)
	check("a minute later")
	clock.Set(time.Date(2026, 12, 31, 15, 1, 0, 0, time.UTC)) // 00:01 on Jan 1 in Seoul
	check("a new day and year")
	clock.Advance(30 * 24 * time.Hour)
	before = prev
	after = check("a month later")
	clock.Advance(2 * time.Minute)
	after2 := check("two minutes after that")
	if !kept(after, after2, "en", "/incidents/"+old[0]) {
		t.Error("a minute tick rendered a resolved incident's page again")
	}
	_ = before
}

package storetest

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// Signals, drafts and monitoring settings. Beyond status/store.go, the suite pins:
//   - PutSignal is an upsert by key that keeps the stored CreatedAt; Signals orders by key
//     in byte order (PostgreSQL: COLLATE "C"); every filter field narrows, Pending keeps
//     exactly the signals whose status.Signal.Pending is true as last put.
//   - A component's signals and monitoring settings are deleted with it.
//   - DeleteSignalsEndedBefore keeps firing and pending signals whatever their EndedAt.
//   - PutDraft keeps the stored CreatedAt; Drafts orders newest CreatedAt first, ties by id;
//     a draft's Components come back in the order put.
//   - AutoPublishAfter round-trips to the nanosecond.

func newSignal(key, component string, firing bool, active status.ComponentStatus) *status.Signal {
	return &status.Signal{Key: key, ComponentID: component, Source: "alertmanager", Summary: "5xx above 5%",
		Status: status.PartialOutage, Firing: firing, Since: base, BeganAt: base, LastSeenAt: base, Active: active,
		CreatedAt: base, UpdatedAt: base}
}

func putSignals(t *testing.T, s status.Store, gs ...*status.Signal) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, g := range gs {
			if err := tx.PutSignal(g); err != nil {
				return err
			}
		}
		return nil
	})
}

func signals(t *testing.T, s status.Store, f status.SignalFilter) []status.Signal {
	t.Helper()
	var out []status.Signal
	read(t, s, func(tx status.Tx) error {
		var err error
		out, err = tx.Signals(f)
		return err
	})
	return out
}

func signalKeys(gs []status.Signal) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Key
	}
	return out
}

func testSignals(t *testing.T, s status.Store) {
	createComponents(t, s, "api", "web")
	full := &status.Signal{Key: "alertmanager:1a30ba71cca2921f", ComponentID: "api", Source: "alertmanager",
		Summary: "API 5xx rate above 5% — 오류율 증가", Status: status.MajorOutage, Firing: true, Since: base.Add(time.Second),
		BeganAt: base, EndedAt: base.Add(-time.Hour), LastSeenAt: base.Add(2 * time.Second), Repeats: 3,
		Active: status.PartialOutage, IncidentID: "inc1", CreatedAt: base, UpdatedAt: base.Add(3 * time.Second)}
	requireAllSet(t, full)
	putSignals(t, s, full)
	read(t, s, func(tx status.Tx) error {
		g, err := tx.Signal(full.Key)
		if err != nil {
			return err
		}
		check(t, "Signal", g, full)
		_, err = tx.Signal("nope")
		wantCode(t, "Signal of an unknown key", err, status.ENOTFOUND)
		return nil
	})

	// An upsert keeps CreatedAt and replaces everything else.
	repl := *full
	repl.Firing, repl.Active, repl.Repeats, repl.Summary = false, "", 0, "recovered"
	repl.Source, repl.Status, repl.IncidentID = "grafana", status.DegradedPerformance, ""
	repl.CreatedAt, repl.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	putSignals(t, s, &repl)
	want := repl
	want.CreatedAt = full.CreatedAt
	check(t, "Signal after a put", signals(t, s, status.SignalFilter{}), []status.Signal{want})

	// Filters.
	b := newSignal("b", "api", true, "")                   // pending (firing, not in effect)
	a := newSignal("a", "web", true, status.PartialOutage) // in effect
	a.IncidentID = "d1"
	z := newSignal("Z", "web", false, "") // resolved, in effect as resolved
	z.EndedAt = base
	putSignals(t, s, b, a, z)
	for _, tc := range []struct {
		name string
		f    status.SignalFilter
		want []string
	}{
		{"all", status.SignalFilter{}, []string{"Z", "a", "alertmanager:1a30ba71cca2921f", "b"}},
		{"component", status.SignalFilter{ComponentID: "web"}, []string{"Z", "a"}},
		{"incident", status.SignalFilter{IncidentID: "d1"}, []string{"a"}},
		{"attached", status.SignalFilter{Attached: true}, []string{"a"}},
		{"active", status.SignalFilter{Active: true}, []string{"a"}},
		{"pending", status.SignalFilter{Pending: true}, []string{"b"}},
		{"limit", status.SignalFilter{Limit: 2}, []string{"Z", "a"}},
		{"active on api", status.SignalFilter{ComponentID: "api", Active: true}, nil},
	} {
		check(t, "Signals "+tc.name, signalKeys(signals(t, s, tc.f)), tc.want)
	}
	read(t, s, func(tx status.Tx) error {
		_, err := tx.Signals(status.SignalFilter{Limit: -1})
		wantCode(t, "Signals with a negative limit", err, status.EINVALID)
		return nil
	})

	// Applying b makes it no longer pending.
	b.Active = b.Status
	putSignals(t, s, b)
	check(t, "Signals pending after apply", signalKeys(signals(t, s, status.SignalFilter{Pending: true})), []string(nil))

	// Deleting old ones keeps the firing and the pending.
	stale := newSignal("stale-pending", "api", false, status.PartialOutage) // resolved, not yet in effect
	stale.EndedAt = base
	putSignals(t, s, stale)
	var n int
	write(t, s, func(tx status.Tx) error {
		var err error
		n, err = tx.DeleteSignalsEndedBefore(base.Add(time.Minute))
		return err
	})
	if n != 2 { // Z and the replaced full one (ended an hour before base)
		t.Errorf("DeleteSignalsEndedBefore deleted %d, want 2", n)
	}
	check(t, "Signals after the sweep", signalKeys(signals(t, s, status.SignalFilter{})), []string{"a", "b", "stale-pending"})

	// A component's signals go with it.
	write(t, s, func(tx status.Tx) error { return tx.DeleteComponent("web") })
	check(t, "Signals after deleting web", signalKeys(signals(t, s, status.SignalFilter{})), []string{"b", "stale-pending"})
}

func testSignalErrors(t *testing.T, s status.Store) {
	createComponents(t, s, "api")
	for _, tc := range []struct {
		name string
		edit func(g *status.Signal)
		code string
	}{
		{"no key", func(g *status.Signal) { g.Key = "" }, status.EINVALID},
		{"no component", func(g *status.Signal) { g.ComponentID = "" }, status.EINVALID},
		{"no source", func(g *status.Signal) { g.Source = "" }, status.EINVALID},
		{"operational status", func(g *status.Signal) { g.Status = status.Operational }, status.EINVALID},
		{"bad active", func(g *status.Signal) { g.Active = "down" }, status.EINVALID},
		{"unknown component", func(g *status.Signal) { g.ComponentID = "ghost" }, status.ENOTFOUND},
	} {
		g := newSignal("k", "api", true, "")
		tc.edit(g)
		write(t, s, func(tx status.Tx) error {
			wantCode(t, "PutSignal with "+tc.name, tx.PutSignal(g), tc.code)
			return tx.PutSignal(newSignal("after-"+tc.name, "api", true, "")) // the transaction goes on
		})
	}
	if got := len(signals(t, s, status.SignalFilter{})); got != 6 {
		t.Errorf("%d signals stored, want the 6 good ones", got)
	}
}

func testDrafts(t *testing.T, s status.Store) {
	full := &status.Draft{ID: "d-full", Status: status.DraftPublished, Title: lang.Text{KO: "API 장애", EN: "API problems"},
		Message: lang.Text{KO: "확인 중입니다.", EN: "Investigating."}, Impact: status.ImpactMajor, Cause: status.CauseDeploy,
		Components: []status.AffectedComponent{{ComponentID: "web", Status: status.MajorOutage},
			{ComponentID: "api", Status: status.PartialOutage}},
		StartedAt: base.Add(-time.Minute), Source: "alertmanager", Summary: "API 5xx", AutoPublishAt: base.Add(5 * time.Minute),
		CreatedAt: base, UpdatedAt: base.Add(time.Second), ClosedAt: base.Add(2 * time.Second), ClosedBy: "mina"}
	requireAllSet(t, full)
	older := &status.Draft{ID: "d-old", Status: status.DraftOpen, Title: lang.Same("Old"), StartedAt: base,
		CreatedAt: base.Add(-time.Hour), UpdatedAt: base.Add(-time.Hour)}
	tie := &status.Draft{ID: "d-a", Status: status.DraftOpen, Title: lang.Same("Tie"), StartedAt: base,
		CreatedAt: base, UpdatedAt: base}
	write(t, s, func(tx status.Tx) error {
		for _, d := range []*status.Draft{full, older, tie} {
			if err := tx.PutDraft(d); err != nil {
				return err
			}
		}
		return nil
	})
	drafts := func(f status.DraftFilter) []status.Draft {
		var out []status.Draft
		read(t, s, func(tx status.Tx) error {
			var err error
			out, err = tx.Drafts(f)
			return err
		})
		return out
	}
	check(t, "Drafts", drafts(status.DraftFilter{}), []status.Draft{*tie, *full, *older})
	check(t, "Drafts open", drafts(status.DraftFilter{Status: status.DraftOpen}), []status.Draft{*tie, *older})
	check(t, "Drafts limit", drafts(status.DraftFilter{Limit: 1}), []status.Draft{*tie})

	// A put replaces everything but CreatedAt.
	repl := &status.Draft{ID: full.ID, Status: status.DraftDismissed, Title: lang.Same("Changed"), Message: lang.Same("Changed."),
		Impact: status.ImpactMinor, Cause: status.CauseNetwork, Components: []status.AffectedComponent{{ComponentID: "x",
			Status: status.DegradedPerformance}}, StartedAt: base.Add(-2 * time.Minute), Source: "probe", Summary: "timeout",
		AutoPublishAt: base.Add(time.Hour), CreatedAt: base.Add(time.Hour), UpdatedAt: base.Add(time.Hour),
		ClosedAt: base.Add(time.Hour), ClosedBy: "jun"}
	requireAllChanged(t, full, repl, "ID")
	write(t, s, func(tx status.Tx) error { return tx.PutDraft(repl) })
	want := *repl
	want.CreatedAt = full.CreatedAt
	read(t, s, func(tx status.Tx) error {
		d, err := tx.Draft(full.ID)
		if err != nil {
			return err
		}
		check(t, "Draft after a put", d, &want)
		_, err = tx.Draft("nope")
		wantCode(t, "Draft of an unknown id", err, status.ENOTFOUND)
		_, err = tx.Drafts(status.DraftFilter{Status: "weird"})
		wantCode(t, "Drafts with an unknown status", err, status.EINVALID)
		return nil
	})
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "PutDraft without a title", tx.PutDraft(&status.Draft{ID: "x", Status: status.DraftOpen, StartedAt: base}), status.EINVALID)
		wantCode(t, "PutDraft without a start", tx.PutDraft(&status.Draft{ID: "x", Status: status.DraftOpen, Title: lang.Same("T")}), status.EINVALID)
		wantCode(t, "PutDraft with a bad status", tx.PutDraft(&status.Draft{ID: "x", Status: "new", Title: lang.Same("T"), StartedAt: base}), status.EINVALID)
		return nil
	})
}

func testMonitorSettings(t *testing.T, s status.Store) {
	createComponents(t, s, "api", "web")
	full := &status.MonitorSettings{ComponentID: "web", TemplateID: "tpl-db", AutoPublishAfter: 5*time.Minute + 1,
		Sparkline: true, UpdatedAt: base}
	requireAllSet(t, full)
	plain := &status.MonitorSettings{ComponentID: "api"}
	write(t, s, func(tx status.Tx) error {
		if err := tx.PutMonitorSettings(full); err != nil {
			return err
		}
		if err := tx.PutMonitorSettings(plain); err != nil {
			return err
		}
		wantCode(t, "PutMonitorSettings of an unknown component", tx.PutMonitorSettings(&status.MonitorSettings{ComponentID: "ghost"}), status.ENOTFOUND)
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		m, err := tx.MonitorSettingsOf("web")
		if err != nil {
			return err
		}
		check(t, "MonitorSettingsOf", m, full)
		all, err := tx.AllMonitorSettings()
		if err != nil {
			return err
		}
		check(t, "AllMonitorSettings", all, []status.MonitorSettings{*plain, *full})
		return nil
	})
	repl := &status.MonitorSettings{ComponentID: "web", UpdatedAt: base.Add(time.Hour)}
	write(t, s, func(tx status.Tx) error {
		if err := tx.PutMonitorSettings(repl); err != nil {
			return err
		}
		return tx.DeleteComponent("api")
	})
	read(t, s, func(tx status.Tx) error {
		m, err := tx.MonitorSettingsOf("web")
		if err != nil {
			return err
		}
		check(t, "MonitorSettingsOf after a put", m, repl)
		_, err = tx.MonitorSettingsOf("api")
		wantCode(t, "MonitorSettingsOf a deleted component", err, status.ENOTFOUND)
		return nil
	})
}

func testMaintenanceChecks(t *testing.T, s status.Store) {
	createMaintenances(t, s, newMaintenance("m1", status.MaintScheduled, base), newMaintenance("m2", status.MaintScheduled, base))
	full := status.MaintenanceCheck{ID: "c1", Text: "Backup verified — 백업 확인", DoneBy: "mina", DoneAt: base}
	requireAllSet(t, &full)
	list := []status.MaintenanceCheck{{ID: "c2", Text: "Rollback plan reviewed"}, full}
	checks := func(id string) []status.MaintenanceCheck {
		t.Helper()
		var out []status.MaintenanceCheck
		read(t, s, func(tx status.Tx) error {
			var err error
			out, err = tx.MaintenanceChecks(id)
			return err
		})
		return out
	}
	write(t, s, func(tx status.Tx) error { return tx.PutMaintenanceChecks("m1", list) })
	check(t, "MaintenanceChecks", checks("m1"), list)
	check(t, "MaintenanceChecks of one without", checks("m2"), []status.MaintenanceCheck(nil))
	// Replaced as a whole, order kept.
	repl := []status.MaintenanceCheck{full, {ID: "c3", Text: "Customers told", DoneBy: "jun", DoneAt: base.Add(time.Minute)}}
	write(t, s, func(tx status.Tx) error { return tx.PutMaintenanceChecks("m1", repl) })
	check(t, "MaintenanceChecks after a put", checks("m1"), repl)
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "PutMaintenanceChecks of an unknown maintenance", tx.PutMaintenanceChecks("nope", list), status.ENOTFOUND)
		wantCode(t, "PutMaintenanceChecks with a repeated id", tx.PutMaintenanceChecks("m1", []status.MaintenanceCheck{full, full}), status.EINVALID)
		wantCode(t, "PutMaintenanceChecks without text", tx.PutMaintenanceChecks("m1", []status.MaintenanceCheck{{ID: "x"}}), status.EINVALID)
		return nil
	})
	check(t, "MaintenanceChecks after refused puts", checks("m1"), repl)
	write(t, s, func(tx status.Tx) error { return tx.PutMaintenanceChecks("m1", nil) })
	check(t, "MaintenanceChecks emptied", checks("m1"), []status.MaintenanceCheck(nil))
}

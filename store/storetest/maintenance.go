package storetest

import (
	"cmp"
	"fmt"
	"github.com/candorstatus/candor/lang"
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// newMaintenance returns planned work from start for two hours, with one staff update.
func newMaintenance(id string, st status.MaintenanceStatus, start time.Time) *status.Maintenance {
	return &status.Maintenance{ID: id, Title: lang.Same("Database upgrade (" + id + ")"), Status: st,
		Components: []string{"messenger"}, ScheduledFor: start, ScheduledUntil: start.Add(2 * time.Hour),
		Notify: true, RemindBefore: []time.Duration{time.Hour}, CreatedAt: base, UpdatedAt: base,
		Updates: []status.MaintenanceUpdate{newMaintenanceUpdate(id, id+"-u0", status.MaintScheduled, base)}}
}

func newMaintenanceUpdate(mID, id string, st status.MaintenanceStatus, at time.Time) status.MaintenanceUpdate {
	return status.MaintenanceUpdate{ID: id, MaintenanceID: mID, Kind: status.KindStaff, Status: st,
		Message: lang.Same("Update " + id + ": " + string(st) + "."), Notify: true, PostedBy: "alice", CreatedAt: at}
}

// fullMaintenance returns a maintenance with every field set: lists in no sorted order,
// durations with nanoseconds, times with nanoseconds in another zone, and a timeline whose
// CreatedAt runs backwards.
func fullMaintenance() *status.Maintenance {
	return &status.Maintenance{
		ID: "full", Title: lang.Same("DB failover drill — DB 전환 훈련"), Status: status.MaintVerifying,
		Components:   []string{"messenger", "api", "login"},
		ScheduledFor: base.Add(48 * time.Hour), ScheduledUntil: base.Add(50*time.Hour + 7),
		Notify:        true,
		RemindBefore:  []time.Duration{24 * time.Hour, 90*time.Minute + 1, 30 * 24 * time.Hour, time.Nanosecond},
		RemindersSent: []time.Duration{30 * 24 * time.Hour, 24 * time.Hour},
		AutoComplete:  true,
		HeldBy:        []string{"inc-b", "inc-a"},
		HeldSince:     base.Add(47 * time.Hour), OverrideReason: "Security patch; cannot wait.",
		PriorStatus: map[string]status.ComponentStatus{
			"messenger": status.DegradedPerformance, "api": status.Operational, "login": status.PartialOutage},
		StartedAt: base.Add(48*time.Hour + 3), EndedAt: base.Add(51 * time.Hour),
		LateNotified: base.Add(50*time.Hour + time.Minute), CreatedAt: base, UpdatedAt: base.Add(time.Minute),
		Updates: []status.MaintenanceUpdate{
			{ID: "full-u1", MaintenanceID: "full", Kind: status.KindSystem, Status: status.MaintScheduled,
				Message: lang.Same("점검 예정 안내.\nReminder."), Notify: true, PostedBy: "candor", CreatedAt: base.Add(time.Hour),
				Event: "reminder"},
			{ID: "full-u2", MaintenanceID: "full", Kind: status.KindStaff, Status: status.MaintScheduled,
				Message: lang.Same("Scheduled."), PostedBy: "alice", CreatedAt: base},
		},
	}
}

func createMaintenances(t *testing.T, s status.Store, ms ...*status.Maintenance) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, m := range ms {
			if err := tx.CreateMaintenance(m); err != nil {
				return err
			}
		}
		return nil
	})
}

func maintenance(t *testing.T, s status.Store, id string) *status.Maintenance {
	t.Helper()
	var m *status.Maintenance
	read(t, s, func(tx status.Tx) error {
		var err error
		m, err = tx.Maintenance(id)
		return err
	})
	return m
}

func maintenanceIDs(ms []status.Maintenance) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func testMaintenanceRoundTrip(t *testing.T, s status.Store) {
	read(t, s, func(tx status.Tx) error {
		ms, err := tx.Maintenances(status.MaintenanceFilter{})
		check(t, "Maintenances of an empty store", ms, []status.Maintenance(nil))
		return err
	})
	full := fullMaintenance()
	requireAllSet(t, full)
	// Required fields only, scheduled before 1970; its update names no maintenance.
	minimal := &status.Maintenance{ID: "minimal", Title: lang.Same("Old"), Status: status.MaintCompleted,
		ScheduledFor:   time.Date(1969, 7, 20, 20, 17, 40, 123456789, time.UTC),
		ScheduledUntil: time.Date(1969, 7, 21, 2, 0, 0, 0, time.UTC),
		Updates:        []status.MaintenanceUpdate{{ID: "minimal-u0"}}}
	// Empty, not nil, lists and map (the service's "no reminders").
	empty := newMaintenance("empty", status.MaintScheduled, base)
	empty.Components, empty.RemindBefore, empty.RemindersSent, empty.HeldBy = []string{}, []time.Duration{}, []time.Duration{}, []string{}
	empty.PriorStatus, empty.Updates = map[string]status.ComponentStatus{}, nil
	createMaintenances(t, s, full, minimal, empty)

	if minimal.Updates[0].MaintenanceID != "minimal" {
		t.Errorf("CreateMaintenance left the update's MaintenanceID %q, want it set to %q",
			minimal.Updates[0].MaintenanceID, "minimal")
	}
	wantEmpty := *empty
	wantEmpty.PriorStatus = nil // an empty map comes back nil
	read(t, s, func(tx status.Tx) error {
		for _, want := range []*status.Maintenance{full, minimal, &wantEmpty} {
			got, err := tx.Maintenance(want.ID)
			if err != nil {
				return err
			}
			check(t, "Maintenance "+want.ID, got, want)
			if got.PriorStatus != nil && len(got.PriorStatus) == 0 {
				t.Errorf("Maintenance %s: PriorStatus is an empty map, want nil", want.ID)
			}
		}
		got, err := tx.Maintenances(status.MaintenanceFilter{})
		check(t, "Maintenances", got, []status.Maintenance{*full, wantEmpty, *minimal})
		return err
	})
}

func testMaintenanceCreateErrors(t *testing.T, s status.Store) {
	a := newMaintenance("a", status.MaintScheduled, base)
	createMaintenances(t, s, a)

	with := func(id string, change func(m *status.Maintenance)) *status.Maintenance {
		m := newMaintenance(id, status.MaintScheduled, base)
		change(m)
		return m
	}
	tests := []struct {
		name string
		m    *status.Maintenance
		code string
	}{
		{"duplicate id", with("a", func(m *status.Maintenance) { m.Updates[0].ID = "a-other" }), status.ECONFLICT},
		{"update id taken", with("x1", func(m *status.Maintenance) { m.Updates[0].ID = "a-u0" }), status.ECONFLICT},
		{"update id repeated", with("x2", func(m *status.Maintenance) {
			m.Updates = append(m.Updates, newMaintenanceUpdate("x2", "x2-u0", status.MaintScheduled, base))
		}), status.ECONFLICT},
		{"no id", with("", func(m *status.Maintenance) {}), status.EINVALID},
		{"no title", with("x3", func(m *status.Maintenance) { m.Title = lang.Same("") }), status.EINVALID},
		{"no status", with("x4", func(m *status.Maintenance) { m.Status = "" }), status.EINVALID},
		{"unknown status", with("x5", func(m *status.Maintenance) { m.Status = "done" }), status.EINVALID},
		{"no scheduled start", with("x6", func(m *status.Maintenance) { m.ScheduledFor = time.Time{} }), status.EINVALID},
		{"no scheduled end", with("x7", func(m *status.Maintenance) { m.ScheduledUntil = time.Time{} }), status.EINVALID},
		{"update without id", with("x8", func(m *status.Maintenance) { m.Updates[0].ID = "" }), status.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// fn goes on and commits: a failed CreateMaintenance must have written nothing.
			write(t, s, func(tx status.Tx) error {
				wantCode(t, "CreateMaintenance", tx.CreateMaintenance(tt.m), tt.code)
				return nil
			})
		})
	}
	read(t, s, func(tx status.Tx) error {
		ms, err := tx.Maintenances(status.MaintenanceFilter{})
		check(t, "Maintenances after failed creates", ms, []status.Maintenance{*a})
		return err
	})
	// The ids the failed creates tried are free.
	createMaintenances(t, s, newMaintenance("x1", status.MaintScheduled, base), newMaintenance("x2", status.MaintScheduled, base))
}

func testMaintenanceNotFound(t *testing.T, s status.Store) {
	createMaintenances(t, s, newMaintenance("a", status.MaintScheduled, base))
	tests := []struct {
		name string
		fn   func(tx status.Tx) error
	}{
		{"Maintenance", func(tx status.Tx) error { _, err := tx.Maintenance("nope"); return err }},
		{"Maintenance empty id", func(tx status.Tx) error { _, err := tx.Maintenance(""); return err }},
		{"SaveMaintenance", func(tx status.Tx) error {
			return tx.SaveMaintenance(newMaintenance("nope", status.MaintInProgress, base))
		}},
		{"AppendMaintenanceUpdate", func(tx status.Tx) error {
			u := newMaintenanceUpdate("nope", "nope-u1", status.MaintScheduled, base)
			return tx.AppendMaintenanceUpdate(&u)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(t, s, func(tx status.Tx) error {
				wantCode(t, tt.name, tt.fn(tx), status.ENOTFOUND)
				return nil
			})
		})
	}
	// Neither the failed save nor the failed append left anything behind.
	read(t, s, func(tx status.Tx) error {
		ms, err := tx.Maintenances(status.MaintenanceFilter{})
		if got := maintenanceIDs(ms); !slices.Equal(got, []string{"a"}) {
			t.Errorf("Maintenances after failed writes = %v, want [a]", got)
		}
		return err
	})
	nope := newMaintenance("nope", status.MaintScheduled, base)
	nope.Updates[0].ID = "nope-u1"
	createMaintenances(t, s, nope)
}

func testMaintenanceTimeline(t *testing.T, s status.Store) {
	a, b := newMaintenance("a", status.MaintScheduled, base), newMaintenance("b", status.MaintScheduled, base)
	createMaintenances(t, s, a, b)

	appendU := func(u status.MaintenanceUpdate) {
		t.Helper()
		write(t, s, func(tx status.Tx) error { return tx.AppendMaintenanceUpdate(&u) })
		a.Updates = append(a.Updates, u)
		check(t, "Maintenance after appending "+u.ID, maintenance(t, s, "a"), a)
	}
	held := newMaintenanceUpdate("a", "a-u1", status.MaintScheduled, base.Add(time.Hour))
	held.Kind, held.Event, held.Notify, held.PostedBy = status.KindSystem, "held", false, "candor"
	appendU(held)
	// An update dated before the others still goes to the end of the timeline.
	appendU(newMaintenanceUpdate("a", "a-u2", status.MaintInProgress, base.Add(-time.Hour)))
	appendU(newMaintenanceUpdate("a", "a-u3", status.MaintCompleted, base.Add(2*time.Hour)))
	check(t, "other maintenance's timeline", maintenance(t, s, "b"), b)

	tests := []struct {
		name string
		u    status.MaintenanceUpdate
		code string
	}{
		{"id taken in the same timeline", newMaintenanceUpdate("a", "a-u1", status.MaintCompleted, base), status.ECONFLICT},
		{"id taken in another timeline", newMaintenanceUpdate("a", "b-u0", status.MaintCompleted, base), status.ECONFLICT},
		{"no id", newMaintenanceUpdate("a", "", status.MaintCompleted, base), status.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(t, s, func(tx status.Tx) error {
				wantCode(t, "AppendMaintenanceUpdate", tx.AppendMaintenanceUpdate(&tt.u), tt.code)
				return nil
			})
		})
	}
	check(t, "Maintenance after failed appends", maintenance(t, s, "a"), a)
	check(t, "other maintenance after failed appends", maintenance(t, s, "b"), b)
}

func testMaintenanceSave(t *testing.T, s status.Store) {
	full, other := fullMaintenance(), newMaintenance("other", status.MaintScheduled, base)
	createMaintenances(t, s, full, other)

	// Every field changes; the id, creation time and timeline stay as stored.
	changed := *full
	changed.Title, changed.Status = lang.Same("Renamed"), status.MaintCompleted
	changed.Components = []string{"web", "messenger"}
	changed.ScheduledFor, changed.ScheduledUntil = base.Add(72*time.Hour+5), base.Add(80*time.Hour)
	changed.Notify, changed.AutoComplete = false, false
	changed.RemindBefore = []time.Duration{2*time.Hour + 3, time.Minute}
	changed.RemindersSent = []time.Duration{2*time.Hour + 3}
	changed.HeldBy = []string{"inc-c"}
	changed.HeldSince, changed.OverrideReason = base.Add(70*time.Hour), "Changed."
	changed.PriorStatus = map[string]status.ComponentStatus{"web": status.MajorOutage}
	changed.StartedAt, changed.EndedAt, changed.LateNotified = base.Add(72*time.Hour+6), base.Add(81*time.Hour), base.Add(80*time.Hour+1)
	changed.CreatedAt, changed.UpdatedAt = base.Add(99*time.Hour), base.Add(81*time.Hour+9)
	changed.Updates = []status.MaintenanceUpdate{newMaintenanceUpdate("full", "full-ignored", status.MaintCompleted, base)}
	requireAllChanged(t, full, &changed, "ID")
	write(t, s, func(tx status.Tx) error { return tx.SaveMaintenance(&changed) })
	want := changed
	want.CreatedAt, want.Updates = full.CreatedAt, full.Updates
	check(t, "Maintenance after SaveMaintenance", maintenance(t, s, "full"), &want)

	// Every optional field cleared.
	cleared := want
	cleared.Components, cleared.RemindBefore, cleared.RemindersSent, cleared.HeldBy = nil, nil, []time.Duration{}, nil
	cleared.HeldSince, cleared.OverrideReason = time.Time{}, ""
	cleared.PriorStatus = map[string]status.ComponentStatus{}
	cleared.StartedAt, cleared.EndedAt, cleared.LateNotified, cleared.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	write(t, s, func(tx status.Tx) error { return tx.SaveMaintenance(&cleared) })
	want = cleared
	want.PriorStatus = nil
	got := maintenance(t, s, "full")
	check(t, "Maintenance after clearing", got, &want)
	if got.PriorStatus != nil {
		t.Errorf("PriorStatus saved empty came back %#v, want nil", got.PriorStatus)
	}

	// A rejected save writes nothing, even when fn goes on and commits.
	for name, bad := range map[string]func(m *status.Maintenance){
		"no title":           func(m *status.Maintenance) { m.Title = lang.Same("") },
		"no status":          func(m *status.Maintenance) { m.Status = "" },
		"unknown status":     func(m *status.Maintenance) { m.Status = "done" },
		"no scheduled start": func(m *status.Maintenance) { m.ScheduledFor = time.Time{} },
		"no scheduled end":   func(m *status.Maintenance) { m.ScheduledUntil = time.Time{} },
	} {
		m := cleared
		m.OverrideReason = "must not be stored"
		bad(&m)
		write(t, s, func(tx status.Tx) error {
			wantCode(t, "SaveMaintenance with "+name, tx.SaveMaintenance(&m), status.EINVALID)
			return nil
		})
	}
	check(t, "Maintenance after rejected saves", maintenance(t, s, "full"), &want)
	check(t, "other maintenance", maintenance(t, s, "other"), other)
}

func testMaintenancesFilter(t *testing.T, s status.Store) {
	day := 24 * time.Hour
	a := newMaintenance("a", status.MaintCompleted, base.Add(-10*day))
	b := newMaintenance("b", status.MaintCancelled, base.Add(-5*day))
	c := newMaintenance("c", status.MaintInProgress, base.Add(-time.Hour))
	d := newMaintenance("d", status.MaintScheduled, base.Add(2*day))
	e := newMaintenance("e", status.MaintScheduled, base.Add(-time.Hour)) // starts with c: id decides
	f := newMaintenance("f", status.MaintVerifying, base.Add(-2*day))
	g := newMaintenance("g", status.MaintScheduled, base.Add(7*day))
	createMaintenances(t, s, e, a, g, d, b, f, c)

	all := status.MaintenanceStatuses
	active := []status.MaintenanceStatus{status.MaintScheduled, status.MaintInProgress, status.MaintVerifying}
	tests := []struct {
		name string
		f    status.MaintenanceFilter
		want []string
	}{
		{"all", status.MaintenanceFilter{}, []string{"g", "d", "c", "e", "f", "b", "a"}},
		{"every status named", status.MaintenanceFilter{Statuses: all}, []string{"g", "d", "c", "e", "f", "b", "a"}},
		{"one status", status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{status.MaintScheduled}}, []string{"g", "d", "e"}},
		{"not started or running", status.MaintenanceFilter{Statuses: active}, []string{"g", "d", "c", "e", "f"}},
		{"done, named in any order, repeated", status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{
			status.MaintCompleted, status.MaintCancelled, status.MaintCompleted}}, []string{"b", "a"}},
		{"limit", status.MaintenanceFilter{Limit: 3}, []string{"g", "d", "c"}},
		{"limit past the end", status.MaintenanceFilter{Limit: 100}, []string{"g", "d", "c", "e", "f", "b", "a"}},
		{"statuses and limit", status.MaintenanceFilter{Statuses: active, Limit: 4}, []string{"g", "d", "c", "e"}},
		{"two statuses and limit 1", status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{status.MaintCompleted, status.MaintInProgress}, Limit: 1}, []string{"c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read(t, s, func(tx status.Tx) error {
				got, err := tx.Maintenances(tt.f)
				if err != nil {
					return err
				}
				if !slices.Equal(maintenanceIDs(got), tt.want) {
					t.Errorf("Maintenances(%+v) = %v, want %v", tt.f, maintenanceIDs(got), tt.want)
				}
				return nil
			})
		})
	}
	// The filter follows saved statuses; nothing matching is no maintenance.
	done := *c
	done.Status = status.MaintCompleted
	write(t, s, func(tx status.Tx) error { return tx.SaveMaintenance(&done) })
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Maintenances(status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{status.MaintInProgress}})
		check(t, "Maintenances in progress after the last one completed", got, []status.Maintenance(nil))
		if err != nil {
			return err
		}
		got, err = tx.Maintenances(status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{status.MaintCompleted}})
		if !slices.Equal(maintenanceIDs(got), []string{"c", "a"}) {
			t.Errorf("completed Maintenances after a save = %v, want [c a]", maintenanceIDs(got))
		}
		return err
	})

	// Lists carry whole timelines, as Maintenance does.
	write(t, s, func(tx status.Tx) error {
		for i, id := range []string{"d", "d", "a"} {
			u := newMaintenanceUpdate(id, fmt.Sprintf("%s-u%d", id, i+1), status.MaintScheduled, base.Add(time.Duration(i)*time.Minute))
			if err := tx.AppendMaintenanceUpdate(&u); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Maintenances(status.MaintenanceFilter{})
		if err != nil {
			return err
		}
		for _, m := range got {
			want, err := tx.Maintenance(m.ID)
			if err != nil {
				return err
			}
			check(t, "Maintenances element "+m.ID, m, *want)
		}
		if n := len(got[1].Updates); got[1].ID != "d" || n != 3 {
			t.Errorf("Maintenances element 1 = %s with %d updates, want d with 3", got[1].ID, n)
		}
		return nil
	})
}

func testMaintenancesInvalidFilter(t *testing.T, s status.Store) {
	createMaintenances(t, s, newMaintenance("a", status.MaintScheduled, base))
	for _, f := range []status.MaintenanceFilter{
		{Limit: -1},
		{Statuses: []status.MaintenanceStatus{"done"}},
		{Statuses: []status.MaintenanceStatus{""}},
		{Statuses: []status.MaintenanceStatus{status.MaintScheduled, "Scheduled"}},
	} {
		read(t, s, func(tx status.Tx) error {
			_, err := tx.Maintenances(f)
			wantCode(t, fmt.Sprintf("Maintenances(%+v)", f), err, status.EINVALID)
			return nil
		})
	}
}

// testMaintenancesMany loads many timelines at once: each update must land in its own
// maintenance, in order, whatever the number.
func testMaintenancesMany(t *testing.T, s status.Store) {
	const n = 1200
	want := make([]status.Maintenance, n)
	write(t, s, func(tx status.Tx) error {
		for i := range n {
			// Start times repeat, so ids break many ties.
			m := newMaintenance(fmt.Sprintf("m%04d", i), status.MaintenanceStatuses[i%5], base.Add(time.Duration(i%7)*time.Hour))
			for j := range i % 4 {
				m.Updates = append(m.Updates, newMaintenanceUpdate(m.ID, fmt.Sprintf("%s-u%d", m.ID, j+1), m.Status, base.Add(-time.Duration(j))))
			}
			if err := tx.CreateMaintenance(m); err != nil {
				return err
			}
			want[i] = *m
		}
		return nil
	})
	slices.SortFunc(want, func(a, b status.Maintenance) int {
		if c := b.ScheduledFor.Compare(a.ScheduledFor); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Maintenances(status.MaintenanceFilter{})
		check(t, fmt.Sprintf("Maintenances of %d", n), got, want)
		return err
	})
}

// testMaintenanceReadYourWrites checks that each maintenance method sees the writes made
// before it in the same Write.
func testMaintenanceReadYourWrites(t *testing.T, s status.Store) {
	scheduled := []status.MaintenanceStatus{status.MaintScheduled}
	running := []status.MaintenanceStatus{status.MaintInProgress}
	write(t, s, func(tx status.Tx) error {
		m := newMaintenance("a", status.MaintScheduled, base)
		if err := tx.CreateMaintenance(m); err != nil {
			return err
		}
		got, err := tx.Maintenance("a")
		if err != nil {
			return fmt.Errorf("Maintenance inside the creating Write: %w", err)
		}
		check(t, "Maintenance inside the creating Write", got, m)
		list, err := tx.Maintenances(status.MaintenanceFilter{Statuses: scheduled})
		if err != nil {
			return err
		}
		check(t, "Maintenances inside the creating Write", list, []status.Maintenance{*m})

		u := newMaintenanceUpdate("a", "a-u1", status.MaintInProgress, base.Add(time.Hour))
		if err := tx.AppendMaintenanceUpdate(&u); err != nil {
			return err
		}
		m.Updates = append(m.Updates, u)
		m.Status, m.StartedAt, m.UpdatedAt = status.MaintInProgress, base.Add(time.Hour), base.Add(time.Hour)
		m.PriorStatus = map[string]status.ComponentStatus{"messenger": status.Operational}
		if err := tx.SaveMaintenance(m); err != nil {
			return err
		}
		if got, err = tx.Maintenance("a"); err != nil {
			return err
		}
		check(t, "Maintenance after append and save in the same Write", got, m)
		if list, err = tx.Maintenances(status.MaintenanceFilter{Statuses: scheduled}); err != nil {
			return err
		}
		check(t, "scheduled Maintenances after the save", list, []status.Maintenance(nil))
		if list, err = tx.Maintenances(status.MaintenanceFilter{Statuses: running}); err != nil {
			return err
		}
		check(t, "running Maintenances after the save", list, []status.Maintenance{*m})
		return nil
	})
}

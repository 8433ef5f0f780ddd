package status_test

import (
	"context"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// kst returns a time in November 2026 in Seoul.
func (en *env) kst(day, hour, min int) time.Time {
	return time.Date(2026, time.November, day, hour, min, 0, 0, en.seoul)
}

// outage imports a resolved incident holding component id in st from `from` to `to`.
func (en *env) outage(id string, st status.ComponentStatus, from, to time.Time) {
	en.t.Helper()
	inc := &status.Incident{Title: lang.Same("Outage of " + id), Impact: status.ImpactMajor, StartedAt: from, Source: "test",
		ExternalID: id + from.String(), Updates: []status.Update{
			{Kind: status.KindImport, Status: status.Investigating, Message: lang.Same("Down."), CreatedAt: from,
				Components: []status.ComponentChange{{ComponentID: id, NewStatus: st}}},
			{Kind: status.KindImport, Status: status.Resolved, Message: lang.Same("Fixed."), CreatedAt: to,
				Components: []status.ComponentChange{{ComponentID: id, NewStatus: status.Operational}}},
		}}
	if _, _, err := en.svc.ImportIncident(context.Background(), op, inc); err != nil {
		en.t.Fatal(err)
	}
}

// rollUp runs the roll-up and checks how many days it wrote.
func (en *env) rollUp(want int) {
	en.t.Helper()
	n, err := en.svc.RollUpUptime(context.Background())
	if err != nil {
		en.t.Fatalf("RollUpUptime: %v", err)
	}
	if n != want {
		en.t.Fatalf("RollUpUptime at %s wrote %d days, want %d", en.clock.Now().In(en.seoul), n, want)
	}
}

// records returns every stored record, by component, then day.
func (en *env) records() []status.UptimeDayRecord {
	en.t.Helper()
	var rs []status.UptimeDayRecord
	err := en.store.Read(context.Background(), func(tx status.Tx) error {
		var err error
		rs, err = tx.UptimeDays("", "0001-01-01", "9999-12-31")
		return err
	})
	if err != nil {
		en.t.Fatal(err)
	}
	return rs
}

// byKey indexes records by component and day.
func byKey(rs []status.UptimeDayRecord) map[[2]string]status.UptimeDayRecord {
	m := make(map[[2]string]status.UptimeDayRecord, len(rs))
	for _, r := range rs {
		m[[2]string{r.ComponentID, r.Day}] = r
	}
	return m
}

// wantUptime returns the records the roll-up must have written for days first to last of
// each component: Uptime's days, computed over every incident at the clock's now (a zero
// computedAt is not compared).
func (en *env) wantUptime(first, last time.Time, computedAt time.Time) []status.UptimeDayRecord {
	en.t.Helper()
	ctx := context.Background()
	_, comps, err := en.svc.Components(ctx)
	if err != nil {
		en.t.Fatal(err)
	}
	incs, _, err := en.svc.Incidents(ctx, status.IncidentFilter{})
	if err != nil {
		en.t.Fatal(err)
	}
	now := en.clock.Now()
	y, m, d := now.In(en.seoul).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, en.seoul)
	n := int(today.Sub(first).Hours()/24+0.5) + 1
	var out []status.UptimeDayRecord
	for _, id := range sortedIDs(comps) {
		c := findComponent(comps, id)
		for _, day := range status.Uptimes([]status.Component{c}, incs, n, now, en.seoul)[c.ID].Days {
			if day.Day.After(last) {
				continue
			}
			out = append(out, status.UptimeDayRecord{ComponentID: c.ID, Day: day.Day.Format(status.DayLayout),
				NoData: day.NoData, TrackedMinutes: day.TrackedMinutes, MajorMinutes: day.MajorMinutes,
				PartialMinutes: day.PartialMinutes, DegradedMinutes: day.DegradedMinutes,
				MaintenanceMinutes: day.MaintenanceMinutes, Incidents: len(day.Incidents), ComputedAt: computedAt.UTC()})
		}
	}
	return out
}

func sortedIDs(comps []status.Component) []string {
	ids := make([]string, 0, len(comps))
	for _, c := range comps {
		ids = append(ids, c.ID)
	}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if ids[j] < ids[i] {
				ids[i], ids[j] = ids[j], ids[i]
			}
		}
	}
	return ids
}

func findComponent(comps []status.Component, id string) status.Component {
	for _, c := range comps {
		if c.ID == id {
			return c
		}
	}
	return status.Component{}
}

func equalRecords(t *testing.T, what string, got, want []status.UptimeDayRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d\ngot  %+v\nwant %+v", what, len(got), len(want), got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if !w.ComputedAt.IsZero() && !g.ComputedAt.Equal(w.ComputedAt) {
			t.Errorf("%s: record %d (%s %s) computed at %s, want %s", what, i, g.ComponentID, g.Day, g.ComputedAt, w.ComputedAt)
		}
		g.ComputedAt, w.ComputedAt = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("%s: record %d\ngot  %+v\nwant %+v", what, i, g, w)
		}
	}
}

func TestRollUpUptime(t *testing.T) {
	// 09:00 in Seoul is midnight UTC: the page's day and the UTC day differ all morning.
	en := newEnv(t, time.Date(2026, time.November, 22, 0, 0, 0, 0, time.UTC))
	en.component("api", en.kst(10, 0, 0))
	en.component("web", time.Time{}) // created now: no data on any complete day yet
	en.outage("api", status.MajorOutage, en.kst(15, 10, 0), en.kst(15, 11, 30))
	en.outage("api", status.PartialOutage, en.kst(15, 11, 30), en.kst(15, 12, 0))
	en.outage("api", status.DegradedPerformance, en.kst(18, 23, 30), en.kst(19, 0, 30)) // across midnight
	en.outage("api", status.UnderMaintenance, en.kst(20, 2, 0), en.kst(20, 4, 0))
	// Open since 08:00 today: only today, which is never rolled up, has it.
	if _, err := en.svc.CreateIncident(context.Background(), op, status.IncidentInput{Title: lang.Same("Ongoing"), Message: lang.Same("Down."),
		Components: map[string]status.ComponentStatus{"api": status.MajorOutage}, StartedAt: en.kst(22, 8, 0)}); err != nil {
		t.Fatal(err)
	}
	first := en.kst(10, 0, 0)
	computed := en.clock.Now()

	t.Run("the first run rolls up every complete day since tracking began, as Uptime has them", func(t *testing.T) {
		en.rollUp(12) // the 10th to the 21st
		got := en.records()
		equalRecords(t, "records", got, en.wantUptime(first, en.kst(21, 0, 0), computed))
		m := byKey(got)
		if r := m[[2]string{"api", "2026-11-15"}]; r.MajorMinutes != 90 || r.PartialMinutes != 30 || r.Incidents != 2 ||
			r.TrackedMinutes != 1440 || r.NoData {
			t.Errorf("api on the 15th: %+v, want 90 major and 30 partial minutes from 2 incidents", r)
		}
		if a, b := m[[2]string{"api", "2026-11-18"}], m[[2]string{"api", "2026-11-19"}]; a.DegradedMinutes != 30 || b.DegradedMinutes != 30 {
			t.Errorf("degraded across midnight in Seoul: 18th %d, 19th %d minutes, want 30 and 30", a.DegradedMinutes, b.DegradedMinutes)
		}
		if r := m[[2]string{"api", "2026-11-20"}]; r.MaintenanceMinutes != 120 {
			t.Errorf("api on the 20th: %+v, want 120 maintenance minutes", r)
		}
		if r := m[[2]string{"web", "2026-11-21"}]; !r.NoData || r.TrackedMinutes != 0 {
			t.Errorf("web before its creation: %+v, want no data", r)
		}
		if _, ok := m[[2]string{"api", "2026-11-22"}]; ok {
			t.Error("today was rolled up")
		}
		if _, ok := m[[2]string{"api", "2026-11-09"}]; ok {
			t.Error("a day before any component was tracked was rolled up")
		}
	})

	t.Run("a second run, and runs later the same day, write nothing", func(t *testing.T) {
		before := en.records()
		en.rollUp(0)
		en.clock.Set(en.kst(22, 23, 59).Add(59 * time.Second))
		en.rollUp(0)
		equalRecords(t, "records after more runs", en.records(), before)
	})

	t.Run("the next day rolls up the day that completed and the one before again", func(t *testing.T) {
		en.clock.Set(en.kst(23, 0, 5)) // 00:05 in Seoul, still the 22nd in UTC
		before := byKey(en.records())
		en.rollUp(2)
		got := en.records()
		if len(got) != 2*13 {
			t.Fatalf("%d records, want 26: one per component and day, never two", len(got))
		}
		equalRecords(t, "records", got, en.wantUptime(first, en.kst(22, 0, 0), time.Time{}))
		for k, r := range byKey(got) {
			want := computed
			if k[1] >= "2026-11-21" {
				want = en.clock.Now()
			}
			if !r.ComputedAt.Equal(want) {
				t.Errorf("%v computed at %s, want %s", k, r.ComputedAt, want)
			}
			if old, ok := before[k]; ok && k[1] == "2026-11-21" && old.MajorMinutes != r.MajorMinutes {
				t.Errorf("re-rolling %v changed it: %+v, then %+v", k, old, r)
			}
		}
		// The timeline counts, not the backdated start: from the first update at 09:00.
		if r := byKey(got)[[2]string{"api", "2026-11-22"}]; r.MajorMinutes != 15*60 {
			t.Errorf("api on the 22nd: %d major minutes, want 900 (09:00 to midnight, still open)", r.MajorMinutes)
		}
	})

	t.Run("an incident recorded after its day was rolled up is picked up by the re-roll", func(t *testing.T) {
		en.clock.Set(en.kst(23, 10, 0))
		// Resolved late: posted the morning after, imported from the timeline kept elsewhere.
		en.outage("web", status.PartialOutage, en.kst(22, 20, 0), en.kst(22, 21, 0))
		if r := byKey(en.records())[[2]string{"web", "2026-11-22"}]; r.PartialMinutes != 0 {
			t.Fatalf("web on the 22nd already has %d partial minutes", r.PartialMinutes)
		}
		en.rollUp(0) // the 22nd is the latest day: nothing to do until the 23rd completes
		en.clock.Set(en.kst(24, 0, 5))
		en.rollUp(2)
		r := byKey(en.records())[[2]string{"web", "2026-11-22"}]
		if r.PartialMinutes != 60 || r.Incidents != 1 || r.NoData {
			t.Errorf("web on the 22nd after the re-roll: %+v, want 60 partial minutes from 1 incident", r)
		}
		equalRecords(t, "records", en.records(), en.wantUptime(first, en.kst(23, 0, 0), time.Time{}))
	})

	t.Run("after five days down it catches up exactly those days", func(t *testing.T) {
		before := byKey(en.records())
		en.clock.Set(en.kst(29, 13, 0))
		en.rollUp(5) // the 24th to the 28th; the 23rd had its re-roll
		got := byKey(en.records())
		if len(got) != 2*19 {
			t.Fatalf("%d records, want 38", len(got))
		}
		for k, r := range got {
			switch old, ok := before[k]; {
			case k[1] >= "2026-11-29":
				t.Errorf("rolled up %v, today or later", k)
			case ok && !r.ComputedAt.Equal(old.ComputedAt):
				t.Errorf("%v was written again", k)
			case !ok && (k[1] < "2026-11-24" || !r.ComputedAt.Equal(en.clock.Now())):
				t.Errorf("%v written by the catch-up: %+v", k, r)
			}
		}
		if r := got[[2]string{"api", "2026-11-28"}]; r.MajorMinutes != 1440 || r.Incidents != 1 {
			t.Errorf("api on the 28th, the incident still open: %+v, want a whole day of major outage", r)
		}
	})

	t.Run("a new component is rolled up from the first day at once", func(t *testing.T) {
		en.clock.Set(en.kst(29, 14, 0))
		en.component("db", en.kst(12, 0, 0))
		en.rollUp(19) // every day since the 10th, for db only
		got := byKey(en.records())
		if len(got) != 3*19 {
			t.Fatalf("%d records, want 57", len(got))
		}
		if r := got[[2]string{"db", "2026-11-11"}]; !r.NoData {
			t.Errorf("db before its start date: %+v", r)
		}
		if r := got[[2]string{"db", "2026-11-12"}]; r.NoData || r.TrackedMinutes != 1440 {
			t.Errorf("db on its start date: %+v", r)
		}
		if r := got[[2]string{"api", "2026-11-28"}]; !r.ComputedAt.Equal(en.kst(29, 13, 0)) {
			t.Errorf("api was rolled up again: %+v", r)
		}
		en.rollUp(0)
	})

	t.Run("a deleted component's records go, the others stay", func(t *testing.T) {
		if err := en.svc.DeleteComponent(context.Background(), op, "web"); err != nil {
			t.Fatal(err)
		}
		for k := range byKey(en.records()) {
			if k[0] == "web" {
				t.Fatalf("record %v of the deleted component left", k)
			}
		}
		en.clock.Set(en.kst(30, 0, 5))
		en.rollUp(2)
		if got := len(en.records()); got != 2*20 {
			t.Fatalf("%d records, want 40", got)
		}
	})
}

func TestRollUpUptimeFirstRunReachesBack400Days(t *testing.T) {
	en := newEnv(t, time.Date(2026, time.November, 22, 3, 0, 0, 0, time.UTC))
	// Six components tracked for years: 2,400 records, more than one write transaction holds.
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		en.component(id, en.kst(1, 0, 0).AddDate(-3, 0, 0))
	}
	en.outage("c", status.MajorOutage, en.kst(1, 0, 0).AddDate(-1, 0, 0), en.kst(1, 1, 0).AddDate(-1, 0, 0))
	en.rollUp(status.UptimeHistoryDays)
	first := en.kst(22, 0, 0).AddDate(0, 0, -status.UptimeHistoryDays)
	got := en.records()
	equalRecords(t, "records", got, en.wantUptime(first, en.kst(21, 0, 0), en.clock.Now()))
	if got[0].Day != "2025-10-18" || got[len(got)-1].Day != "2026-11-21" {
		t.Errorf("records from %s to %s, want 2025-10-18 to 2026-11-21", got[0].Day, got[len(got)-1].Day)
	}
	if r := byKey(got)[[2]string{"c", "2025-11-01"}]; r.MajorMinutes != 60 {
		t.Errorf("c a year ago: %+v, want 60 major minutes", r)
	}
	en.rollUp(0)
}

func TestRollUpUptimeEmpty(t *testing.T) {
	en := newEnv(t, time.Date(2026, time.November, 22, 3, 0, 0, 0, time.UTC))
	en.rollUp(0)
	en.component("api", time.Time{})
	en.rollUp(0) // created today: no complete day yet
	en.clock.Set(en.kst(23, 0, 5))
	en.rollUp(1)
	if rs := en.records(); len(rs) != 1 || rs[0].Day != "2026-11-22" || rs[0].NoData || rs[0].TrackedMinutes == 0 {
		t.Fatalf("records %+v, want the 22nd, tracked from the creation", rs)
	}
}

func TestUptimePercentOfDays(t *testing.T) {
	days := []status.UptimeDayRecord{
		{TrackedMinutes: 1440, MajorMinutes: 60, PartialMinutes: 100, DegradedMinutes: 500, MaintenanceMinutes: 30},
		{TrackedMinutes: 720, PartialMinutes: 20},
		{NoData: true},
	}
	want := 100 * (1 - (60+status.PartialOutageWeight*120)/2160)
	if got := status.UptimePercentOfDays(days); got < want-1e-9 || got > want+1e-9 {
		t.Errorf("UptimePercentOfDays = %v, want %v", got, want)
	}
	if got := status.UptimePercentOfDays(days[2:]); got != 100 {
		t.Errorf("UptimePercentOfDays without data = %v, want 100", got)
	}
}

// TestRollUpUptimeSinceImport: history imported for days long rolled up is only picked up
// by RollUpUptimeSince (what the import command calls), which recomputes from its day on.
func TestRollUpUptimeSinceImport(t *testing.T) {
	en := newEnv(t, time.Date(2026, time.November, 22, 3, 0, 0, 0, time.UTC))
	en.component("api", en.kst(1, 0, 0))
	en.rollUp(21) // the 1st to the 21st
	en.outage("api", status.MajorOutage, en.kst(5, 10, 0), en.kst(5, 12, 0))
	en.rollUp(0)
	if r := byKey(en.records())[[2]string{"api", "2026-11-05"}]; r.MajorMinutes != 0 {
		t.Fatalf("the plain run already re-rolled the 5th: %+v", r)
	}
	n, err := en.svc.RollUpUptimeSince(context.Background(), en.kst(5, 10, 0))
	if err != nil || n != 17 { // the 5th to the 21st
		t.Fatalf("RollUpUptimeSince = %d, %v; want 17 days", n, err)
	}
	if r := byKey(en.records())[[2]string{"api", "2026-11-05"}]; r.MajorMinutes != 120 || r.Incidents != 1 {
		t.Fatalf("the 5th after RollUpUptimeSince: %+v, want 120 major minutes", r)
	}
	equalRecords(t, "records", en.records(), en.wantUptime(en.kst(1, 0, 0), en.kst(21, 0, 0), time.Time{}))
}

package storetest

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func newUptimeDay(componentID, day string, major int) status.UptimeDayRecord {
	return status.UptimeDayRecord{ComponentID: componentID, Day: day, TrackedMinutes: 1440, MajorMinutes: major,
		Incidents: min(major, 1), ComputedAt: base}
}

func putUptimeDays(t *testing.T, s status.Store, rs ...status.UptimeDayRecord) {
	t.Helper()
	write(t, s, func(tx status.Tx) error { return tx.PutUptimeDays(rs) })
}

func uptimeDays(t *testing.T, s status.Store, componentID, from, to string) []status.UptimeDayRecord {
	t.Helper()
	var rs []status.UptimeDayRecord
	read(t, s, func(tx status.Tx) error {
		var err error
		rs, err = tx.UptimeDays(componentID, from, to)
		return err
	})
	return rs
}

func latestUptimeDay(t *testing.T, s status.Store) string {
	t.Helper()
	var day string
	read(t, s, func(tx status.Tx) error {
		var err error
		day, err = tx.LatestUptimeDay()
		return err
	})
	return day
}

// createComponents creates components with the ids given, displayed in reverse id order so
// a list in display order cannot pass for one in id order.
func createComponents(t *testing.T, s status.Store, ids ...string) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for i, id := range ids {
			if err := tx.CreateComponent(newComponent(id, id, len(ids)-i)); err != nil {
				return err
			}
		}
		return nil
	})
}

func testUptimeDaysRoundTrip(t *testing.T, s status.Store) {
	check(t, "UptimeDays of an empty store", uptimeDays(t, s, "", "2000-01-01", "2999-12-31"), []status.UptimeDayRecord(nil))
	if got := latestUptimeDay(t, s); got != "" {
		t.Errorf("LatestUptimeDay of an empty store = %q, want \"\"", got)
	}
	createComponents(t, s, "api", "db", "web")
	full := status.UptimeDayRecord{ComponentID: "api", Day: "2026-03-08", NoData: true, TrackedMinutes: 1380,
		MajorMinutes: 12, PartialMinutes: 34, DegradedMinutes: 56, MaintenanceMinutes: 78, Incidents: 3, ComputedAt: base}
	requireAllSet(t, full)
	minimal := status.UptimeDayRecord{ComponentID: "db", Day: "2026-03-08"}
	putUptimeDays(t, s, full, minimal)
	check(t, "UptimeDays", uptimeDays(t, s, "", "2026-03-08", "2026-03-08"), []status.UptimeDayRecord{full, minimal})

	// Putting the same records again changes nothing; never a second row.
	putUptimeDays(t, s, full, minimal)
	putUptimeDays(t, s, minimal)
	check(t, "UptimeDays after putting the same records again", uptimeDays(t, s, "", "2026-03-01", "2026-03-31"),
		[]status.UptimeDayRecord{full, minimal})

	// A put replaces every field of the record with the same component and day.
	repl := status.UptimeDayRecord{ComponentID: "api", Day: "2026-03-08", TrackedMinutes: 1440, MajorMinutes: 1,
		PartialMinutes: 2, DegradedMinutes: 3, MaintenanceMinutes: 4, Incidents: 1, ComputedAt: base.Add(24 * time.Hour)}
	requireAllChanged(t, full, repl, "ComponentID", "Day")
	putUptimeDays(t, s, repl)
	check(t, "UptimeDays after a replace", uptimeDays(t, s, "", "2026-03-08", "2026-03-08"),
		[]status.UptimeDayRecord{repl, minimal})
	if got := latestUptimeDay(t, s); got != "2026-03-08" {
		t.Errorf("LatestUptimeDay = %q, want 2026-03-08", got)
	}
}

func testUptimeDaysRange(t *testing.T, s status.Store) {
	createComponents(t, s, "api", "db", "web")
	var all []status.UptimeDayRecord
	// Across a month and a year end: text order must be date order.
	days := []string{"2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02", "2026-02-01"}
	for _, id := range []string{"api", "db", "web"} {
		for i, d := range days {
			all = append(all, newUptimeDay(id, d, i))
		}
	}
	// Put out of order, over several transactions.
	putUptimeDays(t, s, all[10:]...)
	putUptimeDays(t, s, all[5:10]...)
	putUptimeDays(t, s, all[3], all[0], all[4], all[2], all[1])
	pick := func(idx ...int) []status.UptimeDayRecord {
		var out []status.UptimeDayRecord
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	tests := []struct {
		name, component, from, to string
		want                      []status.UptimeDayRecord
	}{
		{"everything, by component then day", "", "2025-01-01", "2026-12-31", all},
		{"bounds are inclusive", "", "2025-12-31", "2026-01-02", pick(1, 2, 3, 6, 7, 8, 11, 12, 13)},
		{"one day", "", "2026-01-01", "2026-01-01", pick(2, 7, 12)},
		{"one component", "db", "2025-12-31", "2026-02-01", pick(6, 7, 8, 9)},
		{"one component, one day", "web", "2026-02-01", "2026-02-01", pick(14)},
		{"no day in range", "", "2026-01-03", "2026-01-31", nil},
		{"from after to", "", "2026-02-01", "2025-12-30", nil},
		{"a component without records", "nope", "2025-01-01", "2026-12-31", nil},
	}
	for _, tt := range tests {
		check(t, "UptimeDays: "+tt.name, uptimeDays(t, s, tt.component, tt.from, tt.to), tt.want)
	}
	if got := latestUptimeDay(t, s); got != "2026-02-01" {
		t.Errorf("LatestUptimeDay = %q, want 2026-02-01", got)
	}
	read(t, s, func(tx status.Tx) error {
		for _, r := range [][2]string{{"2026-1-01", "2026-01-02"}, {"2026-01-01", "2026-02-30"}, {"", "2026-01-01"}, {"yesterday", "today"}} {
			_, err := tx.UptimeDays("", r[0], r[1])
			wantCode(t, "UptimeDays "+r[0]+" to "+r[1], err, status.EINVALID)
		}
		return nil
	})
}

func testUptimeDaysErrors(t *testing.T, s status.Store) {
	createComponents(t, s, "api")
	kept := newUptimeDay("api", "2026-01-01", 5)
	putUptimeDays(t, s, kept)
	good := newUptimeDay("api", "2026-01-02", 7)
	negative := newUptimeDay("api", "2026-01-03", 0)
	negative.PartialMinutes = -1
	tests := []struct {
		name string
		rs   []status.UptimeDayRecord
		code string
	}{
		{"no component id", []status.UptimeDayRecord{good, newUptimeDay("", "2026-01-03", 0)}, status.EINVALID},
		{"day not a date", []status.UptimeDayRecord{good, newUptimeDay("api", "2026-02-30", 0)}, status.EINVALID},
		{"day in another layout", []status.UptimeDayRecord{good, newUptimeDay("api", "2026/01/03", 0)}, status.EINVALID},
		{"day with a time", []status.UptimeDayRecord{good, newUptimeDay("api", "2026-01-03T00:00:00Z", 0)}, status.EINVALID},
		{"negative count", []status.UptimeDayRecord{good, negative}, status.EINVALID},
		{"repeated component and day", []status.UptimeDayRecord{good, newUptimeDay("api", "2026-01-02", 1)}, status.EINVALID},
		{"unknown component", []status.UptimeDayRecord{good, newUptimeDay("nope", "2026-01-03", 0)}, status.ENOTFOUND},
	}
	// Rejected puts write nothing (not even their valid records), and fn may go on and commit.
	write(t, s, func(tx status.Tx) error {
		for _, tt := range tests {
			wantCode(t, "PutUptimeDays: "+tt.name, tx.PutUptimeDays(tt.rs), tt.code)
		}
		if err := tx.PutUptimeDays(nil); err != nil {
			t.Errorf("PutUptimeDays(nil) = %v", err)
		}
		rs, err := tx.UptimeDays("", "2026-01-01", "2026-12-31")
		check(t, "UptimeDays inside the Write after rejected puts", rs, []status.UptimeDayRecord{kept})
		if err != nil {
			return err
		}
		return tx.PutUptimeDays([]status.UptimeDayRecord{newUptimeDay("api", "2026-01-04", 9)})
	})
	check(t, "UptimeDays after rejected puts", uptimeDays(t, s, "api", "2026-01-01", "2026-12-31"),
		[]status.UptimeDayRecord{kept, newUptimeDay("api", "2026-01-04", 9)})
}

// testUptimeDaysDeleteComponent pins the choice that a component's records go with it: the
// records are derived from a component that no longer exists and nothing can show them.
// (No component created later can inherit them: ids are never reused.)
func testUptimeDaysDeleteComponent(t *testing.T, s status.Store) {
	createComponents(t, s, "api", "web")
	putUptimeDays(t, s, newUptimeDay("api", "2026-01-01", 1), newUptimeDay("api", "2026-01-02", 2),
		newUptimeDay("web", "2026-01-01", 3))
	write(t, s, func(tx status.Tx) error { return tx.DeleteComponent("api") })
	check(t, "UptimeDays after deleting a component", uptimeDays(t, s, "", "2026-01-01", "2026-12-31"),
		[]status.UptimeDayRecord{newUptimeDay("web", "2026-01-01", 3)})
	check(t, "UptimeDays of the deleted component", uptimeDays(t, s, "api", "2026-01-01", "2026-12-31"),
		[]status.UptimeDayRecord(nil))
	if got := latestUptimeDay(t, s); got != "2026-01-01" {
		t.Errorf("LatestUptimeDay after deleting the component with the latest day = %q, want 2026-01-01", got)
	}
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "PutUptimeDays for a deleted component",
			tx.PutUptimeDays([]status.UptimeDayRecord{newUptimeDay("api", "2026-01-03", 0)}), status.ENOTFOUND)
		wantCode(t, "CreateComponent with the deleted one's id",
			tx.CreateComponent(newComponent("api", "API again", 0)), status.ECONFLICT)
		return nil
	})
	write(t, s, func(tx status.Tx) error { return tx.DeleteComponent("web") })
	check(t, "UptimeDays after deleting every component", uptimeDays(t, s, "", "2026-01-01", "2026-12-31"),
		[]status.UptimeDayRecord(nil))
	if got := latestUptimeDay(t, s); got != "" {
		t.Errorf("LatestUptimeDay with no records left = %q, want \"\"", got)
	}
}

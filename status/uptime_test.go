package status

import (
	"reflect"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
)

func TestUptime(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	// now: 2026-11-22 12:00 KST
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, seoul)
	c := Component{ID: "api", CreatedAt: now.AddDate(0, 0, -10)}
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, seoul) }
	incs := []Incident{
		{ID: "a", Title: lang.Same("Outage A"), Status: Resolved, ResolvedAt: day(20, 11, 0), Updates: []Update{
			{Status: Investigating, CreatedAt: day(20, 10, 0), Components: []ComponentChange{chg("api", MajorOutage)}},
			{Status: Monitoring, CreatedAt: day(20, 10, 30), Components: []ComponentChange{chg("api", PartialOutage)}},
			{Status: Resolved, CreatedAt: day(20, 11, 0), Components: []ComponentChange{chg("api", Operational)}},
		}},
		// Overlaps A's partial phase with a major outage: the worst status counts once.
		{ID: "b", Title: lang.Same("Outage B"), Status: Resolved, ResolvedAt: day(20, 10, 50), Updates: []Update{
			{Status: Investigating, CreatedAt: day(20, 10, 40), Components: []ComponentChange{chg("api", MajorOutage)}},
			{Status: Resolved, CreatedAt: day(20, 10, 50)},
		}},
		// Crosses midnight: 23:30 on the 18th to 00:30 on the 19th, degraded.
		{ID: "c", Title: lang.Same("Slow"), Status: Resolved, ResolvedAt: day(19, 0, 30), Updates: []Update{
			{Status: Investigating, CreatedAt: day(18, 23, 30), Components: []ComponentChange{chg("api", DegradedPerformance)}},
			{Status: Resolved, CreatedAt: day(19, 0, 30)},
		}},
		// Still open: partial since 11:00 today.
		{ID: "d", Title: lang.Same("Ongoing"), Status: Investigating, Updates: []Update{
			{Status: Investigating, CreatedAt: day(22, 11, 0), Components: []ComponentChange{chg("api", PartialOutage)}},
		}},
		// Another component: ignored.
		{ID: "e", Title: lang.Same("Other"), Status: Resolved, ResolvedAt: day(21, 2, 0), Updates: []Update{
			{Status: Investigating, CreatedAt: day(21, 1, 0), Components: []ComponentChange{chg("web", MajorOutage)}},
		}},
	}
	u := Uptimes([]Component{c}, incs, 15, now, seoul)["api"]
	if len(u.Days) != 15 {
		t.Fatalf("days = %d", len(u.Days))
	}
	byDay := map[int]DayUptime{}
	for _, d := range u.Days {
		if d.Day.Location() != seoul || d.Day.Hour() != 0 {
			t.Fatalf("day %v is not local midnight", d.Day)
		}
		byDay[d.Day.Day()] = d
	}
	d20 := byDay[20]
	if d20.MajorMinutes != 40 || d20.PartialMinutes != 20 || d20.Worst != MajorOutage || len(d20.Incidents) != 2 {
		t.Fatalf("day 20 = %+v, want 40 major (30 from A + 10 from B over A's partial), 20 partial, 2 incidents", d20)
	}
	if byDay[18].DegradedMinutes != 30 || byDay[19].DegradedMinutes != 30 {
		t.Fatalf("midnight split: 18th %d, 19th %d, want 30 and 30", byDay[18].DegradedMinutes, byDay[19].DegradedMinutes)
	}
	if byDay[22].PartialMinutes != 60 {
		t.Fatalf("open incident today: %d partial minutes, want 60 (11:00 to now)", byDay[22].PartialMinutes)
	}
	if byDay[21].DowntimeMinutes() != 0 || len(byDay[21].Incidents) != 0 {
		t.Fatalf("another component's incident leaked into day 21: %+v", byDay[21])
	}
	if !byDay[8].NoData || byDay[13].NoData {
		t.Fatalf("tracking starts on the 12th: 8th NoData=%v, 13th NoData=%v", byDay[8].NoData, byDay[13].NoData)
	}
	// tracked from 2026-11-12 12:00 KST to now: 10 days = 14400 minutes
	down := 40 + PartialOutageWeight*(20+60)
	want := 100 * (1 - down/14400)
	if diff := u.Percent - want; diff > 0.001 || diff < -0.001 {
		t.Fatalf("percent = %.4f, want %.4f", u.Percent, want)
	}

	// Every component at once (what the page renders) gives each the same summary.
	web := Component{ID: "web", CreatedAt: now.AddDate(0, 0, -10)}
	quiet := Component{ID: "quiet", CreatedAt: now.AddDate(0, 0, -3)}
	all := Uptimes([]Component{c, web, quiet}, incs, 15, now, seoul)
	if len(all) != 3 || !reflect.DeepEqual(all["api"], u) {
		t.Fatalf("Uptimes gave api %+v, Uptime %+v", all["api"], u)
	}
	for _, d := range all["web"].Days {
		want := 0
		if d.Day.Day() == 21 {
			want = 60 // incident e, 01:00 to 02:00, never set back: until its resolution
		}
		if d.MajorMinutes != want || d.DegradedMinutes+d.PartialMinutes != 0 {
			t.Fatalf("web on the %d: %+v, want %d major minutes", d.Day.Day(), d, want)
		}
	}
	if q := all["quiet"]; q.Percent != 100 || !q.Days[10].NoData || q.Days[12].NoData {
		t.Fatalf("a component no incident touched: %+v", q)
	}
}

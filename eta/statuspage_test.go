package eta

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/statuspage"
)

const sampleHistory = `{"page": {"id": "x", "name": "x", "url": "", "time_zone": "Etc/UTC", "updated_at": "2024-01-01T00:00:00Z"},
"incidents": [
 {"id": "full", "name": "API errors", "status": "resolved", "impact": "Major",
  "created_at": "2024-03-01T10:00:05.123Z", "started_at": "2024-03-01T10:00:00Z",
  "monitoring_at": "2024-03-01T11:00:00.5Z", "resolved_at": "2024-03-01T12:30:00Z",
  "components": [{"id": "api"}],
  "incident_updates": [
   {"id": "u4", "status": "resolved", "created_at": "2024-03-01T12:30:00Z", "affected_components": [{"code": "api", "new_status": "operational"}]},
   {"id": "u3", "status": "monitoring", "created_at": "2024-03-01T11:00:00.5Z", "affected_components": null},
   {"id": "u2b", "status": "identified", "created_at": "2024-03-01T10:50:00Z"},
   {"id": "u2", "status": "identified", "created_at": "2024-03-01T10:20:00+00:00", "affected_components": [{"code": "db"}]},
   {"id": "u1", "status": "investigating", "created_at": "2024-03-01T10:00:05.123Z"}]},
 {"id": "fallbacks", "status": "postmortem", "impact": "minor",
  "created_at": "2024-04-01T08:00:00Z", "started_at": "",
  "monitoring_at": null, "resolved_at": null, "components": [],
  "incident_updates": [
   {"id": "v3", "status": "resolved", "created_at": "2024-04-01T09:15:00Z", "affected_components": [{"code": "web"}]},
   {"id": "v2", "status": "monitoring", "created_at": "2024-04-01T08:40:00Z"},
   {"id": "v1", "status": "monitoring", "created_at": "2024-04-01T08:30:00Z"}]},
 {"id": "open", "status": "identified", "impact": "critical",
  "created_at": "2024-05-01T08:00:00Z", "started_at": "2024-05-01T07:55:00Z", "resolved_at": null,
  "components": [{"id": "b"}, {"id": "a"}],
  "incident_updates": [{"id": "w1", "status": "identified", "created_at": "2024-05-01T08:00:00Z"}]},
 {"id": "maint", "status": "completed", "impact": "maintenance", "created_at": "2024-06-01T00:00:00Z", "started_at": "2024-06-01T00:00:00Z", "incident_updates": []},
 {"id": "sched", "status": "scheduled", "impact": "none", "scheduled_for": "2024-07-01T00:00:00Z", "created_at": "2024-06-20T00:00:00Z", "started_at": "2024-06-20T00:00:00Z", "incident_updates": []}
]}`

func TestRecordsFromStatuspage(t *testing.T) {
	incs, err := statuspage.ParseIncidents(strings.NewReader(sampleHistory))
	if err != nil {
		t.Fatal(err)
	}
	recs := RecordsFromStatuspage(incs)
	ts := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := []Record{
		{ID: "full", Impact: "major", Components: []string{"api", "db"},
			Start: ts("2024-03-01T10:00:00Z"), Identified: ts("2024-03-01T10:20:00Z"),
			Monitoring: ts("2024-03-01T11:00:00.5Z"), End: ts("2024-03-01T12:30:00Z")},
		{ID: "fallbacks", Impact: "minor", Components: []string{"web"},
			Start: ts("2024-04-01T08:00:00Z"), Monitoring: ts("2024-04-01T08:30:00Z"), End: ts("2024-04-01T09:15:00Z")},
		{ID: "open", Impact: "critical", Components: []string{"a", "b"},
			Start: ts("2024-05-01T07:55:00Z"), Identified: ts("2024-05-01T08:00:00Z")},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d (maintenances skipped): %+v", len(recs), len(want), recs)
	}
	for i, w := range want {
		t.Run(w.ID, func(t *testing.T) {
			g := recs[i]
			if g.ID != w.ID || g.Impact != w.Impact || !slices.Equal(g.Components, w.Components) {
				t.Errorf("got id %q impact %q components %v, want %q %q %v", g.ID, g.Impact, g.Components, w.ID, w.Impact, w.Components)
			}
			for _, f := range []struct {
				name      string
				got, want time.Time
			}{{"Start", g.Start, w.Start}, {"Identified", g.Identified, w.Identified}, {"Monitoring", g.Monitoring, w.Monitoring}, {"End", g.End, w.End}} {
				if !f.got.Equal(f.want) {
					t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2024-03-01T10:00:00Z", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)},
		{"2024-03-01T10:00:00.250Z", time.Date(2024, 3, 1, 10, 0, 0, 250e6, time.UTC)},
		{"2024-03-01T12:00:00+02:00", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)},
		{"2024-03-01T10:00:00", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := parseTime(tc.in); !got.Equal(tc.want) {
				t.Errorf("parseTime(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestRecordsFromRealFile(t *testing.T) {
	recs := loadReal(t)
	if len(recs) != 718 {
		t.Fatalf("got %d records from the real history, want 718", len(recs))
	}
	var ident, mon int
	for _, r := range recs {
		if r.End.IsZero() || !r.End.After(r.Start) {
			t.Errorf("%s: end %v not after start %v", r.ID, r.End, r.Start)
		}
		if len(r.Components) == 0 && r.Impact == "" {
			t.Errorf("%s: neither components nor impact", r.ID)
		}
		if !r.Identified.IsZero() {
			ident++
		}
		if !r.Monitoring.IsZero() {
			mon++
		}
	}
	// Facts of the file, counted independently: 302 incidents reached identified and 602
	// reached monitoring.
	if ident != 302 || mon != 602 {
		t.Errorf("identified %d, monitoring %d; want 302 and 602", ident, mon)
	}
}

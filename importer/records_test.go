package importer_test

import (
	"strings"
	"testing"

	"github.com/candorstatus/candor/eta/estimator/estimatortest"
	"github.com/candorstatus/candor/importer"
	"github.com/candorstatus/candor/statuspagev2"
)

func TestRecords(t *testing.T) {
	// The importer's reading: with no resolved_at an incident ends at its first resolved
	// update (a later postmortem note does not move the end), phases are the first
	// updates in them, components those the updates name, maintenances are skipped.
	const history = `{"page":{"id":"p","name":"x","url":"u","time_zone":"Etc/UTC","updated_at":"2026-01-01T00:00:00Z"},
"incidents":[
 {"id":"a","name":"API errors","status":"postmortem","impact":"major","created_at":"2026-01-01T10:00:00Z",
  "started_at":"2026-01-01T09:58:00Z","resolved_at":null,"monitoring_at":null,"components":[],
  "incident_updates":[
   {"id":"u5","status":"postmortem","body":"Postmortem.","created_at":"2026-01-02T10:00:00Z"},
   {"id":"u4","status":"resolved","body":"Really fixed.","created_at":"2026-01-01T11:30:00Z"},
   {"id":"u3","status":"resolved","body":"Fixed.","created_at":"2026-01-01T11:00:00Z",
    "affected_components":[{"code":"api1","name":"API","old_status":"major_outage","new_status":"operational"}]},
   {"id":"u2","status":"monitoring","body":"Watching.","created_at":"2026-01-01T10:40:00Z"},
   {"id":"u1","status":"identified","body":"Found.","created_at":"2026-01-01T10:20:00Z",
    "affected_components":[{"code":"web2","name":"Web","old_status":"operational","new_status":"partial_outage"}]}]},
 {"id":"m","name":"Upgrade","status":"completed","impact":"maintenance","created_at":"2026-01-03T00:00:00Z",
  "scheduled_for":"2026-01-04T00:00:00Z","incident_updates":[]}
]}`
	incs, err := statuspagev2.ParseIncidents(strings.NewReader(history))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := importer.Records(incs)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1 (maintenance skipped): %+v", len(recs), recs)
	}
	r := recs[0]
	for _, c := range []struct{ name, got, want string }{
		{"start", r.Start.UTC().Format("15:04"), "09:58"},
		{"identified", r.Identified.UTC().Format("15:04"), "10:20"},
		{"monitoring", r.Monitoring.UTC().Format("15:04"), "10:40"},
		{"end", r.End.UTC().Format("15:04"), "11:00"},
		{"impact", r.Impact, "major"},
		{"components", strings.Join(r.Components, ","), "web2,api1"},
	} {
		if c.got != c.want {
			t.Errorf("%s %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestRecordsFromRealHistory(t *testing.T) {
	recs := estimatortest.RealHistory(t)
	if len(recs) != 718 {
		t.Fatalf("got %d records from the real history, want 718", len(recs))
	}
	var ident, mon int
	for _, r := range recs {
		if r.End.IsZero() || !r.End.After(r.Start) {
			t.Errorf("%s: end %v not after start %v", r.ID, r.End, r.Start)
		}
		if !r.Identified.IsZero() {
			ident++
		}
		if !r.Monitoring.IsZero() {
			mon++
		}
	}
	// Facts of the file, counted independently of this code: 302 incidents have an
	// "identified" update and 602 a "monitoring" one.
	if ident != 302 || mon != 602 {
		t.Errorf("identified %d, monitoring %d; want 302 and 602", ident, mon)
	}
}

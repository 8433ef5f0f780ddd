package status_test

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// imported is a resolved Statuspage incident on api, an hour long, ending at t0-1h.
func imported(externalID string) *status.Incident {
	start := t0.Add(-2 * time.Hour)
	return &status.Incident{Title: lang.Same("Old outage"), Impact: status.ImpactMajor, StartedAt: start,
		Source: "statuspage", ExternalID: externalID, Updates: []status.Update{
			{Kind: status.KindImport, Status: status.Investigating, Message: lang.Same("Down."), CreatedAt: start,
				Components: []status.ComponentChange{{ComponentID: "api", NewStatus: status.MajorOutage}}},
			{Kind: status.KindImport, Status: status.Resolved, Message: lang.Same("Fixed."), CreatedAt: start.Add(time.Hour),
				Components: []status.ComponentChange{{ComponentID: "api", NewStatus: status.Operational}}},
		}}
}

func TestImportIncidentRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	for _, tc := range []struct {
		name  string
		edit  func(inc *status.Incident)
		field string // "" for a problem without a field
	}{
		{"no title", func(inc *status.Incident) { inc.Title = lang.Text{} }, "title"},
		{"English title too long", func(inc *status.Incident) {
			inc.Title = lang.Text{KO: "장애", EN: long("t", status.MaxTitleLen+1)}
		}, "title.en"},
		{"no impact", func(inc *status.Incident) { inc.Impact = "" }, "impact"},
		{"unknown cause", func(inc *status.Incident) { inc.Cause = "gremlins" }, "cause"},
		{"no start", func(inc *status.Incident) { inc.StartedAt = time.Time{} }, "started_at"},
		{"no updates", func(inc *status.Incident) { inc.Updates = nil }, "updates"},
		{"updates out of order", func(inc *status.Incident) {
			inc.Updates[0], inc.Updates[1] = inc.Updates[1], inc.Updates[0]
		}, "updates"},
		{"unknown update status", func(inc *status.Incident) { inc.Updates[1].Status = "closed" }, "updates[1].status"},
		{"no update kind", func(inc *status.Incident) { inc.Updates[0].Kind = "" }, "updates[0].kind"},
		{"staff update without a message", func(inc *status.Incident) {
			inc.Updates[1].Kind, inc.Updates[1].Message = status.KindStaff, lang.Same(" ")
		}, "updates[1].message"},
		{"unknown new component status", func(inc *status.Incident) { inc.Updates[0].Components[0].NewStatus = "down" }, "updates[0].components"},
		{"unknown old component status", func(inc *status.Incident) { inc.Updates[1].Components[0].OldStatus = "down" }, "updates[1].components"},
		{"unknown component", func(inc *status.Incident) { inc.Updates[1].Components[0].ComponentID = "db" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			inc := imported("ext-1")
			tc.edit(inc)
			stored, created, err := en.svc.ImportIncident(en.ctx, op, inc)
			en.refused(err, status.EINVALID, tc.field, before)
			if stored != nil || created {
				t.Errorf("refused import returned %v, created %v", stored, created)
			}
		})
	}
}

func TestImportIncidentIsIdempotentBySourceAndExternalID(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	first, created, err := en.svc.ImportIncident(en.ctx, op, imported("ext-1"))
	if err != nil || !created {
		t.Fatalf("first import: created %v, %v", created, err)
	}
	rev := en.revision()
	before := en.footprint()
	again, created, err := en.svc.ImportIncident(en.ctx, op, imported("ext-1"))
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("second import: %v created %v, %v; want the stored %s", again, created, err, first.ID)
	}
	en.unchanged(before)
	if en.revision() != rev {
		t.Errorf("a repeated import moved the revision")
	}

	other := imported("ext-1")
	other.Source = "demo"
	if _, created, err := en.svc.ImportIncident(en.ctx, op, other); err != nil || !created {
		t.Errorf("same external id from another source: created %v, %v", created, err)
	}
	if _, created, err := en.svc.ImportIncident(en.ctx, op, imported("ext-2")); err != nil || !created {
		t.Errorf("another external id: created %v, %v", created, err)
	}
	// Without an external id nothing identifies it: each import is new.
	for range 2 {
		if _, created, err := en.svc.ImportIncident(en.ctx, op, imported("")); err != nil || !created {
			t.Errorf("import without an external id: created %v, %v", created, err)
		}
	}
	if _, n, _ := en.svc.Incidents(en.ctx, status.IncidentFilter{}); n != 5 {
		t.Errorf("%d incidents, want 5", n)
	}
}

func TestImportIncidentStoresTheTimeline(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	inc := imported("ext-1")
	inc.Updates[0].CreatedAt = inc.Updates[0].CreatedAt.In(en.seoul).Add(1500 * time.Nanosecond)
	stored, _, err := en.svc.ImportIncident(en.ctx, op, inc)
	if err != nil {
		t.Fatal(err)
	}
	got := en.incident(stored.ID)
	if got.Status != status.Resolved || !got.ResolvedAt.Equal(t0.Add(-time.Hour)) || !got.CreatedAt.Equal(got.StartedAt) || len(got.Updates) != 2 {
		t.Errorf("imported %+v: want it resolved at its last entry, created when it started", got)
	}
	if u := got.Updates[0]; u.CreatedAt.Location() != time.UTC || u.CreatedAt.Nanosecond()%1000 != 0 || u.IncidentID != got.ID || u.ID == "" {
		t.Errorf("first entry %+v: want UTC at microseconds, with ids", u)
	}
	if a := en.lastAudit(); a.Action != "incident.import" || a.Detail != "statuspage ext-1" {
		t.Errorf("audit %+v", a)
	}
	en.wantStatuses(comps{"api": status.Operational})

	// An incident imported open holds its components like any other.
	open := imported("ext-open")
	open.Updates = open.Updates[:1]
	open.Updates[0].Components = append(open.Updates[0].Components, status.ComponentChange{ComponentID: "web", NewStatus: status.DegradedPerformance})
	if _, _, err := en.svc.ImportIncident(en.ctx, op, open); err != nil {
		t.Fatal(err)
	}
	en.wantStatuses(comps{"api": status.MajorOutage, "web": status.DegradedPerformance})
}

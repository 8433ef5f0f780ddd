package importer_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/internal/testenv"
	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/importer"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/statuspagev2"
	"github.com/candorstatus/candor/store/sqlite"
)

func newService(t *testing.T) *status.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return status.NewService(st, status.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)), nil)
}

const sample = `{"page":{"id":"p","name":"x","url":"u","time_zone":"Etc/UTC","updated_at":"2026-01-01T00:00:00Z"},
"incidents":[
 {"id":"inc1","name":"API errors","status":"postmortem","impact":"major","created_at":"2026-01-01T10:00:00.000Z",
  "started_at":"2026-01-01T09:58:00Z","resolved_at":"2026-01-01T11:00:00Z","monitoring_at":null,
  "components":[{"id":"api1","name":"API","status":"operational","description":"The API","group_id":null}],
  "incident_updates":[
   {"id":"u3","status":"postmortem","body":"Postmortem published.","created_at":"2026-01-02T10:00:00Z","affected_components":null},
   {"id":"u2","status":"resolved","body":"Fixed.","created_at":"2026-01-01T11:00:00Z",
    "affected_components":[{"code":"api1","name":"API","old_status":"major_outage","new_status":"operational"}]},
   {"id":"u1","status":"investigating","body":"Looking.","created_at":"2026-01-01T10:00:00Z","tweet_id":1326997180733825000,
    "affected_components":[{"code":"api1","name":"API","old_status":"operational","new_status":"major_outage"},
                           {"code":"web2","name":"Web","old_status":"operational","new_status":"partial_outage"}]}]},
 {"id":"m1","name":"DB upgrade","status":"completed","impact":"maintenance","created_at":"2026-01-03T00:00:00Z",
  "scheduled_for":"2026-01-04T00:00:00Z","scheduled_until":"2026-01-04T02:00:00Z","incident_updates":[]}
]}`

func TestImportIdempotent(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	incs, err := statuspagev2.ParseIncidents(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	res, err := importer.Statuspage(ctx, svc, op, incs, lang.English)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || res.SkippedMaint != 1 || res.ComponentsCreated != 2 {
		t.Fatalf("first import: %+v", res)
	}
	again, err := importer.Statuspage(ctx, svc, op, incs, lang.English)
	if err != nil {
		t.Fatal(err)
	}
	if again.Imported != 0 || again.AlreadyPresent != 1 || again.ComponentsCreated != 0 {
		t.Fatalf("second import created something: %+v", again)
	}
	list, total, err := svc.Incidents(ctx, status.IncidentFilter{})
	if err != nil || total != 1 {
		t.Fatalf("%d incidents, err %v", total, err)
	}
	inc := list[0]
	if inc.Status != status.Resolved || !inc.ResolvedAt.Equal(time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("resolved at %v (a later postmortem note must not move it)", inc.ResolvedAt)
	}
	if !inc.StartedAt.Equal(time.Date(2026, 1, 1, 9, 58, 0, 0, time.UTC)) || inc.Impact != status.ImpactMajor {
		t.Fatalf("start %v impact %s", inc.StartedAt, inc.Impact)
	}
	if len(inc.Updates) != 3 || inc.Updates[0].Message != lang.In(lang.English, "Looking.") || inc.Updates[0].Kind != status.KindImport {
		t.Fatalf("timeline not oldest first: %+v", inc.Updates)
	}
	c, err := svc.Component(ctx, "api1")
	if err != nil || c.Name != lang.In(lang.English, "API") || c.Description != lang.In(lang.English, "The API") || c.Status != status.Operational {
		t.Fatalf("component %+v %v", c, err)
	}
}

func TestImportRealHistory(t *testing.T) {
	const path = "../../shared/data/history-digitalocean.json"
	f, err := os.Open(path)
	if err != nil {
		testenv.Missing(t, testenv.SharedData, "real history not available: "+err.Error())
	}
	defer f.Close()
	incs, err := statuspagev2.ParseIncidents(f)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc := newService(t)
	res, err := importer.Statuspage(ctx, svc, status.Op{}, incs, lang.English)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 718 {
		t.Fatalf("imported %d of 718", res.Imported)
	}
	again, err := importer.Statuspage(ctx, svc, status.Op{}, incs, lang.English)
	if err != nil || again.Imported != 0 || again.AlreadyPresent != 718 {
		t.Fatalf("second import: %+v %v", again, err)
	}
	open, n, err := svc.Incidents(ctx, status.IncidentFilter{Status: "open"})
	if err != nil || n != 0 || len(open) != 0 {
		t.Fatalf("%d open incidents after importing a resolved history", n)
	}
	_, comps, _ := svc.Components(ctx)
	for _, c := range comps {
		if c.Status != status.Operational {
			t.Fatalf("component %s left at %s by a resolved history", c.ID, c.Status)
		}
	}
}

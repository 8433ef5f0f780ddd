package importer_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/candorstatus/candor/importer"
	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/statuspagev2"
	"github.com/candorstatus/candor/store/sqlite"
)

// FuzzStatuspageImport feeds arbitrary Statuspage histories to the importer (one store per
// fuzzing process; histories accumulate in it as they would across real imports) and holds
// it to what `candor import statuspage` promises:
//   - a history Incidents can convert is one the store accepts: the conversion produces only
//     valid incidents and components, so an import never stops half-way on its own output;
//   - every incident is counted once: imported + already present = the non-maintenance
//     incidents, maintenances are counted as skipped;
//   - importing the same history again imports nothing and creates no component;
//   - a history Incidents refuses changes nothing;
//   - the public snapshot still builds afterwards.
func FuzzStatuspageImport(f *testing.F) {
	for _, s := range []string{
		sample,
		`[{"id":"a","name":"Down","status":"resolved","impact":"critical","created_at":"2026-02-01T00:00:00Z","resolved_at":"2026-02-01T01:00:00Z",
		  "incident_updates":[{"id":"u1","status":"investigating","body":"x","created_at":"2026-02-01T00:00:00Z"},
		                      {"id":"u2","status":"resolved","body":"y","created_at":"2026-02-01T01:00:00Z"}]}]`,
		`{"incidents":[{"id":"open","name":"Still down","status":"identified","impact":"minor","created_at":"2026-03-01T00:00:00Z",
		  "components":[{"id":"db","name":"DB\n\u0000"}],
		  "incident_updates":[{"id":"u","status":"identified","body":"<p>Found &amp; fixing</p>","created_at":"2026-03-01T00:05:00Z",
		   "affected_components":[{"code":"db","name":"DB","old_status":"operational","new_status":"major_outage"}]}]}]}`,
		`{"incidents":[]}{"incidents":[{"id":"b","name":"","status":"resolved","impact":"none","created_at":"1970-01-01T00:00:00Z","incident_updates":[]}]}`,
		`{"scheduled_maintenances":[{"id":"m","name":"M","status":"completed","impact":"maintenance","created_at":"2026-01-03T00:00:00Z","scheduled_for":"2026-01-04T00:00:00Z","incident_updates":[]}]}`,
		`[{"id":"c","name":"Bad time","status":"resolved","created_at":"yesterday","incident_updates":[]}]`,
		`[]`, `{}`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, f.TempDir()+"/candor.db")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	svc := status.NewService(st, clock, nil)
	assets, err := static.Load()
	if err != nil {
		f.Fatal(err)
	}
	holder := snapshot.NewHolder(snapshot.NewBuilder(snapshot.Config{PageID: "fuzz", PageName: lang.Same("Fuzz")}, st, assets), clock, nil)
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "fuzz"}}

	f.Fuzz(func(t *testing.T, doc []byte) {
		incs, err := statuspagev2.ParseIncidents(bytes.NewReader(doc))
		if err != nil {
			return // not a Statuspage history; the command says so
		}
		_, before, err := svc.Incidents(ctx, status.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		todo, maint, convErr := importer.Incidents(incs, lang.English)
		res, err := importer.Statuspage(ctx, svc, op, incs, lang.English)
		_, after, err2 := svc.Incidents(ctx, status.IncidentFilter{})
		if err2 != nil {
			t.Fatal(err2)
		}
		if convErr != nil {
			if err == nil || after != before {
				t.Fatalf("a history Incidents refuses (%v) was imported: %+v, %v; incidents %d → %d", convErr, res, err, before, after)
			}
			return
		}
		if err != nil {
			t.Fatalf("Incidents converts this history but the store refuses it: %v", err)
		}
		if res.Imported+res.AlreadyPresent != len(todo) || res.SkippedMaint != maint || after != before+res.Imported {
			t.Fatalf("%d incidents, %d maintenances: %+v; incidents %d → %d", len(todo), maint, res, before, after)
		}
		again, err := importer.Statuspage(ctx, svc, op, incs, lang.English)
		if err != nil || again.Imported != 0 || again.ComponentsCreated != 0 || again.AlreadyPresent != len(todo) {
			t.Fatalf("second import of the same history: %+v, %v", again, err)
		}
		if err := holder.Rebuild(ctx); err != nil {
			t.Fatalf("the public snapshot does not build after the import: %v", err)
		}
	})
}

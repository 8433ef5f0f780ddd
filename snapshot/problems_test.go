package snapshot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/candorstatus/candor/lang"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// corrupting is a store that reads one incident back as a bad record would: with a NaN
// share of users (a PostgreSQL row written before the check existed).
type corrupting struct {
	status.Store
	id string
}

func (c *corrupting) Read(ctx context.Context, fn func(status.Tx) error) error {
	return c.Store.Read(ctx, func(tx status.Tx) error { return fn(corruptingTx{tx, c.id}) })
}

type corruptingTx struct {
	status.Tx
	id string
}

func (t corruptingTx) Incidents(f status.IncidentFilter) ([]status.Incident, error) {
	incs, err := t.Tx.Incidents(f)
	for i := range incs {
		if incs[i].ID == t.id {
			nan := math.NaN()
			incs[i].UsersAffectedPercent = &nan
		}
	}
	return incs, err
}

// panicky is an estimator that panics for one incident, as a bug triggered by one record
// would.
type panicky struct{ id string }

func (p panicky) Estimate(inc *status.Incident, now time.Time) (status.Estimate, bool) {
	if inc.ID == p.id {
		panic("estimator bug")
	}
	return status.Estimate{}, false
}

func (p panicky) Chance(*status.Incident, time.Time, time.Time) (status.Chance, bool) {
	return status.Chance{}, false
}

// TestBuildRendersAroundBadRecords (issue 18, defect 1): an incident that cannot be
// encoded (NaN) no longer fails the whole build: the snapshot is published at the new
// revision with every other incident and the bad one left out of the JSON; an incident
// the ETA model panics on is shown without a range. Both are reported as problems.
func TestBuildRendersAroundBadRecords(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	svc := status.NewService(st, clock, nil)
	mk := func(title string) string {
		inc, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same(title), Message: lang.Same("Looking.")})
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	nanID, panicID := mk("Has a NaN"), mk("Makes it panic")
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := snapshot.NewBuilder(snapshot.Config{PageName: lang.Same("Test"), PublicURL: "https://status.example"}, &corrupting{Store: st, id: nanID}, assets)
	b.SetEstimator(panicky{id: panicID})

	snap, err := b.Build(ctx, clock.Now())
	if err != nil {
		t.Fatalf("Build with bad records: %v", err)
	}
	goodID := mk("A new incident")
	snap, err = b.Build(ctx, clock.Now())
	if err != nil || snap.Revision != 3 {
		t.Fatalf("second Build: revision %v, %v; want revision 3", snap, err)
	}
	home, _ := snap.Doc("en", "/")
	if home == nil || !bytes.Contains(home.Body, []byte("A new incident")) {
		t.Fatal("the new incident is not on the home page")
	}
	for _, path := range []string{"/api/v2/summary.json", "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"} {
		d, _ := snap.Doc("en", path)
		if d == nil || !json.Valid(d.Body) {
			t.Fatalf("%s missing or not JSON", path)
		}
		if !bytes.Contains(d.Body, []byte(goodID)) || !bytes.Contains(d.Body, []byte(panicID)) || bytes.Contains(d.Body, []byte(nanID)) {
			t.Errorf("%s should list %s and %s but not %s: %s", path, goodID, panicID, nanID, d.Body)
		}
	}
	for _, id := range []string{goodID, panicID, nanID} {
		if d, _ := snap.Doc("en", "/incidents/"+id); d == nil {
			t.Errorf("incident %s's page is missing", id)
		}
	}
	if !bytes.Contains(home.Body, []byte("Makes it panic")) || !bytes.Contains(home.Body, []byte("Has a NaN")) {
		t.Error("the home page leaves out an open incident")
	}
	problems, n := snap.Problems()
	joined := strings.Join(problems, "\n")
	if n == 0 || !strings.Contains(joined, nanID) || !strings.Contains(joined, panicID) {
		t.Fatalf("problems %d: %s; want both bad incidents named", n, joined)
	}
	for _, p := range problems {
		if !strings.Contains(p, "incident") && !strings.Contains(p, "/") {
			t.Errorf("problem %q does not say what was rendered around", p)
		}
	}
}

package status_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// listCounter counts the whole-list reads made inside write transactions: what holds
// components (open incidents, active maintenance, signals in effect) and the open drafts.
type listCounter struct {
	status.Store
	lists atomic.Int64
}

func (c *listCounter) Write(ctx context.Context, fn func(status.Tx) error) error {
	return c.Store.Write(ctx, func(tx status.Tx) error { return fn(listingTx{tx, c}) })
}

type listingTx struct {
	status.Tx
	c *listCounter
}

func (t listingTx) Incidents(f status.IncidentFilter) ([]status.Incident, error) {
	t.c.lists.Add(1)
	return t.Tx.Incidents(f)
}

func (t listingTx) Maintenances(f status.MaintenanceFilter) ([]status.Maintenance, error) {
	t.c.lists.Add(1)
	return t.Tx.Maintenances(f)
}

func (t listingTx) Signals(f status.SignalFilter) ([]status.Signal, error) {
	t.c.lists.Add(1)
	return t.Tx.Signals(f)
}

func (t listingTx) Drafts(f status.DraftFilter) ([]status.Draft, error) {
	t.c.lists.Add(1)
	return t.Tx.Drafts(f)
}

// TestAlertGroupIsAppliedAlertByAlert: an Alertmanager group is one transaction whose
// alerts take effect one after another, as if reported one by one — the component moves
// with each, the first opens a draft the others join and a worse one raises, resolutions
// return the component once nothing holds it — while the lists of what holds components
// are read once per group, not once per alert (issue: a 300-alert group re-read every
// signal in effect for each alert and outlasted the store's write deadline under -race).
func TestAlertGroupIsAppliedAlertByAlert(t *testing.T) {
	en := newSignalEnv(t)
	counter := &listCounter{Store: en.store}
	en.svc = status.NewService(counter, en.clock, nil)
	en.svc.SetSignalHold(0)

	group := func(n int, prefix string, resolved bool) []status.SignalInput {
		var ins []status.SignalInput
		for i := range n {
			in := firing(fmt.Sprintf("%s:%d", prefix, i), "api")
			in.Resolved = resolved
			ins = append(ins, in)
		}
		return ins
	}
	counter.lists.Store(0)
	en.report(group(3, "am:small", false)...)
	small := counter.lists.Load()

	ins := group(200, "am:big", false)
	ins[100].Status = status.MajorOutage
	ins = append(ins, status.SignalInput{Key: "am:web", Component: "web", Source: "alertmanager", Status: status.DegradedPerformance},
		resolvedSignal("am:never", "api"))
	counter.lists.Store(0)
	out := en.report(ins...)
	if n := counter.lists.Load(); n > small {
		t.Errorf("a group of %d alerts made %d list reads in its write, a group of 3 made %d: want no more", len(ins), n, small)
	}
	for i, o := range out[:201] {
		if o.Result != status.SignalNew || !o.Applied {
			t.Fatalf("alert %d: %+v, want new and applied", i, o)
		}
	}
	if o := out[201]; o.Result != status.SignalUnknown {
		t.Errorf("resolution of an unknown alert: %+v", o)
	}
	en.wantStatus("after the group", "api", status.MajorOutage)
	en.wantStatus("after the group", "web", status.DegradedPerformance)

	// Each alert took effect in turn: the component changed with the first and the worse one.
	var moves []string
	for _, a := range en.audit("signal.apply") {
		if comp, _, _ := strings.Cut(a.Detail, " ("); !strings.HasSuffix(comp, "partial_outage → partial_outage") &&
			!strings.HasSuffix(comp, "major_outage → major_outage") {
			moves = append(moves, comp)
		}
	}
	want := []string{"api: operational → partial_outage", "api: partial_outage → major_outage", "web: operational → degraded_performance"}
	if fmt.Sprint(moves) != fmt.Sprint(want) {
		t.Errorf("component moves = %q, want %q", moves, want)
	}
	ds := en.drafts()
	if len(ds) != 2 {
		t.Fatalf("%d drafts, want one per component", len(ds))
	}
	for _, d := range ds {
		switch d.Components[0].ComponentID {
		case "api":
			if len(d.Signals) != 203 || d.Components[0].Status != status.MajorOutage || d.Impact != status.ImpactCritical {
				t.Errorf("api draft: %d signals, %s, impact %s; want all api alerts, raised to major_outage", len(d.Signals),
					d.Components[0].Status, d.Impact)
			}
		case "web":
			if len(d.Signals) != 1 {
				t.Errorf("web draft: %d signals, want 1", len(d.Signals))
			}
		}
	}

	// Resolving all but one keeps the component held by the last; resolving it returns it.
	en.clock.Advance(time.Minute)
	rest := append(group(3, "am:small", true), group(200, "am:big", true)...)
	last := rest[len(rest)-1]
	en.report(rest[:len(rest)-1]...)
	en.wantStatus("with one alert still firing", "api", status.PartialOutage)
	en.report(last)
	en.wantStatus("once all resolved", "api", status.Operational)
	en.wantStatus("once all api alerts resolved", "web", status.DegradedPerformance)
}

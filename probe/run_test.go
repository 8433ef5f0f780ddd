package probe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/probe"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// target is an HTTP server whose health a test switches, counting the checks it gets.
type target struct {
	*httptest.Server
	mode  atomic.Value // "ok", "fail", "hang", "body"
	hits  atomic.Int64
	block chan struct{}
}

func newTarget(t *testing.T) *target {
	tg := &target{block: make(chan struct{})}
	tg.mode.Store("ok")
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		switch tg.mode.Load() {
		case "fail":
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		case "hang":
			select {
			case <-tg.block:
			case <-r.Context().Done():
			}
		case "body":
			w.Write([]byte("maintenance page"))
		default:
			w.Write([]byte("healthy"))
		}
	}))
	t.Cleanup(func() { close(tg.block); tg.Close() })
	return tg
}

type runEnv struct {
	t      *testing.T
	svc    *status.Service
	clock  *status.ManualClock
	runner *probe.Runner
	probe  *status.Probe
}

func newRunEnv(t *testing.T, url string) *runEnv {
	t.Helper()
	store, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	svc := status.NewService(store, clock, nil)
	op := status.Op{Actor: status.System}
	if _, err := svc.CreateComponent(t.Context(), op, status.ComponentInput{ID: "api", Name: lang.Same("API")}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreateProbe(t.Context(), op, "api", status.ProbeInput{Kind: status.ProbeHTTP, Target: url,
		BodyContains: "healthy", Interval: 15 * time.Second, Timeout: 300 * time.Millisecond, FailAfter: 3, RecoverAfter: 2,
		Status: status.MajorOutage})
	if err != nil {
		t.Fatal(err)
	}
	return &runEnv{t: t, svc: svc, clock: clock, probe: p,
		runner: &probe.Runner{Service: svc, Checker: &probe.Checker{Now: clock.Now}}}
}

// tick moves the clock one interval on and runs the probes job once.
func (en *runEnv) tick() {
	en.t.Helper()
	en.clock.Advance(15 * time.Second)
	if err := en.runner.Run(context.Background()); err != nil {
		en.t.Fatal(err)
	}
}

func (en *runEnv) status() status.ComponentStatus {
	en.t.Helper()
	c, err := en.svc.Component(context.Background(), "api")
	if err != nil {
		en.t.Fatal(err)
	}
	return c.Status
}

func TestProbeChangesStatusAfterExactlyNFailuresAndMSuccesses(t *testing.T) {
	tg := newTarget(t)
	en := newRunEnv(t, tg.URL)
	en.tick()
	if en.status() != status.Operational || tg.hits.Load() != 1 {
		t.Fatalf("healthy: %s after %d checks", en.status(), tg.hits.Load())
	}
	// Three kinds of failure in a row: an error status, a timeout, the wrong body.
	firstFailure := en.clock.Now().Add(15 * time.Second)
	for i, mode := range []string{"fail", "hang", "body"} {
		tg.mode.Store(mode)
		en.tick()
		want := status.Operational
		if i == 2 {
			want = status.MajorOutage
		}
		if got := en.status(); got != want {
			t.Fatalf("after %d failures (%s): %s, want %s", i+1, mode, got, want)
		}
	}
	ds, err := en.svc.Drafts(context.Background())
	if err != nil || len(ds) != 1 || !ds[0].StartedAt.Equal(firstFailure) || ds[0].Source != "probe" {
		t.Fatalf("drafts %+v (%v), want one starting at the first failed check", ds, err)
	}
	// More failures change nothing; then two successes recover, not one.
	en.tick()
	tg.mode.Store("ok")
	en.tick()
	if got := en.status(); got != status.MajorOutage {
		t.Fatalf("after 1 success: %s", got)
	}
	en.tick()
	if got := en.status(); got != status.Operational {
		t.Fatalf("after 2 successes: %s", got)
	}
	// A success between failures starts the count again.
	for _, mode := range []string{"fail", "fail", "ok", "fail", "fail"} {
		tg.mode.Store(mode)
		en.tick()
		if got := en.status(); got != status.Operational {
			t.Fatalf("interrupted streak: %s", got)
		}
	}

	// Per-minute roll-ups: every check counted once, failures and latencies too.
	m, err := en.svc.ComponentMetrics(context.Background(), "api", en.clock.Now().Add(-time.Hour), en.clock.Now().Add(time.Minute), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if m.Total.Checks != int(tg.hits.Load()) || m.Total.Failures != 8 || m.Total.AvgLatency <= 0 {
		t.Errorf("metrics total %+v, want %d checks, 8 failures", m.Total, tg.hits.Load())
	}
	ps, _ := en.svc.Probes(context.Background(), "api")
	if ps[0].LastOK || ps[0].Failures != 2 || ps[0].LastError == "" {
		t.Errorf("probe state %+v", ps[0])
	}
}

func TestEachProbeRunsOncePerIntervalAcrossReplicas(t *testing.T) {
	tg := newTarget(t)
	en := newRunEnv(t, tg.URL)
	other := &probe.Runner{Service: en.svc, Checker: &probe.Checker{Now: en.clock.Now}}
	for range 4 {
		en.clock.Advance(15 * time.Second)
		// Both replicas run the job on the same tick.
		done := make(chan error, 2)
		go func() { done <- en.runner.Run(context.Background()) }()
		go func() { done <- other.Run(context.Background()) }()
		for range 2 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := tg.hits.Load(); got != 4 {
		t.Errorf("%d checks in 4 intervals on 2 replicas, want 4", got)
	}
	// A run on the same tick again finds nothing due.
	if err := other.Run(context.Background()); err != nil || tg.hits.Load() != 4 {
		t.Errorf("a second run in the interval checked again (%v)", err)
	}
}

func TestDisabledOrDeletedFailingProbeReleasesItsComponent(t *testing.T) {
	tg := newTarget(t)
	en := newRunEnv(t, tg.URL)
	tg.mode.Store("fail")
	for range 3 {
		en.tick()
	}
	if en.status() != status.MajorOutage {
		t.Fatalf("not failing: %s", en.status())
	}
	off := false
	in := status.ProbeInput{Kind: status.ProbeHTTP, Target: tg.URL, Interval: 15 * time.Second, Enabled: &off}
	if _, err := en.svc.UpdateProbe(context.Background(), status.Op{Actor: status.System}, en.probe.ID, in); err != nil {
		t.Fatal(err)
	}
	if en.status() != status.Operational {
		t.Errorf("disabled failing probe still holds api: %s", en.status())
	}
	en.tick()
	if tg.hits.Load() != 3 {
		t.Errorf("a disabled probe ran")
	}
}

package periodic

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type denyLocker struct{}

func (denyLocker) TryLock(context.Context, string) (func(), bool, error) { return nil, false, nil }

func TestRunRecordsOutcomes(t *testing.T) {
	s := New(nil, nil)
	calls := 0
	must(t, s.Add("ok", "@every 1h", 0, func(context.Context) error { calls++; return nil }))
	must(t, s.Add("fails", "@every 1h", 0, func(context.Context) error { return errors.New("boom") }))
	must(t, s.Add("panics", "@every 1h", 0, func(context.Context) error { panic("kaboom") }))
	must(t, s.RunNow("ok"))
	if err := s.RunNow("fails"); err == nil {
		t.Fatal("error swallowed")
	}
	if err := s.RunNow("panics"); err == nil || err.Error() != "panic: kaboom" {
		t.Fatalf("panic not recovered into an error: %v", err)
	}
	// The scheduler survives a panic: the job runs again.
	if err := s.RunNow("panics"); err == nil {
		t.Fatal("second run of the panicking job did not run")
	}
	st := map[string]Status{}
	for _, x := range s.Statuses() {
		st[x.Name] = x
	}
	if calls != 1 || st["ok"].Runs != 1 || st["ok"].LastError != "" || st["ok"].LastStart.IsZero() {
		t.Fatalf("ok: %+v", st["ok"])
	}
	if st["fails"].Failures != 1 || st["fails"].LastError != "boom" {
		t.Fatalf("fails: %+v", st["fails"])
	}
	if st["panics"].Failures != 2 {
		t.Fatalf("panics: %+v", st["panics"])
	}
	if err := s.RunNow("nope"); err == nil {
		t.Fatal("unknown job ran")
	}
	if err := s.Add("bad", "every now and then", 0, func(context.Context) error { return nil }); err == nil {
		t.Fatal("bad spec accepted")
	}
}

func TestSkipIfStillRunning(t *testing.T) {
	s := New(nil, nil)
	release := make(chan struct{})
	started := make(chan struct{})
	runs := 0
	must(t, s.Add("slow", "@every 1h", 0, func(context.Context) error {
		runs++
		close(started)
		<-release
		return nil
	}))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = s.RunNow("slow") }()
	<-started
	must(t, s.RunNow("slow")) // overlaps: skipped
	close(release)
	wg.Wait()
	st := s.Statuses()[0]
	if runs != 1 || st.Skipped != 1 || st.Runs != 1 {
		t.Fatalf("runs %d, status %+v; want one run and one skip", runs, st)
	}
}

func TestLockHeldElsewhere(t *testing.T) {
	s := New(nil, denyLocker{})
	ran := false
	must(t, s.Add("x", "@every 1h", 0, func(context.Context) error { ran = true; return nil }))
	must(t, s.RunNow("x"))
	if ran || s.Statuses()[0].Skipped != 1 {
		t.Fatal("a job ran without its lock")
	}
}

func TestScheduledRuns(t *testing.T) {
	s := New(nil, nil)
	done := make(chan struct{}, 10)
	must(t, s.Add("tick", "* * * * * *", 0, func(context.Context) error { done <- struct{}{}; return nil }))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	defer s.Stop()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("a every-second job did not run within 3 s")
	}
	if s.Statuses()[0].Next.IsZero() {
		t.Fatal("next run unknown")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sharedLocker is one lock table for several schedulers, as PostgreSQL's advisory locks
// are for several replicas.
type sharedLocker struct {
	mu   sync.Mutex
	held map[string]bool
}

func (l *sharedLocker) TryLock(_ context.Context, name string) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[name] {
		return nil, false, nil
	}
	l.held[name] = true
	return func() { l.mu.Lock(); delete(l.held, name); l.mu.Unlock() }, true, nil
}

// TestQuickRunHoldsItsLock: replicas fire on the same tick; one whose clock is a little
// behind must not run the job again after a quick run on another has already ended.
func TestQuickRunHoldsItsLock(t *testing.T) {
	locks := &sharedLocker{held: map[string]bool{}}
	var mu sync.Mutex
	runs := map[string]int{}
	replica := func(name string) *Scheduler {
		s := New(nil, locks)
		must(t, s.Add("tick", "*/2 * * * * *", 0, func(context.Context) error { // hold: 1 s
			mu.Lock()
			runs[name]++
			mu.Unlock()
			return nil
		}))
		return s
	}
	a, b := replica("a"), replica("b")
	must(t, a.RunNow("tick"))
	must(t, b.RunNow("tick")) // the same tick, a moment later
	mu.Lock()
	if runs["a"] != 1 || runs["b"] != 0 {
		t.Fatalf("runs on one tick: %v, want only a", runs)
	}
	mu.Unlock()
	if st := b.Statuses()[0]; st.Skipped != 1 {
		t.Fatalf("b skipped %d runs, want 1", st.Skipped)
	}
	time.Sleep(1200 * time.Millisecond) // the next tick: the lock is free again
	must(t, b.RunNow("tick"))
	mu.Lock()
	defer mu.Unlock()
	if runs["b"] != 1 {
		t.Fatalf("runs after the hold: %v, want b to run", runs)
	}
}

func TestLockHold(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 7, 0, time.UTC)
	for spec, want := range map[string]time.Duration{"*/15 * * * * *": 5 * time.Second, "*/2 * * * * *": time.Second,
		"0 5 * * * *": 5 * time.Second, "@every 4s": 2 * time.Second} {
		sched, err := specParser.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := lockHold(sched, now); got != want {
			t.Errorf("lockHold(%q) = %v, want %v", spec, got, want)
		}
	}
}

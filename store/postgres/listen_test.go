package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// bump commits a Write that bumps the revision on s.
func bump(t *testing.T, s *Store) int64 {
	t.Helper()
	var rev int64
	err := s.Write(t.Context(), func(tx status.Tx) error {
		var err error
		rev, err = tx.BumpRevision("")
		return err
	})
	if err != nil {
		t.Fatalf("bump: %v", err)
	}
	return rev
}

// next waits up to d for the next revision Listen reports.
func next(t *testing.T, revs <-chan int64, d time.Duration) int64 {
	t.Helper()
	select {
	case rev := <-revs:
		return rev
	case <-time.After(d):
		t.Fatalf("no revision within %s", d)
		return 0
	}
}

// TestListen has one replica listen while another writes: the listener learns of each
// committed bump within a second, of none that rolled back, keeps listening across
// heartbeats, and catches up after its connection is killed.
func TestListen(t *testing.T) {
	dbURL := newSchema(t)
	a, b := openTest(t, dbURL), openTest(t, dbURL)
	a.heartbeat = 100 * time.Millisecond

	revs := make(chan int64, 16)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Listen(ctx, func(rev int64, _ string) { revs <- rev }) }()

	if got := next(t, revs, 5*time.Second); got != 0 {
		t.Errorf("first revision = %d, want the current one, 0", got)
	}
	if want := bump(t, b); next(t, revs, time.Second) != want {
		t.Errorf("Listen did not report revision %d", want)
	}

	// A rolled-back bump is never announced.
	rollback := errors.New("roll back")
	err := b.Write(t.Context(), func(tx status.Tx) error {
		if _, err := tx.BumpRevision(""); err != nil {
			return err
		}
		return rollback
	})
	if err != rollback {
		t.Fatalf("Write: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // several heartbeats
	pid := a.listenPID.Load()
	if want := bump(t, b); next(t, revs, time.Second) != want {
		t.Errorf("Listen did not report revision %d after a rolled-back bump", want)
	}
	if a.listenPID.Load() != pid {
		t.Error("Listen reconnected across heartbeats")
	}

	// The connection dies; a bump commits while it is down.
	admin(t, `SELECT pg_terminate_backend($1)`, pid)
	want := bump(t, b)
	deadline := time.After(5 * time.Second)
	for got := int64(0); got != want; {
		select {
		case got = <-revs:
		case <-deadline:
			t.Fatalf("Listen did not catch up with revision %d after its connection died", want)
		}
	}
	if want := bump(t, b); next(t, revs, time.Second) != want {
		t.Errorf("Listen did not report revision %d after reconnecting", want)
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Listen returned %v after its context ended, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not return after its context ended")
	}
}

// TestListenEndsWithStore checks that closing the store ends Listen with EUNAVAILABLE.
func TestListenEndsWithStore(t *testing.T) {
	s := openTest(t, newSchema(t))
	started := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.Listen(t.Context(), func(int64, string) {
			select {
			case started <- struct{}{}:
			default:
			}
		})
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not start")
	}
	s.Close()
	select {
	case err := <-done:
		if status.ErrorCode(err) != status.EUNAVAILABLE {
			t.Errorf("Listen after Close returned %v, want EUNAVAILABLE", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not return after Close")
	}
	if err := s.Listen(t.Context(), func(int64, string) {}); status.ErrorCode(err) != status.EUNAVAILABLE {
		t.Errorf("Listen on a closed store: %v, want EUNAVAILABLE", err)
	}
}

// TestListenSkipsOwnWrites: a replica hears other replicas' writes, not its own — its own
// subscribers heard of those already, and hearing them again doubled every rebuild.
func TestListenSkipsOwnWrites(t *testing.T) {
	dbURL := newSchema(t)
	a, b := openTest(t, dbURL), openTest(t, dbURL)
	revs := make(chan int64, 16)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go a.Listen(ctx, func(rev int64, _ string) { revs <- rev })
	next(t, revs, 5*time.Second) // the current revision, once listening
	bump(t, a)
	other := bump(t, b)
	if got := next(t, revs, 2*time.Second); got != other {
		t.Fatalf("first revision heard = %d, want %d (b's write, not a's own)", got, other)
	}
	select {
	case rev := <-revs:
		t.Fatalf("heard revision %d as well", rev)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestListenCarriesTheKind: other replicas learn what changed, so a component's status
// change does not make them rebuild the ETA model; a kind that would not survive the
// payload's format arrives as "", "could be anything".
func TestListenCarriesTheKind(t *testing.T) {
	dbURL := newSchema(t)
	a, b := openTest(t, dbURL), openTest(t, dbURL)
	type heard struct {
		rev  int64
		kind string
	}
	got := make(chan heard, 16)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go a.Listen(ctx, func(rev int64, kind string) { got <- heard{rev, kind} })
	select {
	case h := <-got:
		if h.kind != "" {
			t.Errorf("the first call's kind = %q, want \"\" (it follows no particular write)", h.kind)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not start")
	}
	for _, kind := range []string{"component", "incident", "two words", ""} {
		var rev int64
		if err := b.Write(t.Context(), func(tx status.Tx) error {
			var err error
			rev, err = tx.BumpRevision(kind)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := kind
		if kind == "two words" {
			want = ""
		}
		select {
		case h := <-got:
			if h.rev != rev || h.kind != want {
				t.Errorf("heard %d %q, want %d %q", h.rev, h.kind, rev, want)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("did not hear the %q write", kind)
		}
	}
}

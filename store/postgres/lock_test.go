package postgres

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/status"
)

var _ periodic.Locker = (*Store)(nil)

// tryLock calls TryLock and fails the test on error.
func tryLock(t *testing.T, s *Store, name string) (func(), bool) {
	t.Helper()
	unlock, ok, err := s.TryLock(t.Context(), name)
	if err != nil {
		t.Fatalf("TryLock(%s): %v", name, err)
	}
	return unlock, ok
}

// TestTryLock checks the jobs lock across two replicas: exclusive per name, released by
// unlock, and released when the holder's store closes.
func TestTryLock(t *testing.T) {
	dbURL := newSchema(t)
	a, b := openTest(t, dbURL), openTest(t, dbURL)

	unlockA, ok := tryLock(t, a, "eta-watchdog")
	if !ok {
		t.Fatal("first TryLock failed")
	}
	if _, ok := tryLock(t, b, "eta-watchdog"); ok {
		t.Fatal("second replica took a held lock")
	}
	if _, ok := tryLock(t, a, "eta-watchdog"); ok {
		t.Fatal("the holder took its own lock again: each run must hold it alone")
	}
	unlockB, ok := tryLock(t, b, "sweep")
	if !ok {
		t.Fatal("TryLock of another name failed")
	}
	unlockB()
	unlockA()
	unlockA() // twice is harmless

	unlockB, ok = tryLock(t, b, "eta-watchdog")
	if !ok {
		t.Fatal("TryLock after unlock failed")
	}
	defer unlockB()
	if _, ok := tryLock(t, a, "eta-watchdog"); ok {
		t.Fatal("TryLock of a lock the other replica took back succeeded")
	}

	// The holder goes away: the other replica takes over.
	if _, ok := tryLock(t, a, "sweep"); !ok {
		t.Fatal("TryLock(sweep) failed")
	}
	a.Close()
	if _, ok := tryLock(t, b, "sweep"); !ok {
		t.Error("TryLock after the holder's store closed failed")
	}
	if _, _, err := a.TryLock(t.Context(), "x"); status.ErrorCode(err) != status.EUNAVAILABLE {
		t.Errorf("TryLock on a closed store: %v, want EUNAVAILABLE", err)
	}
}

// TestTryLockReleasedWhenConnectionDies kills the holder's connection, as a crashed replica
// would lose it: the server releases the lock and another replica takes over.
func TestTryLockReleasedWhenConnectionDies(t *testing.T) {
	dbURL := newSchema(t)
	a, b := openTest(t, dbURL), openTest(t, dbURL)
	unlock, ok := tryLock(t, a, "job")
	if !ok {
		t.Fatal("TryLock failed")
	}
	defer unlock()
	var pid uint32
	a.mu.Lock()
	for l := range a.locks {
		pid = l.conn.PgConn().PID()
	}
	a.mu.Unlock()
	admin(t, `SELECT pg_terminate_backend($1)`, pid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		unlockB, ok := tryLock(t, b, "job")
		if ok {
			unlockB()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lock outlived its connection")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLocksPerSchema checks that Candors in two schemas of one database never share a lock.
func TestLocksPerSchema(t *testing.T) {
	a, b := openTest(t, newSchema(t)), openTest(t, newSchema(t))
	for _, s := range []*Store{a, b} {
		unlock, ok := tryLock(t, s, "job")
		if !ok {
			t.Fatalf("TryLock in schema %s failed: the other schema's lock blocks it", s.schema)
		}
		defer unlock()
	}
	if a.lockKey("write") == b.lockKey("write") || a.channel == b.channel {
		t.Error("two schemas share a write lock key or a channel")
	}
}

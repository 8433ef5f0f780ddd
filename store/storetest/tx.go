package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func revision(t *testing.T, s status.Store) int64 {
	t.Helper()
	var rev int64
	read(t, s, func(tx status.Tx) error {
		var err error
		rev, err = tx.Revision()
		return err
	})
	return rev
}

func testRevision(t *testing.T, s status.Store) {
	if got := revision(t, s); got != 0 {
		t.Errorf("Revision of a new store = %d, want 0", got)
	}
	write(t, s, func(tx status.Tx) error {
		for want := int64(1); want <= 2; want++ {
			got, err := tx.BumpRevision("")
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("BumpRevision = %d, want %d", got, want)
			}
		}
		got, err := tx.Revision()
		if got != 2 {
			t.Errorf("Revision inside the Write = %d, want 2", got)
		}
		return err
	})
	if got := revision(t, s); got != 2 {
		t.Errorf("Revision = %d, want 2", got)
	}
	// RaiseRevision goes past its argument in one step, and still moves when already past.
	for _, c := range []struct{ past, want int64 }{{1, 3}, {1 << 40, 1<<40 + 1}, {5, 1<<40 + 2}} {
		write(t, s, func(tx status.Tx) error {
			got, err := tx.RaiseRevision(c.past, "")
			if got != c.want {
				t.Errorf("RaiseRevision(%d) = %d, want %d", c.past, got, c.want)
			}
			return err
		})
	}
	if got := revision(t, s); got != 1<<40+2 {
		t.Errorf("Revision = %d, want %d", got, int64(1<<40+2))
	}
}

func testWriteRollbackOnError(t *testing.T, s status.Store) {
	appErr := status.Errorf(status.ECONFLICT, "Incident already resolved.")
	sentinel := errors.New("plain failure")
	for _, fnErr := range []error{appErr, fmt.Errorf("resolve: %w", appErr), sentinel} {
		err := s.Write(wait(t), func(tx status.Tx) error {
			if err := tx.CreateComponent(newComponent("api", "API", 0)); err != nil {
				return err
			}
			if _, err := tx.BumpRevision(""); err != nil {
				return err
			}
			return fnErr
		})
		if err != fnErr {
			t.Errorf("Write returned %v, want fn's error %v unchanged", err, fnErr)
		}
	}
	var se *status.Error
	if err := s.Write(wait(t), func(status.Tx) error { return appErr }); !errors.As(err, &se) || se.Code != status.ECONFLICT {
		t.Errorf("errors.As(%v, *status.Error) failed or lost the code", err)
	}
	assertNothingWritten(t, s)
}

func testWriteRollbackOnPanic(t *testing.T, s status.Store) {
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want Write to re-panic with fn's value", p)
			}
		}()
		s.Write(wait(t), func(tx status.Tx) error {
			if err := tx.CreateComponent(newComponent("api", "API", 0)); err != nil {
				return err
			}
			if _, err := tx.BumpRevision(""); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	assertNothingWritten(t, s)
	// The store still works: the panicking transaction did not keep its connection or lock.
	ctx := timeout(t, 10*time.Second)
	if err := s.Write(ctx, func(tx status.Tx) error { return tx.CreateComponent(newComponent("web", "Web", 0)) }); err != nil {
		t.Fatalf("Write after a panic: %v", err)
	}
}

// assertNothingWritten checks that the rolled-back writes of the tests above left no trace.
func assertNothingWritten(t *testing.T, s status.Store) {
	t.Helper()
	read(t, s, func(tx status.Tx) error {
		_, err := tx.Component("api")
		wantCode(t, "component of a rolled-back Write", err, status.ENOTFOUND)
		rev, err := tx.Revision()
		if rev != 0 {
			t.Errorf("Revision after rolled-back Writes = %d, want 0", rev)
		}
		return err
	})
}

func testTxUsableAfterError(t *testing.T, s status.Store) {
	write(t, s, func(tx status.Tx) error {
		if err := tx.CreateComponent(newComponent("api", "API", 0)); err != nil {
			return err
		}
		return tx.PutIdempotency(newIdempotency("k1", "abc", base))
	})
	// The pattern the API uses: try to claim a key; on conflict, load what is there.
	write(t, s, func(tx status.Tx) error {
		err := tx.PutIdempotency(newIdempotency("k1", "abc", base))
		wantCode(t, "PutIdempotency duplicate", err, status.ECONFLICT)
		if _, err := tx.Idempotency("k1", "abc"); err != nil {
			return fmt.Errorf("Idempotency after a conflict: %w", err)
		}
		err = tx.CreateComponent(newComponent("api", "API", 0))
		wantCode(t, "CreateComponent duplicate", err, status.ECONFLICT)
		_, err = tx.Incident("nope")
		wantCode(t, "Incident missing", err, status.ENOTFOUND)
		return tx.CreateComponent(newComponent("web", "Web", 1))
	})
	read(t, s, func(tx status.Tx) error {
		_, err := tx.Component("web")
		return err
	})
}

func testReadYourWrites(t *testing.T, s status.Store) {
	write(t, s, func(tx status.Tx) error {
		if err := tx.CreateComponent(newComponent("api", "API", 0)); err != nil {
			return err
		}
		if _, err := tx.Component("api"); err != nil {
			return fmt.Errorf("Component inside the creating Write: %w", err)
		}
		if err := tx.CreateIncident(newIncident("a", base)); err != nil {
			return err
		}
		incs, err := tx.Incidents(status.IncidentFilter{Status: "open"})
		if err != nil {
			return err
		}
		if len(incs) != 1 || len(incs[0].Updates) != 1 {
			t.Errorf("Incidents inside the creating Write = %+v, want incident a with its update", incs)
		}
		return nil
	})
}

func testReadSnapshot(t *testing.T, s status.Store) {
	read(t, s, func(tx status.Tx) error {
		before, err := tx.Revision()
		if err != nil {
			return err
		}
		// A change committed while this Read runs stays invisible to it.
		write(t, s, func(tx status.Tx) error {
			if err := tx.CreateComponent(newComponent("api", "API", 0)); err != nil {
				return err
			}
			_, err := tx.BumpRevision("")
			return err
		})
		after, err := tx.Revision()
		if err != nil {
			return err
		}
		if after != before {
			t.Errorf("Revision within one Read went from %d to %d, want one snapshot", before, after)
		}
		_, err = tx.Component("api")
		wantCode(t, "component committed during the Read", err, status.ENOTFOUND)
		return nil
	})
	if got := revision(t, s); got != 1 {
		t.Errorf("Revision after the Read = %d, want 1", got)
	}
}

func testReadIsReadOnly(t *testing.T, s status.Store) {
	err := s.Read(wait(t), func(tx status.Tx) error {
		if _, err := tx.BumpRevision(""); err != nil {
			return err
		}
		return tx.CreateComponent(newComponent("api", "API", 0))
	})
	if err == nil {
		t.Error("writing inside Read succeeded, want an error")
	}
	assertNothingWritten(t, s)
}

// testConcurrentWrites runs read-decide-write transactions from several goroutines: with
// Writes serialized none is lost, and none fails with a lock error.
func testConcurrentWrites(t *testing.T, s status.Store) {
	write(t, s, func(tx status.Tx) error { return tx.CreateComponent(newComponent("counter", "Counter", 0)) })
	const workers, each = 10, 5
	ctx := timeout(t, time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				errs <- s.Write(ctx, func(tx status.Tx) error {
					c, err := tx.Component("counter")
					if err != nil {
						return err
					}
					c.Position++
					if err := tx.UpdateComponent(c); err != nil {
						return err
					}
					_, err = tx.BumpRevision("")
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Write: %v", err)
		}
	}
	read(t, s, func(tx status.Tx) error {
		c, err := tx.Component("counter")
		if err != nil {
			return err
		}
		if c.Position != workers*each {
			t.Errorf("counter = %d, want %d", c.Position, workers*each)
		}
		return nil
	})
	if got := revision(t, s); got != workers*each {
		t.Errorf("Revision = %d, want %d", got, workers*each)
	}
}

func testReadNotBlockedByWrite(t *testing.T, s status.Store) {
	inWrite, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Write(wait(t), func(tx status.Tx) error {
			if _, err := tx.BumpRevision(""); err != nil {
				return err
			}
			close(inWrite)
			<-release
			return nil
		})
	}()
	select {
	case <-inWrite:
	case err := <-done:
		t.Fatalf("Write ended early: %v", err)
	}
	err := s.Read(timeout(t, 5*time.Second), func(tx status.Tx) error {
		rev, err := tx.Revision()
		if rev != 0 {
			t.Errorf("Read during a Write saw revision %d, want 0 (uncommitted)", rev)
		}
		return err
	})
	close(release)
	if err != nil {
		t.Errorf("Read during a long Write: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got := revision(t, s); got != 1 {
		t.Errorf("Revision after the Write = %d, want 1", got)
	}
}

func testEndedContext(t *testing.T, s status.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, err := range map[string]error{
		"Write": s.Write(ctx, noCall(t)),
		"Read":  s.Read(ctx, noCall(t)),
	} {
		wantCode(t, name+" with a cancelled context", err, status.EUNAVAILABLE)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v does not wrap context.Canceled", name, err)
		}
	}
}

func testClosed(t *testing.T, s status.Store) {
	if err := s.Ping(wait(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.CheckWritable(wait(t)); err != nil {
		t.Fatalf("CheckWritable on a healthy store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wantCode(t, "Ping after Close", s.Ping(wait(t)), status.EUNAVAILABLE)
	wantCode(t, "CheckWritable after Close", s.CheckWritable(wait(t)), status.EUNAVAILABLE)
	wantCode(t, "Read after Close", s.Read(wait(t), noCall(t)), status.EUNAVAILABLE)
	wantCode(t, "Write after Close", s.Write(wait(t), noCall(t)), status.EUNAVAILABLE)
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

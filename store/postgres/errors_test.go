package postgres

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/candorstatus/candor/status"
)

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := status.ErrorCode(err); got != code {
		t.Errorf("%s: %v (code %q), want code %q", what, err, got, code)
	}
}

// TestOpenErrors checks Open's errors: a bad URL is EINVALID, a server that cannot be
// reached EUNAVAILABLE.
func TestOpenErrors(t *testing.T) {
	u, err := url.Parse(serverURL(t))
	if err != nil || u.Scheme == "" {
		t.Skip(urlEnv + " is not a URL")
	}
	u.Host = "127.0.0.1:1" // nothing listens there
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	_, err = Open(t.Context(), u.String())
	wantCode(t, "Open with no server", err, status.EUNAVAILABLE)
	_, err = Open(t.Context(), "postgres://%zz")
	wantCode(t, "Open with a bad URL", err, status.EINVALID)

	// A store whose server went away: the pool connects lazily, as after a restart.
	pool, err := pgxpool.New(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	gone := &Store{pool: pool}
	defer pool.Close()
	wantCode(t, "Ping with no server", gone.Ping(t.Context()), status.EUNAVAILABLE)
	wantCode(t, "Read with no server", gone.Read(t.Context(), func(status.Tx) error { return nil }), status.EUNAVAILABLE)

	_, err = Open(t.Context(), withSearchPath(t, serverURL(t), "candor_no_such_schema"))
	if err == nil || !strings.Contains(err.Error(), "schema") {
		t.Errorf("Open with a search_path naming no schema: %v, want an error about the schema", err)
	}
}

// TestClosedStore checks what the contract suite does not: every other entry point of a
// closed store is EUNAVAILABLE too.
func TestClosedStore(t *testing.T) {
	s := openTest(t, newSchema(t))
	s.Close()
	wantCode(t, "Migrate", s.Migrate(t.Context()), status.EUNAVAILABLE)
	_, _, err := s.TryLock(t.Context(), "job")
	wantCode(t, "TryLock", err, status.EUNAVAILABLE)
	wantCode(t, "Listen", s.Listen(t.Context(), func(int64, string) {}), status.EUNAVAILABLE)
}

// TestConnectionKilledMidWrite terminates a Write's backend, as a server restart or an
// administrator would: the next statement is EUNAVAILABLE, and the store recovers.
func TestConnectionKilledMidWrite(t *testing.T) {
	s := openTest(t, newSchema(t))
	err := s.Write(t.Context(), func(stx status.Tx) error {
		admin(t, `SELECT pg_terminate_backend($1)`, stx.(*tx).conn.PgConn().PID())
		_, err := stx.BumpRevision("")
		wantCode(t, "BumpRevision after the backend was terminated", err, status.EUNAVAILABLE)
		return err
	})
	wantCode(t, "Write", err, status.EUNAVAILABLE)
	if err := s.Write(t.Context(), func(tx status.Tx) error { _, err := tx.BumpRevision(""); return err }); err != nil {
		t.Errorf("Write after the connection was killed: %v", err)
	}
}

// TestServerDropsPool terminates every pooled connection: the store may fail the next call
// with EUNAVAILABLE, never anything else, and then works again.
func TestServerDropsPool(t *testing.T) {
	s := openTest(t, newSchema(t))
	for _, c := range s.pool.AcquireAllIdle(t.Context()) {
		admin(t, `SELECT pg_terminate_backend($1)`, c.Conn().PgConn().PID())
		c.Release()
	}
	read := func() error {
		return s.Read(t.Context(), func(tx status.Tx) error { _, err := tx.Revision(); return err })
	}
	if err := read(); err != nil {
		wantCode(t, "Read after the server dropped the pool", err, status.EUNAVAILABLE)
	}
	if err := read(); err != nil {
		t.Errorf("second Read after the server dropped the pool: %v", err)
	}
}

// TestWriteLockWaitEnds has one replica hold the write lock while another's Write waits
// with a deadline: the waiter gives up with EUNAVAILABLE, the deadline in its chain, and
// never runs fn.
func TestWriteLockWaitEnds(t *testing.T) {
	dbURL := newSchema(t)
	a, b := openTest(t, dbURL), openTest(t, dbURL)
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.Write(t.Context(), func(status.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := b.Write(ctx, func(status.Tx) error {
		t.Error("fn ran while another replica held the write lock")
		return nil
	})
	close(release)
	wantCode(t, "Write waiting for the lock past its deadline", err, status.EUNAVAILABLE)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write error %v does not wrap context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Write gave up after %s, want about its 200ms deadline", d)
	}
	if err := <-done; err != nil {
		t.Fatalf("holding Write: %v", err)
	}
	// The lock is free again for b.
	if err := b.Write(t.Context(), func(status.Tx) error { return nil }); err != nil {
		t.Errorf("Write after the holder committed: %v", err)
	}
}

// TestIdleWriteEnded has a Write's fn stall between statements while holding the write
// lock: the server ends the session after idle_in_transaction_session_timeout, the stalled
// Write fails with EUNAVAILABLE, and other replicas' writes go on meanwhile.
func TestIdleWriteEnded(t *testing.T) {
	u, err := url.Parse(newSchema(t))
	if err != nil || u.Scheme == "" {
		t.Skip(urlEnv + " is not a URL")
	}
	q := u.Query()
	q.Set("idle_in_transaction_session_timeout", "200")
	u.RawQuery = q.Encode()
	a, b := openTest(t, u.String()), openTest(t, u.String())
	stalled := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.Write(t.Context(), func(tx status.Tx) error {
			close(stalled)
			time.Sleep(time.Second)
			_, err := tx.BumpRevision("")
			return err
		})
	}()
	<-stalled
	start := time.Now()
	if err := b.Write(t.Context(), func(tx status.Tx) error { _, err := tx.BumpRevision(""); return err }); err != nil {
		t.Fatalf("Write of another replica: %v", err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the other replica waited %s, want the idle timeout's 200ms or so", d)
	}
	wantCode(t, "the stalled Write", <-done, status.EUNAVAILABLE)
}

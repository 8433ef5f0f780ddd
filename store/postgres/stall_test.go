package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/postgres/pgtest"
)

// TestStalledConnection (issue 18, defect 2): with the connection to the server stalled —
// open, but no byte passing, which no error reveals — every call ends at its deadline
// with EUNAVAILABLE instead of hanging (writes hung for minutes), also when the caller's
// context has no deadline; when the network recovers, the store works again.
func TestStalledConnection(t *testing.T) {
	dbURL := newSchema(t)
	proxy := pgtest.NewProxy(t, pgtest.ServerHost(t))
	s, err := Open(t.Context(), proxy.Through(t, dbURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.readTimeout, s.writeTimeout = 2*time.Second, time.Second
	bump := func(tx status.Tx) error { _, err := tx.BumpRevision(""); return err }
	if err := s.Write(context.Background(), bump); err != nil {
		t.Fatal(err)
	}

	proxy.Stall(true)
	for _, c := range []struct {
		name  string
		limit time.Duration
		call  func(context.Context) error
	}{
		{"Write", 3 * time.Second, func(ctx context.Context) error { return s.Write(ctx, bump) }},
		{"Read", 4 * time.Second, func(ctx context.Context) error {
			return s.Read(ctx, func(tx status.Tx) error { _, err := tx.Revision(); return err })
		}},
		{"Ping", 4 * time.Second, s.Ping},
		{"CheckWritable", 4 * time.Second, s.CheckWritable},
		{"TryLock", 3 * time.Second, func(ctx context.Context) error {
			unlock, _, err := s.TryLock(ctx, "job")
			if unlock != nil {
				unlock()
			}
			return err
		}},
	} {
		start := time.Now()
		err := c.call(context.Background()) // no deadline of the caller's own
		took := time.Since(start)
		if status.ErrorCode(err) != status.EUNAVAILABLE || took > c.limit {
			t.Errorf("%s on a stalled connection: %v after %v, want EUNAVAILABLE within %v", c.name, err, took.Round(time.Millisecond), c.limit)
		}
	}
	// A deadline of the caller's own, shorter, wins.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Write(ctx, bump); status.ErrorCode(err) != status.EUNAVAILABLE || time.Since(start) > 2*time.Second {
		t.Errorf("Write with a 300 ms deadline: %v after %v", err, time.Since(start))
	}

	proxy.Stall(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := s.Write(context.Background(), bump)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not recover after the stall: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

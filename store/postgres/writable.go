package postgres

import (
	"context"
	"fmt"

	"github.com/candorstatus/candor/status"
)

// Whether writes can be made durable: a server can answer reads and refuse every write —
// a standby after a failover (read-only), or one out of disk space (issue 18, defect 6).
// Two signals: the last real write's storage failure, kept until a write commits again,
// and a probe that begins a read-write transaction (a standby refuses it) and rolls back.

// storageFailure reports whether err means the server cannot write now.
func storageFailure(err error) bool {
	switch sqlState(err) {
	case "53100", "53200", "53400", // disk full, out of memory, configuration limit
		"25006", // read-only transaction (a standby)
		"58030": // I/O error
		return true
	}
	return false
}

// wrote records the outcome of a Write: a commit clears a failure, a storage failure
// replaces it.
func (s *Store) wrote(err error) {
	if err == nil {
		s.writeFailure.Store(nil)
	} else if storageFailure(err) {
		s.writeFailure.Store(&err)
	}
}

// CheckWritable reports nil when a write can be made durable now, else EUNAVAILABLE with
// the reason.
func (s *Store) CheckWritable(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed()
	}
	if f := s.writeFailure.Load(); f != nil {
		return notWritable(*f)
	}
	ctx, cancel := withDeadline(ctx, s.readTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return dbError(ctx, err, true, "check writable")
	}
	defer conn.Release()
	// Simple protocol, one round trip; a standby refuses READ WRITE at BEGIN (25006).
	if _, err := conn.Exec(ctx, `BEGIN READ WRITE; ROLLBACK`); err != nil {
		rollback(ctx, conn.Conn())
		if storageFailure(err) {
			return notWritable(err)
		}
		return dbError(ctx, err, true, "check writable")
	}
	return nil
}

func notWritable(err error) error {
	what := "the database cannot be written"
	switch sqlState(err) {
	case "53100":
		what = "the database server's disk is full"
	case "25006":
		what = "the database is read-only (a standby?)"
	}
	e := &status.Error{Code: status.EUNAVAILABLE, Message: "Writes are failing: " + what + "."}
	return fmt.Errorf("check writable: %w: %w", e, err)
}

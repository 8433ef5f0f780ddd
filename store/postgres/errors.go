package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/candorstatus/candor/status"
)

// unavailableMessage is what a client reads when the database is down; details stay in
// the wrapped error for the log.
const unavailableMessage = "The database is unavailable; try again later."

// errClosed is the error for any use of a closed store.
func errClosed() error {
	return &status.Error{Code: status.EUNAVAILABLE, Message: unavailableMessage + " (store closed)"}
}

// unavailable returns an EUNAVAILABLE *status.Error that still wraps err, so both
// errors.As(&*status.Error) and errors.Is(err, context.Canceled) work.
func unavailable(err error, format string, args ...any) error {
	e := &status.Error{Code: status.EUNAVAILABLE, Message: unavailableMessage}
	return fmt.Errorf("%s: %w: %w", fmt.Sprintf(format, args...), e, err)
}

// dbError wraps err from the database with context: EUNAVAILABLE when the database could
// not be used (or ctx ended), ECONFLICT for a unique violation no caller expected, EINVALID
// for text PostgreSQL cannot store, and a plain wrapped error otherwise. write says whether
// the statement ran in a Write, where a read-only server means a failover, not a bug.
func dbError(ctx context.Context, err error, write bool, format string, args ...any) error {
	if isUnavailable(ctx, err, write) {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = errors.Join(err, cerr) // keep the context's error in the chain
		}
		return unavailable(err, format, args...)
	}
	what := fmt.Sprintf(format, args...)
	switch sqlState(err) {
	case "23505": // unique_violation
		return fmt.Errorf("%s: %w: %w", what, status.Errorf(status.ECONFLICT, "The record already exists."), err)
	case "22021", "22P05", "54000": // bad UTF-8 or a NUL byte; an index entry too large
		return fmt.Errorf("%s: %w: %w", what, status.Errorf(status.EINVALID, "The database cannot store this text."), err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isUnavailable reports whether err means the database cannot be used right now, as
// opposed to a bug or bad data: the context ended, the pool or connection is closed or
// broken, or the server is shutting down, starting, overloaded, out of disk or (in a Write)
// read-only.
func isUnavailable(ctx context.Context, err error, write bool) bool {
	if ctx != nil && ctx.Err() != nil {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.Timeout(err) {
		return true
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) {
		return true
	}
	// puddle's ErrClosedPool, without importing puddle for it.
	if strings.Contains(err.Error(), "closed pool") {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Severity == "FATAL" || pe.Severity == "PANIC") {
		return true // the server ended the session
	}
	code := sqlState(err)
	switch {
	case code == "":
		return false
	case strings.HasPrefix(code, "08"), // connection exception
		strings.HasPrefix(code, "53"),    // insufficient resources: disk full, too many connections
		strings.HasPrefix(code, "58"),    // system error: I/O
		strings.HasPrefix(code, "57P"),   // admin or crash shutdown, cannot connect now
		code == "57014",                  // query canceled (statement_timeout)
		code == "40001", code == "40P01", // serialization failure, deadlock: try again
		code == "55P03": // lock not available (lock_timeout)
		return true
	case code == "25006": // read-only transaction: a Write on a standby after a failover
		return write
	}
	return false
}

// sqlState returns the SQLSTATE of the server error in err's chain, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// violation returns the constraint a unique (23505) or foreign key (23503) violation in
// err's chain broke, and whether there was one.
func violation(err error, code string) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == code {
		return pe.ConstraintName, true
	}
	return "", false
}

// isUnique reports whether err is a unique or primary key violation of constraint (any
// constraint when none is named).
func isUnique(err error, constraint ...string) bool {
	name, ok := violation(err, "23505")
	return ok && (len(constraint) == 0 || name == constraint[0])
}

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool {
	_, ok := violation(err, "23503")
	return ok
}

// notFound returns an ENOTFOUND error with a message a person can read.
func notFound(format string, args ...any) error {
	return status.Errorf(status.ENOTFOUND, format, args...)
}

// conflict returns an ECONFLICT error with a message a person can read.
func conflict(format string, args ...any) error {
	return status.Errorf(status.ECONFLICT, format, args...)
}

// invalid returns an EINVALID error about one input field.
func invalid(field, problem, message string) error {
	return &status.Error{Code: status.EINVALID, Message: message, Fields: map[string]string{field: problem}}
}

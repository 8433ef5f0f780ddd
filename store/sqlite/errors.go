package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

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
// not be reached (or ctx ended), a plain wrapped error otherwise.
func dbError(ctx context.Context, err error, format string, args ...any) error {
	if isUnavailable(ctx, err) {
		return unavailable(err, format, args...)
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
}

// isUnavailable reports whether err means the database cannot be used right now, as
// opposed to a bug or bad data: the context ended, the store or connection is closed, the
// file is locked by another process, gone or unreadable.
func isUnavailable(ctx context.Context, err error) bool {
	if ctx != nil && ctx.Err() != nil {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	// database/sql does not export its "database is closed" error.
	if strings.Contains(err.Error(), "sql: database is closed") {
		return true
	}
	code, ok := sqliteCode(err)
	if !ok {
		return false
	}
	switch code & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_PROTOCOL,
		sqlite3.SQLITE_INTERRUPT:
		return true
	}
	// A write to a file deleted or renamed under us.
	return code == sqlite3.SQLITE_READONLY_DBMOVED
}

// sqliteCode returns the extended SQLite result code in err's chain.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

// isUnique reports whether err is a primary key or unique constraint violation.
func isUnique(err error) bool {
	code, _ := sqliteCode(err)
	return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isPrimaryKey reports whether err is a primary key violation.
func isPrimaryKey(err error) bool {
	code, _ := sqliteCode(err)
	return code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool {
	code, _ := sqliteCode(err)
	return code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// notFound returns an ENOTFOUND error with a message a person can read.
func notFound(format string, args ...any) error {
	return status.Errorf(status.ENOTFOUND, format, args...)
}

// conflict returns an ECONFLICT error with a message a person can read.
func conflict(format string, args ...any) error {
	return status.Errorf(status.ECONFLICT, format, args...)
}

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/candorstatus/candor/status"
	sqlite3 "modernc.org/sqlite/lib"
)

// Whether writes can be made durable. Reads keep working on a full disk or a file system
// remounted read-only, so Ping cannot tell (issue 18, defect 6: /readyz said ok while
// every write failed). Two signals: the last real write's storage failure, kept until a
// write commits again, and a probe — a write that changes nothing, through the committer —
// run at most once per probeEvery.
const probeEvery = time.Second

// writability is the Store's record of both.
type writability struct {
	mu         sync.Mutex
	failure    error // the last storage failure of a real write; nil after a commit
	probed     time.Time
	probeError error
}

// storageFailure reports whether err means the database file cannot be written: full,
// read-only, or an I/O error writing it.
func storageFailure(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	code, ok := sqliteCode(err)
	if !ok {
		return false
	}
	switch code & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}

// wrote records the outcome of a transaction the committer ran: a commit clears a failure,
// a storage failure replaces it.
func (w *writability) wrote(err error) {
	if err != nil && !storageFailure(err) {
		return
	}
	w.mu.Lock()
	w.failure = err
	w.mu.Unlock()
}

// CheckWritable reports nil when a write can be made durable now, else EUNAVAILABLE with
// the reason: the last write failed for want of space or permission and none has
// committed since, or a probe write failed.
func (s *Store) CheckWritable(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed()
	}
	w := &s.writable
	w.mu.Lock()
	failure := w.failure
	due := time.Since(w.probed) >= probeEvery
	probeErr := w.probeError
	w.mu.Unlock()
	if failure != nil {
		return notWritable(failure)
	}
	if due {
		probeErr = s.probe(ctx)
		w.mu.Lock()
		w.probed, w.probeError = time.Now(), probeErr
		w.mu.Unlock()
	}
	if probeErr != nil {
		return notWritable(probeErr)
	}
	return nil
}

// probe writes a change that changes nothing: the page is still written to the WAL and
// fsynced, which a read-only or failing file system refuses.
func (s *Store) probe(ctx context.Context) error {
	return s.write(ctx, func(t status.Tx) error {
		if _, err := t.(*tx).exec(`UPDATE meta SET revision = revision WHERE id = 1`); err != nil {
			return t.(*tx).fail(err, "probe write")
		}
		return nil
	}, true)
}

func notWritable(err error) error {
	what := "the database cannot be written"
	switch code, _ := sqliteCode(err); {
	case code&0xff == sqlite3.SQLITE_FULL, errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		what = "the disk is full"
	case code&0xff == sqlite3.SQLITE_READONLY, errors.Is(err, syscall.EROFS):
		what = "the database or its file system is read-only"
	}
	e := &status.Error{Code: status.EUNAVAILABLE, Message: "Writes are failing: " + what + "."}
	return fmt.Errorf("check writable: %w: %w", e, err)
}

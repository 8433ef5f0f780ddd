// Package sqlite is Candor's default store: status.Store on one SQLite file, through the
// pure-Go modernc.org/sqlite driver.
//
// It owns the database file, its schema (the embedded migrations) and the mapping between
// rows and the domain types. Writes go through one connection and start with BEGIN
// IMMEDIATE, so Go queues writers instead of SQLite failing them with SQLITE_BUSY; reads use
// a pool of query-only connections that, in WAL mode, never wait for the writer.
//
// Times are stored as microseconds since the Unix epoch (the precision PostgreSQL keeps),
// truncated on write, and read back in UTC; the zero time is stored as NULL.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/candorstatus/candor/status"
)

// busyTimeout is how long a statement waits for a lock another process holds (a backup, a
// second Candor on the same file) before failing with EUNAVAILABLE.
const busyTimeout = 10 * time.Second

// Store is a status.Store backed by one SQLite file. It is safe for concurrent use.
type Store struct {
	path string
	// writer has exactly one connection: SQLite allows one writer at a time, and queueing
	// in database/sql honours the caller's context where SQLite's lock would not.
	writer *sql.DB
	// reader has several query-only connections for Read.
	reader *sql.DB
	// file is the database file as opened. SQLite keeps using an open file after it is
	// deleted or replaced, so writes would be acknowledged and then lost: Write and Ping
	// check the path still names this file.
	file   os.FileInfo
	closed atomic.Bool

	// writes queue Write's requests for the committer (see write.go); stop ends it and
	// committed is closed when it has.
	writes    chan *writeReq
	stop      chan struct{}
	committed chan struct{}
	// writable tracks whether writes can be made durable (see writable.go).
	writable writability
}

var _ status.Store = (*Store)(nil)

// Open opens the database at path, creating it and its parent directory if missing, and
// brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.Contains(path, "?") || strings.HasPrefix(path, "file:") {
		return nil, status.Errorf(status.EINVALID, "Invalid database path %q: give a plain file path.", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	// Create the file owner-only before SQLite does: it holds API key hashes. SQLite gives
	// the -wal and -shm files the database file's permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}

	writer, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := runMigrations(ctx, writer, migrationFiles()); err != nil {
		writer.Close()
		return nil, dbError(ctx, err, "migrate database %s", path)
	}

	reader, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	if err := reader.PingContext(ctx); err != nil {
		reader.Close()
		writer.Close()
		return nil, dbError(ctx, err, "open database %s", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{path: path, writer: writer, reader: reader, file: fi,
		writes: make(chan *writeReq, maxBatch), stop: make(chan struct{}), committed: make(chan struct{})}
	go s.commit()
	return s, nil
}

// dsn returns the data source name for path. The driver applies its parameters to every
// connection it opens, so each pooled connection gets the same settings. synchronous=FULL
// makes every commit durable (fsynced) before Write returns.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	if readOnly {
		q.Set("_query_only", "on")
	} else {
		// Take the write lock at BEGIN: a transaction that reads and then writes never has
		// to upgrade its lock, which is where SQLite would fail with SQLITE_BUSY.
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// Close closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.stop)
	<-s.committed // the transaction under way, if any, is finished
	// Readers first: the last connection to close checkpoints the WAL into the database.
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// Ping reports whether the database file is there and readable; every failure is
// EUNAVAILABLE.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed()
	}
	if err := s.checkFile(); err != nil {
		return unavailable(err, "ping database")
	}
	var rev int64
	if err := s.reader.QueryRowContext(ctx, `SELECT revision FROM meta WHERE id = 1`).Scan(&rev); err != nil {
		return unavailable(err, "ping database")
	}
	return nil
}

// Read runs fn in a read-only transaction on a snapshot of the database.
func (s *Store) Read(ctx context.Context, fn func(status.Tx) error) error {
	if s.closed.Load() {
		return errClosed()
	}
	sqlTx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return dbError(ctx, err, "begin read")
	}
	// Nothing to commit: rolling back just releases the snapshot.
	defer sqlTx.Rollback()
	return fn(&tx{ctx: ctx, tx: sqlTx})
}

// checkFile reports an error unless the path still names the file Open opened.
func (s *Store) checkFile() error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	if !os.SameFile(fi, s.file) {
		return fmt.Errorf("database file %s was replaced: restart to open the new one", s.path)
	}
	return nil
}

// tx implements status.Tx on a database transaction: a *sql.Tx for Read, the committer's
// connection inside its transaction for Write.
type tx struct {
	ctx context.Context
	tx  runner
}

// runner is what *sql.Tx and *sql.Conn share.
type runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, query, args...)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// execOne runs a statement that must change exactly one row; it reports false when it
// changed none.
func (t *tx) execOne(query string, args ...any) (bool, error) {
	res, err := t.exec(query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// fail wraps a database error with context, as EUNAVAILABLE when the database could not
// be reached.
func (t *tx) fail(err error, format string, args ...any) error {
	return dbError(t.ctx, err, format, args...)
}

// Revision returns the public revision.
func (t *tx) Revision() (int64, error) {
	var rev int64
	if err := t.queryRow(`SELECT revision FROM meta WHERE id = 1`).Scan(&rev); err != nil {
		return 0, t.fail(err, "load revision")
	}
	return rev, nil
}

// RaiseRevision bumps the public revision to at least past+1 and returns the new value.
func (t *tx) RaiseRevision(past int64, _ string) (int64, error) {
	var rev int64
	err := t.queryRow(`UPDATE meta SET revision = MAX(revision + 1, ?) WHERE id = 1 RETURNING revision`, past+1).Scan(&rev)
	if err != nil {
		return 0, t.fail(err, "raise revision")
	}
	return rev, nil
}

// BumpRevision increments the public revision and returns the new value. kind has no
// reader here: a SQLite store has one process.
func (t *tx) BumpRevision(string) (int64, error) {
	var rev int64
	err := t.queryRow(`UPDATE meta SET revision = revision + 1 WHERE id = 1 RETURNING revision`).Scan(&rev)
	if err != nil {
		return 0, t.fail(err, "bump revision")
	}
	return rev, nil
}

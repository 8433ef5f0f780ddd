// Package postgres is Candor's store for several replicas: status.Store on one PostgreSQL
// database (or one schema of it, chosen by the connection's search_path), through pgx.
//
// It owns the schema (the embedded migrations, applied at Open under a session advisory
// lock so replicas starting together apply each once) and the mapping between rows and the
// domain types. It mirrors store/sqlite, and passes the same contract suite:
//
//   - Read runs in a REPEATABLE READ READ ONLY transaction: one snapshot, no writes, never
//     waiting for a writer.
//   - Write starts a READ COMMITTED transaction that first takes a transaction-level
//     advisory lock, so writes from every replica are serialized like SQLite's single
//     writer, and each statement after the lock sees every earlier write. Within a process,
//     writers queue in Go before taking a connection, so they never starve readers of
//     pooled connections.
//   - A failed method leaves the transaction usable, so fn may handle the error and go on:
//     statements that can fail on the data (unique and foreign keys) run under a savepoint,
//     or, on hot paths, check the condition themselves (ON CONFLICT DO NOTHING, WHERE
//     EXISTS) and need none.
//   - BumpRevision notifies the revision channel; Listen tells other replicas. TryLock is a
//     session advisory lock on a connection of its own, for the jobs scheduler.
//
// Advisory lock keys and the notification channel are derived from the schema's name, so
// Candors in different schemas of one database never block or wake each other.
//
// Times are timestamptz, truncated to the microsecond on write and read back in UTC; the
// zero time is stored as NULL.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/candorstatus/candor/status"
)

// cleanupTimeout bounds a rollback or unlock that runs after the caller's context ended.
const cleanupTimeout = 5 * time.Second

// idleInTransactionTimeout is the server setting (milliseconds) Open applies unless the URL
// sets it: a transaction left idle that long, say by a Write whose fn hangs between
// statements, is ended by the server, so one stuck replica cannot hold the write lock of
// every replica for ever.
const idleInTransactionTimeout = "300000"

// Every store call has a deadline (issue 18, defect 2: with the connection stalled — not
// reset — writes hung for minutes). A call whose context has none gets the default for
// its kind; a caller that needs longer (an export reading everything) gives its context a
// deadline of its own. When a deadline passes, pgx sets it on the socket, the call fails
// with EUNAVAILABLE (a 503) and the connection is dropped. The server's statement_timeout
// (unless the URL sets it) backs this up for work the server does after we gave up, and
// the connect timeout bounds dialling and the start-up exchange.
const (
	defaultReadTimeout      = 10 * time.Second
	defaultWriteTimeout     = 5 * time.Second
	defaultConnectTimeout   = 5 * time.Second
	defaultStatementTimeout = "30000" // milliseconds
)

// withDeadline returns ctx with a deadline d from now unless it already has one.
func withDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// Store is a status.Store on a PostgreSQL database. It is safe for concurrent use.
type Store struct {
	pool       *pgxpool.Pool
	connConfig *pgx.ConnConfig // for the connections Listen and TryLock hold on their own
	schema     string

	// beginWrite starts a Write: the transaction and its advisory lock in one round trip.
	beginWrite string
	migrateKey int64
	channel    string // revision notifications
	// origin tells this store's own notifications from other replicas' (see Listen).
	origin string

	// writer queues this process's writers before they take a pooled connection: only one
	// at a time can hold the write lock anyway.
	writer chan struct{}

	// done is closed by Close; it ends Listen and the locks TryLock holds.
	done      chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool

	mu    sync.Mutex
	locks map[*heldLock]struct{}

	// heartbeat is how long Listen waits for news before it pings its connection.
	heartbeat time.Duration
	// listenPID is the backend of Listen's connection (0: none), for tests that kill it.
	listenPID atomic.Uint32
	// readTimeout and writeTimeout are the defaults of withDeadline (tests shorten them).
	readTimeout, writeTimeout time.Duration
	// writeFailure is the last Write's storage failure, until one commits (writable.go).
	writeFailure atomic.Pointer[error]
}

var _ status.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value string; pgxpool's
// pool_* parameters apply), brings the schema up to date and returns the store. The schema
// is the first existing one of the connection's search_path (set it with search_path=name
// in the URL, or options=-c%20search_path%3Dname). Unless the URL sets them, connections
// are named "candor" in pg_stat_activity and the server ends a transaction idle for five
// minutes (idle_in_transaction_session_timeout).
//
// Connect directly or through a session-mode pooler: advisory locks, LISTEN and prepared
// statements need the same server session throughout.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The error text masks passwords.
		return nil, fmt.Errorf("%w: %w", status.Errorf(status.EINVALID, "Invalid PostgreSQL URL."), err)
	}
	params := cfg.ConnConfig.RuntimeParams
	if _, ok := params["application_name"]; !ok {
		params["application_name"] = "candor"
	}
	if _, ok := params["idle_in_transaction_session_timeout"]; !ok {
		params["idle_in_transaction_session_timeout"] = idleInTransactionTimeout
	}
	if _, ok := params["statement_timeout"]; !ok {
		params["statement_timeout"] = defaultStatementTimeout
	}
	if cfg.ConnConfig.ConnectTimeout == 0 { // connect_timeout in the URL wins
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, dbError(ctx, err, false, "open database")
	}
	s := &Store{pool: pool, connConfig: cfg.ConnConfig, writer: make(chan struct{}, 1),
		done: make(chan struct{}), locks: map[*heldLock]struct{}{}, heartbeat: defaultHeartbeat,
		readTimeout: defaultReadTimeout, writeTimeout: defaultWriteTimeout}
	ctx, cancel := withDeadline(ctx, time.Minute) // migrations included
	defer cancel()
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// init finds the schema and derives the lock keys and the channel from it.
func (s *Store) init(ctx context.Context) error {
	var schema *string
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return dbError(ctx, err, false, "open database")
	}
	if schema == nil {
		return errors.New("open database: no schema of the search_path exists: create it first")
	}
	s.schema = *schema
	s.beginWrite = `BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE; SELECT pg_advisory_xact_lock(` +
		strconv.FormatInt(s.lockKey("write"), 10) + `)`
	s.migrateKey = s.lockKey("migrate")
	s.channel = revisionChannel(s.schema)
	s.origin = newOrigin()
	return nil
}

// lockKey returns the advisory lock key for what in this store's schema.
func (s *Store) lockKey(what string) int64 {
	h := fnv.New64a()
	h.Write([]byte("candor\x00" + s.schema + "\x00" + what))
	return int64(h.Sum64())
}

// Close closes the store: it ends Listen, releases the locks TryLock holds and closes the
// pool, waiting for running transactions. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.done)
		s.mu.Lock()
		locks := make([]*heldLock, 0, len(s.locks))
		for l := range s.locks {
			locks = append(locks, l)
		}
		s.mu.Unlock()
		for _, l := range locks {
			l.release()
		}
		s.pool.Close()
	})
	return nil
}

// Ping reports whether the database is reachable and migrated; every failure is
// EUNAVAILABLE.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed()
	}
	ctx, cancel := withDeadline(ctx, s.readTimeout)
	defer cancel()
	var rev int64
	if err := s.pool.QueryRow(ctx, `SELECT revision FROM meta WHERE id = 1`).Scan(&rev); err != nil {
		return unavailable(err, "ping database")
	}
	return nil
}

// Read runs fn in a read-only transaction on one snapshot of the database.
func (s *Store) Read(ctx context.Context, fn func(status.Tx) error) error {
	if s.closed.Load() {
		return errClosed()
	}
	ctx, cancel := withDeadline(ctx, s.readTimeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return unavailable(err, "begin read")
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return dbError(ctx, err, false, "begin read")
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
		return dbError(ctx, err, false, "begin read")
	}
	// Nothing to commit: rolling back just releases the snapshot.
	defer rollback(ctx, conn.Conn())
	return fn(&tx{ctx: ctx, conn: conn.Conn(), s: s})
}

// Write runs fn in a read-write transaction. Writes are serialized across every replica;
// fn must not call Write itself. The transaction commits when fn returns nil and rolls back
// when fn returns an error (returned unchanged) or panics (the panic goes on).
func (s *Store) Write(ctx context.Context, fn func(status.Tx) error) error {
	if s.closed.Load() {
		return errClosed()
	}
	ctx, cancel := withDeadline(ctx, s.writeTimeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return unavailable(err, "begin write")
	}
	select {
	case s.writer <- struct{}{}:
		defer func() { <-s.writer }()
	case <-ctx.Done():
		return unavailable(ctx.Err(), "begin write")
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return dbError(ctx, err, true, "begin write")
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, s.beginWrite); err != nil {
		rollback(ctx, conn.Conn())
		return dbError(ctx, err, true, "begin write")
	}
	done := false
	defer func() {
		if !done { // fn failed or panicked
			rollback(ctx, conn.Conn())
		}
	}()
	if err := fn(&tx{ctx: ctx, conn: conn.Conn(), s: s, write: true}); err != nil {
		if storageFailure(err) {
			s.wrote(err)
		}
		return err
	}
	done = true
	tag, err := conn.Exec(ctx, `COMMIT`)
	if err != nil {
		s.wrote(err)
		return dbError(ctx, err, true, "commit")
	}
	if tag.String() == "ROLLBACK" {
		return errors.New("commit: the transaction was rolled back after a statement failed")
	}
	s.wrote(nil)
	return nil
}

// rollback ends the transaction on conn, even after ctx ended. If it cannot, the pool
// drops the connection (it is not idle), and the server rolls back when it goes.
func rollback(ctx context.Context, conn *pgx.Conn) {
	if conn.IsClosed() || conn.PgConn().TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	conn.Exec(ctx, `ROLLBACK`)
}

// tx implements status.Tx on a transaction of one connection.
type tx struct {
	ctx   context.Context
	conn  *pgx.Conn
	s     *Store
	write bool
}

func (t *tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	return t.conn.Exec(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(t.ctx, query, args...)
}

func (t *tx) queryRow(query string, args ...any) pgx.Row {
	return t.conn.QueryRow(t.ctx, query, args...)
}

// execOne runs a statement that must change a row; it reports false when it changed none.
func (t *tx) execOne(query string, args ...any) (bool, error) {
	tag, err := t.exec(query, args...)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// send runs the statements queued in b in one round trip, calling their callbacks in order.
func (t *tx) send(b *pgx.Batch) error {
	return t.conn.SendBatch(t.ctx, b).Close()
}

// fail wraps a database error with context, as EUNAVAILABLE when the database could not
// be used.
func (t *tx) fail(err error, format string, args ...any) error {
	return dbError(t.ctx, err, t.write, format, args...)
}

// atomically runs fn inside a savepoint: when fn fails, whatever it wrote is undone and the
// transaction goes on as before fn, instead of refusing every later statement. A Read
// cannot write, so there fn runs as it is.
func (t *tx) atomically(fn func() error) error {
	if !t.write {
		return fn()
	}
	if _, err := t.exec(`SAVEPOINT atomically`); err != nil {
		return t.fail(err, "begin savepoint")
	}
	if err := fn(); err != nil {
		// One round trip, in the simple protocol: no arguments.
		if _, rerr := t.exec(`ROLLBACK TO SAVEPOINT atomically; RELEASE SAVEPOINT atomically`); rerr != nil {
			return errors.Join(err, t.fail(rerr, "roll back to savepoint"))
		}
		return err
	}
	if _, err := t.exec(`RELEASE SAVEPOINT atomically`); err != nil {
		return t.fail(err, "release savepoint")
	}
	return nil
}

// Revision returns the public revision.
func (t *tx) Revision() (int64, error) {
	var rev int64
	if err := t.queryRow(`SELECT revision FROM meta WHERE id = 1`).Scan(&rev); err != nil {
		return 0, t.fail(err, "load revision")
	}
	return rev, nil
}

// RaiseRevision bumps the public revision to at least past+1 and notifies like BumpRevision.
func (t *tx) RaiseRevision(past int64, kind string) (int64, error) {
	var rev int64
	err := t.queryRow(`WITH bumped AS (UPDATE meta SET revision = GREATEST(revision + 1, $4::bigint) WHERE id = 1 RETURNING revision)
		SELECT revision FROM bumped, pg_notify($1, revision::text || ' ' || $2 || ' ' || $3)`,
		t.s.channel, t.s.origin, notifyKind(kind), past+1).Scan(&rev)
	if err != nil {
		return 0, t.fail(err, "raise revision")
	}
	return rev, nil
}

// BumpRevision increments the public revision, returns the new value and notifies the
// revision channel, which delivers on commit (and never for a rolled-back Write). The
// notification is "REVISION ORIGIN KIND", so Listen can tell this store's own from others'
// and say what changed.
func (t *tx) BumpRevision(kind string) (int64, error) {
	var rev int64
	err := t.queryRow(`WITH bumped AS (UPDATE meta SET revision = revision + 1 WHERE id = 1 RETURNING revision)
		SELECT revision FROM bumped, pg_notify($1, revision::text || ' ' || $2 || ' ' || $3)`,
		t.s.channel, t.s.origin, notifyKind(kind)).Scan(&rev)
	if err != nil {
		return 0, t.fail(err, "bump revision")
	}
	return rev, nil
}

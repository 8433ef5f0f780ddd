package postgres

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// heldLock is a session advisory lock and the connection that holds it.
type heldLock struct {
	s    *Store
	conn *pgx.Conn
	key  int64
	once sync.Once
}

// release unlocks and closes the connection, once; later calls wait for the first.
func (l *heldLock) release() {
	l.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		// Unlock before closing: the server drops a closed session's locks only once its
		// backend has gone, and another replica may be trying right now.
		l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, l.key)
		l.conn.Close(ctx)
		l.s.mu.Lock()
		delete(l.s.locks, l)
		l.s.mu.Unlock()
	})
}

// TryLock takes the lock called name for this store's schema if no session holds it, and
// reports ok=false, without waiting, if one does. It implements jobs.Locker, so each
// periodic job runs on one replica at a time.
//
// The lock is a session advisory lock on a connection of its own, held until unlock is
// called or the store closes; if the replica dies, or its connection does, the server
// releases the lock and another replica takes over. (So a replica that loses its
// connection mid-job may overlap for the rest of that run with the one that takes over.)
// ctx bounds taking the lock, not holding it.
func (s *Store) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	if s.closed.Load() {
		return nil, false, errClosed()
	}
	ctx, cancel := withDeadline(ctx, s.writeTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, withAppName(s.connConfig, "lock"))
	if err != nil {
		return nil, false, dbError(ctx, err, false, "lock %s: connect", name)
	}
	l := &heldLock{s: s, conn: conn, key: s.lockKey("job\x00" + name)}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, l.key).Scan(&ok); err != nil || !ok {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		conn.Close(closeCtx)
		if err != nil {
			return nil, false, dbError(ctx, err, false, "lock %s", name)
		}
		return nil, false, nil
	}
	s.mu.Lock()
	if s.closed.Load() { // Close has already released the locks it knew of
		s.mu.Unlock()
		l.release()
		return nil, false, errClosed()
	}
	s.locks[l] = struct{}{}
	s.mu.Unlock()
	return l.release, true, nil
}

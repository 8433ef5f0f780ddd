package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/candorstatus/candor/status"
)

// Group commit. SQLite has one writer, and a commit costs more than the writes it makes
// durable (a WAL append and an fsync; 3–5 ms under load against well under 1 ms for an
// incident update, issue 18). So one goroutine, the committer, runs every Write: it takes
// the writes waiting when it starts a transaction, and those that arrive while it runs
// them, each inside a savepoint of its own, and commits them together. Each fn still sees
// the writes before it and fails alone — its savepoint is rolled back, the others commit —
// and no Write returns success before the commit that made it durable. With one writer at
// a time nothing changes; with five writers queued, five writes cost one commit instead of
// five, and each waits for one transaction instead of four.
const (
	// maxBatch bounds the writes in one transaction, and maxBatchTime how long the first of
	// them waits for its commit while later ones are added.
	maxBatch     = 64
	maxBatchTime = 50 * time.Millisecond
)

// Request states: the committer and a caller whose context ended race to move a queued
// request on; whoever moves it first decides whether fn runs.
const (
	queued int32 = iota
	running
	abandoned
)

type writeReq struct {
	ctx   context.Context
	fn    func(status.Tx) error
	probe bool // CheckWritable's probe: its commit does not clear a write failure
	state atomic.Int32
	done  chan writeResult // buffered: the committer never waits for the caller
}

type writeResult struct {
	err      error
	panicked bool
	panicVal any
}

// Write runs fn in a read-write transaction. Writes are serialized; fn must not call Write
// itself. fn's writes are durable (committed and fsynced) when Write returns nil. When fn
// returns an error (returned unchanged) or panics (the panic goes on in the caller), its
// writes are rolled back. ctx bounds the wait for the writer as well as fn's statements.
func (s *Store) Write(ctx context.Context, fn func(status.Tx) error) error {
	return s.write(ctx, fn, false)
}

func (s *Store) write(ctx context.Context, fn func(status.Tx) error, probe bool) error {
	if s.closed.Load() {
		return errClosed()
	}
	if err := ctx.Err(); err != nil {
		return unavailable(err, "begin write")
	}
	req := &writeReq{ctx: ctx, fn: fn, probe: probe, done: make(chan writeResult, 1)}
	select {
	case s.writes <- req:
	case <-ctx.Done():
		return unavailable(ctx.Err(), "begin write")
	case <-s.stop:
		return errClosed()
	}
	var res writeResult
	select {
	case res = <-req.done:
	case <-ctx.Done():
		if req.state.CompareAndSwap(queued, abandoned) {
			return unavailable(ctx.Err(), "begin write") // fn never runs
		}
		res = <-req.done // it is running: its outcome decides
	}
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

// commit is the committer: it runs the queued writes until Close.
func (s *Store) commit() {
	defer close(s.committed)
	for {
		select {
		case req := <-s.writes:
			s.batch(req)
		case <-s.stop:
			for {
				select {
				case req := <-s.writes:
					req.done <- writeResult{err: errClosed()}
				default:
					return
				}
			}
		}
	}
}

// batch runs first and the writes queued behind it in one transaction.
func (s *Store) batch(first *writeReq) {
	if !first.state.CompareAndSwap(queued, running) {
		return
	}
	// The transaction is the committer's, on its connection, begun and ended by hand: no
	// one caller's context may end it while other writes are inside. first's context bounds
	// the wait for the lock (another process may hold it, busyTimeout), each fn's context
	// its own statements.
	conn, err := s.writer.Conn(first.ctx)
	if err != nil {
		first.done <- writeResult{err: dbError(first.ctx, err, "begin write")}
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(first.ctx, `BEGIN IMMEDIATE`); err != nil {
		first.done <- writeResult{err: dbError(first.ctx, err, "begin write")}
		return
	}
	start := time.Now()
	var pending []*writeReq // succeeded, waiting for the commit
	abort := func(err error) {
		rollback(conn)
		for _, r := range pending {
			r.done <- writeResult{err: err}
		}
	}
	for req, n := first, 0; req != nil; n++ {
		res, ok := s.runOne(conn, req)
		if !ok { // the transaction is unusable: nothing in it can commit
			s.writable.wrote(res.err)
			req.done <- res
			abort(res.err)
			return
		}
		if res.err != nil || res.panicked {
			if storageFailure(res.err) {
				s.writable.wrote(res.err)
			}
			req.done <- res
		} else {
			pending = append(pending, req)
		}
		req = nil
		if n+1 < maxBatch && time.Since(start) < maxBatchTime {
			req = s.nextQueued()
		}
	}
	if len(pending) == 0 {
		rollback(conn)
		return
	}
	if err := s.checkFile(); err != nil {
		abort(unavailable(err, "commit"))
		return
	}
	if _, err := conn.ExecContext(context.Background(), `COMMIT`); err != nil {
		s.writable.wrote(err)
		abort(dbError(nil, err, "commit"))
		return
	}
	if slices.ContainsFunc(pending, func(r *writeReq) bool { return !r.probe }) {
		s.writable.wrote(nil) // a real write committed: writes work again
	}
	for _, r := range pending {
		r.done <- writeResult{}
	}
}

// rollback ends the transaction on conn; a connection that cannot is discarded, so the
// next batch never starts inside a transaction left open.
func rollback(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// nextQueued returns a write waiting now, claimed for running, or nil.
func (s *Store) nextQueued() *writeReq {
	for {
		select {
		case req := <-s.writes:
			if req.state.CompareAndSwap(queued, running) {
				return req
			}
		default:
			return nil
		}
	}
}

// runOne runs req's fn inside a savepoint of the transaction on conn, rolling the savepoint back when fn
// fails or panics. ok is false when the transaction can no longer be used (a statement interrupted
// by fn's context makes SQLite roll back the whole transaction).
func (s *Store) runOne(conn *sql.Conn, req *writeReq) (res writeResult, ok bool) {
	if err := req.ctx.Err(); err != nil {
		return writeResult{err: unavailable(err, "begin write")}, true
	}
	if _, err := conn.ExecContext(context.Background(), `SAVEPOINT write`); err != nil {
		return writeResult{err: dbError(req.ctx, err, "begin write")}, false
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				res = writeResult{panicked: true, panicVal: r}
			}
		}()
		res.err = req.fn(&tx{ctx: req.ctx, tx: conn})
	}()
	if res.err == nil && !res.panicked {
		if _, err := conn.ExecContext(context.Background(), `RELEASE write`); err != nil {
			return writeResult{err: dbError(req.ctx, err, "commit")}, false
		}
		return res, true
	}
	_, err := conn.ExecContext(context.Background(), `ROLLBACK TO write`)
	if err == nil {
		_, err = conn.ExecContext(context.Background(), `RELEASE write`)
	}
	if err != nil {
		if res.err == nil {
			res.err = fmt.Errorf("roll back a panicked write: %w", err)
		}
		return res, false
	}
	return res, true
}

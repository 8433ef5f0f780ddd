package postgres

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Reconnection and heartbeat timing for Listen.
const (
	listenMinBackoff = 100 * time.Millisecond
	listenMaxBackoff = 30 * time.Second
	// defaultHeartbeat is how long Listen waits for a notification before it checks that
	// the connection still works: a connection that died silently (a dropped route, a
	// failover without a reset) is replaced within about this long.
	defaultHeartbeat  = 30 * time.Second
	listenPingTimeout = 10 * time.Second
)

// newOrigin returns a random id for a Store's notifications.
func newOrigin() string {
	var b [8]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// revisionChannel returns the notification channel of the store in schema: candor_revision
// in the public schema, and one per schema otherwise, so Candors sharing a database do not
// wake each other. PostgreSQL cuts channel names at 63 bytes.
func revisionChannel(schema string) string {
	ch := "candor_revision"
	if schema != "public" {
		ch += ":" + schema
	}
	if len(ch) > 63 {
		n := 63
		for !utf8.RuneStart(ch[n]) {
			n--
		}
		ch = ch[:n]
	}
	return ch
}

// notifyKind is kind as a notification carries it: one word of letters and underscores
// (anything else becomes "", "could be anything"), so the payload splits on spaces.
func notifyKind(kind string) string {
	if len(kind) > 32 {
		return ""
	}
	for _, r := range kind {
		if (r < 'a' || r > 'z') && r != '_' {
			return ""
		}
	}
	return kind
}

// Listen calls fn with the public revision every time a Write that bumped it commits on
// another replica (or another Store on the same schema), with the kind of change the
// Write named (see Tx.BumpRevision; "" when unknown), until ctx ends (it returns ctx's
// error) or the store closes (EUNAVAILABLE). This Store's own Writes are not reported: the
// process that wrote already told its subscribers, and a second round would rebuild its
// snapshot and model and wake its dispatcher twice per write. It holds a connection of its
// own, outside the pool.
//
// fn is also called with the current revision and kind "" once the connection listens, and
// again after each reconnection, so a change committed while the connection was down is
// never missed.
// When the connection fails, Listen reconnects with jittered exponential backoff (up to
// about 30 s). fn runs on Listen's goroutine and should return quickly. Within one
// connection it sees revisions in increasing order, each once; it may skip values (those
// committed while disconnected, or passed by the first read), never the latest.
func (s *Store) Listen(ctx context.Context, fn func(revision int64, kind string)) error {
	if s.closed.Load() {
		return errClosed()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	backoff := listenMinBackoff
	for {
		listened, _ := s.listenOnce(ctx, fn)
		if s.closed.Load() {
			return errClosed()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if listened {
			backoff = listenMinBackoff // it worked for a while: start over quickly
		}
		// Jitter spreads the replicas that lost their connections together (a failover).
		wait := backoff/2 + rand.N(backoff)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			continue // the checks above return
		}
		backoff = min(2*backoff, listenMaxBackoff)
	}
}

// listenOnce connects, listens and calls fn until the connection fails or ctx ends. It
// reports whether it got as far as listening.
func (s *Store) listenOnce(ctx context.Context, fn func(int64, string)) (bool, error) {
	conn, err := pgx.ConnectConfig(ctx, withAppName(s.connConfig, "listen"))
	if err != nil {
		return false, err
	}
	defer func() {
		s.listenPID.Store(0)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		conn.Close(ctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return false, err
	}
	// Listening first, then reading: a bump committed in between is both read and notified,
	// never neither.
	var rev int64
	if err := conn.QueryRow(ctx, `SELECT revision FROM meta WHERE id = 1`).Scan(&rev); err != nil {
		return false, err
	}
	s.listenPID.Store(conn.PgConn().PID())
	fn(rev, "")
	last := rev // notifications of commits the read already saw may follow: skip them
	for {
		wait, cancel := context.WithTimeout(ctx, s.heartbeat)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			// "REVISION ORIGIN KIND" ("REVISION ORIGIN" or a plain number from older
			// versions, whose kind is unknown); anything else on the channel is not ours.
			num, rest, _ := strings.Cut(n.Payload, " ")
			origin, kind, _ := strings.Cut(rest, " ")
			if rev, err := strconv.ParseInt(num, 10, 64); err == nil && rev > last {
				last = rev
				if origin != s.origin {
					fn(rev, notifyKind(kind))
				}
			}
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// No news for a while: make sure the connection still works.
			ping, cancel := context.WithTimeout(ctx, listenPingTimeout)
			err := conn.Ping(ping)
			cancel()
			if err != nil {
				return true, err
			}
		default:
			return true, err
		}
	}
}

// withAppName returns a copy of cfg whose connections show what they are for in
// pg_stat_activity.
func withAppName(cfg *pgx.ConnConfig, what string) *pgx.ConnConfig {
	c := cfg.Copy()
	if c.RuntimeParams == nil {
		c.RuntimeParams = map[string]string{}
	}
	c.RuntimeParams["application_name"] = c.RuntimeParams["application_name"] + " " + what
	return c
}

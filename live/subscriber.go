package live

import (
	"net"
	"sync"
	"syscall"
	"time"
)

// sink is where a subscriber's bytes go. offer never blocks: sent reports that b will reach
// the client whole (written, or its rest queued ahead of anything else); false means the
// client is not taking bytes now. err means the client is gone.
type sink interface {
	offer(b []byte) (sent bool, err error)
	// alive reports whether the client is still connected, where that can be told
	// without blocking (otherwise true).
	alive() bool
	close()
}

// subscriber is one open stream. Its fields are guarded by mu, which also orders writes to
// its sink.
type subscriber struct {
	mu    sync.Mutex
	sink  sink
	idx   int       // position in Hub.subs; guarded by Hub.mu
	seen  uint64    // seq of the newest event the client has been given
	ready bool      // its first events are written; before that the hub leaves it alone
	owed  bool      // an event was skipped: the client is owed a resync
	stall time.Time // since when the client has taken no bytes (zero: it is taking them)
	dead  bool
	// stalled records that the hub disconnected the client for taking nothing too long.
	stalled bool
}

// deliver brings s up to v: events after s.seen, or one resync if any had to be skipped,
// then a ping on heartbeats. It reports false when s is dead and must be removed.
func (s *subscriber) deliver(v *view, now time.Time, heartbeat bool, maxStall time.Duration) bool {
	if s.dead {
		return false
	}
	if !s.ready {
		return true
	}
	if heartbeat && !s.sink.alive() {
		s.kill()
		return false
	}
	frames := v.since(s.seen)
	if s.owed && len(frames) > 0 {
		frames = []frame{v.resync}
	}
	for _, f := range frames {
		if !s.offer(f.b, now, maxStall) {
			s.owed = !s.dead
			return !s.dead
		}
		s.seen, s.owed = f.seq, false
	}
	if heartbeat && len(frames) == 0 {
		s.offer(pingFrame, now, maxStall)
	}
	return !s.dead
}

// offer hands b to the sink, keeping track of how long the client has taken nothing.
func (s *subscriber) offer(b []byte, now time.Time, maxStall time.Duration) bool {
	sent, err := s.sink.offer(b)
	switch {
	case err != nil:
		s.kill()
	case sent:
		s.stall = time.Time{}
	case s.stall.IsZero():
		s.stall = now
	case now.Sub(s.stall) > maxStall:
		s.stalled = true
		s.kill()
	}
	return sent && err == nil
}

func (s *subscriber) kill() {
	if !s.dead {
		s.dead = true
		s.sink.close()
	}
}

// chanSink queues frames for a handler goroutine that writes them (streams the hub cannot
// take over). The channel is the bounded per-client buffer.
type chanSink struct{ ch chan []byte }

func (c *chanSink) offer(b []byte) (bool, error) {
	select {
	case c.ch <- b:
		return true, nil
	default:
		return false, nil
	}
}

func (c *chanSink) alive() bool { return true } // the handler watches its request context
func (c *chanSink) close()      { close(c.ch) }

// connSink writes to a taken-over connection with non-blocking system calls: a full socket
// buffer means the client is slow, never that the hub waits. A frame written only in part
// keeps its rest (a slice of the shared bytes) to send before anything else.
type connSink struct {
	conn net.Conn
	raw  rawConn
	tail []byte
}

func newConnSink(conn net.Conn, raw rawConn) *connSink { return &connSink{conn: conn, raw: raw} }

func (c *connSink) offer(b []byte) (bool, error) {
	if len(c.tail) > 0 {
		n, err := c.raw.write(c.tail)
		c.tail = c.tail[n:]
		if err != nil || len(c.tail) > 0 {
			return false, err
		}
	}
	n, err := c.raw.write(b)
	if err != nil || n == 0 {
		return false, err
	}
	if n < len(b) {
		c.tail = b[n:]
	}
	return true, nil
}

func (c *connSink) alive() bool { return c.raw.alive() }
func (c *connSink) close()      { _ = c.conn.Close() }

// rawConn is the non-blocking access to a socket (see raw_unix.go).
type rawConn interface {
	write(b []byte) (int, error) // writes what fits now; (0, nil) when the buffer is full
	alive() bool                 // false once the peer closed or reset the connection
}

// newRawConn returns non-blocking access to conn, or false where the platform or the
// connection type has none.
func newRawConn(conn net.Conn) (rawConn, bool) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	return newSysConn(rc)
}

package live

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"time"
)

// firstWriteTimeout bounds the blocking write of a new stream's headers and first events.
const firstWriteTimeout = 10 * time.Second

// ServeHTTP serves one event stream: a retry hint, the events a reconnecting client missed
// (by Last-Event-ID, or ?lastEventId= for polyfills) or the current revision, then every
// new event, with a comment line on each heartbeat. Each event looks like
//
//	id: 42
//	event: change
//	data: {"revision":42,"kind":"incident","id":"01J..."}
//
// and a client too far behind gets "event: resync" with just the revision. Headers already
// set on w (security headers, request ids) are sent too.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	if h.Len() >= h.cfg.MaxStreams {
		// EventSource does not reconnect after a 503: the page stays as it is, complete but
		// without live refresh, which costs this server nothing more.
		hd.Set("Retry-After", "60")
		hd.Set("Cache-Control", "no-store")
		http.Error(w, "too many live streams; reload the page to see changes", http.StatusServiceUnavailable)
		return
	}
	last, hasLast := lastEventID(r)
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no") // nginx: pass each event on, do not buffer
	if !h.cfg.NoTakeover && r.ProtoMajor == 1 && r.TLS == nil {
		// Taking the connection over frees net/http's goroutine and buffers for it.
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			h.serveConn(conn, hd, last, hasLast)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	o := &responseOut{w: w, rc: http.NewResponseController(w), stall: h.cfg.MaxStall}
	h.serveStream(o, r.Context().Done(), last, hasLast)
}

func lastEventID(r *http.Request) (int64, bool) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("lastEventId")
	}
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// serveConn writes the response head itself on a taken-over connection and hands the
// connection to the hub; no goroutine stays behind for it.
func (h *Hub) serveConn(conn net.Conn, hd http.Header, last int64, hasLast bool) {
	hd.Set("Connection", "close") // the body ends when the connection does
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	_ = hd.Write(&head)
	head.WriteString("\r\n")
	raw, ok := newRawConn(conn)
	if !ok {
		defer conn.Close()
		if _, err := conn.Write(head.Bytes()); err == nil {
			h.serveStream(&connOut{c: conn, stall: h.cfg.MaxStall}, nil, last, hasLast)
		}
		return
	}
	if h.cfg.SendBuffer > 0 {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(h.cfg.SendBuffer)
		}
	}
	s := &subscriber{sink: newConnSink(conn, raw)}
	first, open := h.add(s, last, hasLast)
	head.Write(h.retry)
	for _, f := range first {
		head.Write(f.b)
	}
	_ = conn.SetWriteDeadline(time.Now().Add(firstWriteTimeout))
	_, err := conn.Write(head.Bytes())
	_ = conn.SetDeadline(time.Time{}) // the server's read and write timeouts no longer apply
	s.mu.Lock()
	if err != nil || !open {
		s.kill()
	} else {
		// Events published while the head was written are sent now; from here on the
		// hub's fan-outs serve this client.
		s.ready = true
		s.deliver(h.load(), time.Now(), false, h.cfg.MaxStall)
	}
	dead := s.dead
	s.mu.Unlock()
	if dead && open {
		h.remove(s)
	}
}

// out is a stream served by its own goroutine.
type out interface {
	Write(b []byte) (int, error)
	Flush() error
}

// responseOut writes through net/http. Each write must finish within stall, so a client
// that stops reading ends its stream instead of holding the goroutine forever.
type responseOut struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

func (o *responseOut) Write(b []byte) (int, error) {
	_ = o.rc.SetWriteDeadline(time.Now().Add(o.stall))
	return o.w.Write(b)
}

func (o *responseOut) Flush() error {
	_ = o.rc.SetWriteDeadline(time.Now().Add(o.stall))
	return o.rc.Flush()
}

// connOut writes to a taken-over connection that has no non-blocking access.
type connOut struct {
	c     net.Conn
	stall time.Duration
}

func (o *connOut) Write(b []byte) (int, error) {
	_ = o.c.SetWriteDeadline(time.Now().Add(o.stall))
	return o.c.Write(b)
}
func (o *connOut) Flush() error { return nil }

// serveStream serves a stream on the calling goroutine from a bounded queue the hub fills;
// it returns when the client goes (done, or a failed write) or the hub closes.
func (h *Hub) serveStream(o out, done <-chan struct{}, last int64, hasLast bool) {
	ch := make(chan []byte, h.cfg.Buffer)
	s := &subscriber{sink: &chanSink{ch: ch}, ready: true}
	first, open := h.add(s, last, hasLast)
	if open {
		defer func() {
			s.mu.Lock()
			s.kill()
			s.mu.Unlock()
			h.remove(s)
		}()
	}
	_, err := o.Write(h.retry)
	for _, f := range first {
		if err == nil {
			_, err = o.Write(f.b)
		}
	}
	if err != nil || o.Flush() != nil || !open {
		return
	}
	for {
		select {
		case <-done:
			return
		case b, ok := <-ch:
			if !ok || !writeQueued(o, b, ch) {
				return
			}
		}
	}
}

// writeQueued writes b and whatever else is queued, then flushes once. It reports false
// when the stream must end: a failed write, or the hub closed the queue.
func writeQueued(o out, b []byte, ch chan []byte) bool {
	for {
		if _, err := o.Write(b); err != nil {
			return false
		}
		select {
		case next, ok := <-ch:
			if !ok {
				_ = o.Flush()
				return false
			}
			b = next
		default:
			return o.Flush() == nil
		}
	}
}

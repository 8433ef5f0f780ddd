package live_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candorstatus/candor/live"
)

// msg is one parsed SSE message, or a comment line.
type msg struct {
	ID, Event, Data, Retry, Comment string
}

func (m msg) revision(t *testing.T) int64 {
	t.Helper()
	var d struct{ Revision int64 }
	if err := json.Unmarshal([]byte(m.Data), &d); err != nil {
		t.Fatalf("event data %q: %v", m.Data, err)
	}
	if m.ID != fmt.Sprint(d.Revision) {
		t.Fatalf("event id %q but revision %d", m.ID, d.Revision)
	}
	return d.Revision
}

// parse reads SSE messages from r into ch until r ends, then closes ch.
func parse(r io.Reader, ch chan<- msg) {
	defer close(ch)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var m msg
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if m != (msg{}) {
				ch <- m
			}
			m = msg{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			ch <- msg{Comment: value}
		case "id":
			m.ID = value
		case "event":
			m.Event = value
		case "data":
			m.Data = value
		case "retry":
			m.Retry = value
		}
	}
}

type client struct {
	t    *testing.T
	res  *http.Response
	msgs chan msg
}

// connect opens a stream; headers are name, value pairs.
func connect(t *testing.T, tr *http.Transport, url string, headers ...string) *client {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream answered %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	c := &client{t: t, res: res, msgs: make(chan msg, 1024)}
	go parse(res.Body, c.msgs)
	return c
}

// next returns the next message, failing after a deadline.
func (c *client) next() msg {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatal("stream ended")
		}
		return m
	case <-time.After(5 * time.Second):
		c.t.Fatal("no message within 5 s")
	}
	return msg{}
}

// event returns the next event, skipping comments and retry hints.
func (c *client) event() msg {
	c.t.Helper()
	for {
		if m := c.next(); m.Event != "" {
			return m
		}
	}
}

// waitRevision reads events until one reaches rev; the revisions seen must increase.
func (c *client) waitRevision(rev int64) {
	c.t.Helper()
	prev := int64(-1)
	for {
		m := c.event()
		r := m.revision(c.t)
		if r <= prev {
			c.t.Fatalf("revision went from %d to %d", prev, r)
		}
		if prev = r; r >= rev {
			return
		}
	}
}

// ended waits for the stream to end.
func (c *client) ended() {
	c.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				return
			}
		case <-deadline:
			c.t.Fatal("stream still open after 5 s")
		}
	}
}

// modes runs a test with the hub taking connections over and with handler goroutines.
func modes(t *testing.T, fn func(t *testing.T, takeover bool)) {
	t.Run("takeover", func(t *testing.T) { fn(t, true) })
	t.Run("goroutine", func(t *testing.T) { fn(t, false) })
}

func start(t *testing.T, cfg live.Config) (*live.Hub, *httptest.Server, *http.Transport) {
	t.Helper()
	h := live.NewHub(cfg)
	srv := httptest.NewServer(h)
	tr := &http.Transport{}
	t.Cleanup(func() {
		h.Close()
		srv.Close()
		tr.CloseIdleConnections()
	})
	return h, srv, tr
}

func TestStreamFirstEventsAndChanges(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		h, srv, tr := start(t, live.Config{Revision: 7, NoTakeover: !takeover, Retry: 1500 * time.Millisecond})
		c := connect(t, tr, srv.URL)
		for k, v := range map[string]string{"Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
			if got := c.res.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		if m := c.next(); m.Retry != "1500" {
			t.Fatalf("first message %+v, want retry: 1500", m)
		}
		if m := c.event(); m.Event != "change" || m.revision(t) != 7 {
			t.Fatalf("first event %+v, want the current revision 7", m)
		}
		h.Publish(ev(8, "incident", "inc-1"))
		m := c.event()
		if m.Event != "change" || m.ID != "8" || m.Data != `{"revision":8,"kind":"incident","id":"inc-1"}` {
			t.Fatalf("got %+v", m)
		}
	})
}

func ev(rev int64, kind, id string) live.Event {
	return live.Event{Revision: rev, Kind: kind, ID: id}
}

func TestStreamReplay(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		h, srv, tr := start(t, live.Config{Revision: 1, Replay: 4, NoTakeover: !takeover})
		for r := int64(2); r <= 10; r++ {
			h.Publish(ev(r, "incident", fmt.Sprint("i", r)))
		}
		want := func(c *client, event string, revs ...int64) {
			t.Helper()
			for _, r := range revs {
				if m := c.event(); m.Event != event || m.revision(t) != r {
					t.Fatalf("got %+v, want %s %d", m, event, r)
				}
			}
		}
		want(connect(t, tr, srv.URL, "Last-Event-ID", "8"), "change", 9, 10)
		want(connect(t, tr, srv.URL+"?lastEventId=7"), "change", 8, 9, 10)
		want(connect(t, tr, srv.URL, "Last-Event-ID", "10"), "change", 10)
		want(connect(t, tr, srv.URL, "Last-Event-ID", "3"), "resync", 10) // 3..6 are gone
		want(connect(t, tr, srv.URL, "Last-Event-ID", "junk"), "change", 10)
		c := connect(t, tr, srv.URL, "Last-Event-ID", "9")
		want(c, "change", 10)
		h.Publish(ev(11, "component", "api"))
		want(c, "change", 11)
	})
}

func TestHeartbeat(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		_, srv, tr := start(t, live.Config{Heartbeat: 20 * time.Millisecond, NoTakeover: !takeover})
		c := connect(t, tr, srv.URL)
		for range 3 {
			for c.next().Comment != "ping" {
			}
		}
	})
}

// TestSlowClient floods a client that reads nothing: publishing stays quick, another client
// gets every change, and the slow one, once it reads, catches up to the newest revision.
func TestSlowClient(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		h, srv, tr := start(t, live.Config{Heartbeat: 20 * time.Millisecond, SendBuffer: 8 << 10, Buffer: 4,
			NoTakeover: !takeover})
		slow, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		if _, err := io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		fast := connect(t, tr, srv.URL)
		fast.waitRevision(0)
		waitFor(t, func() bool { return h.Len() == 2 })

		const n = 1024
		flood(t, h, n, nil)
		fast.waitRevision(n)

		// Now the slow client reads: whatever it gets is well-formed and ends at n.
		go func() {
			<-time.After(10 * time.Second)
			slow.Close()
		}()
		res, err := http.ReadResponse(bufio.NewReader(slow), nil)
		if err != nil {
			t.Fatal(err)
		}
		msgs := make(chan msg, 16)
		go parse(res.Body, msgs)
		prev := int64(-1)
		sawResync := false
		for m := range msgs {
			if m.Event == "" {
				continue
			}
			r := m.revision(t)
			if r <= prev {
				t.Fatalf("slow client: revision went from %d to %d", prev, r)
			}
			prev = r
			sawResync = sawResync || m.Event == "resync"
			if r == n {
				break
			}
		}
		if prev != n || !sawResync {
			t.Fatalf("slow client ended at revision %d (resync seen: %v), want a resync to %d", prev, sawResync, n)
		}
	})
}

// flood publishes up to n events of 16 KiB each (16 MiB for 1024: more than the kernel
// buffers for a socket nobody reads), paced so the hub writes each rather than coalescing
// them, until done reports true. Publish must never wait on a client throughout: one that
// did would wait for TestSlowClient's client, which reads nothing until the flood is over.
// The bound tells that apart from the scheduling and GC pauses of a loaded machine under
// the race detector (a 350 ms Publish was seen), not a slow Publish from a quick one —
// that is bench/'s job.
func flood(t *testing.T, h *live.Hub, n int64, done func() bool) {
	t.Helper()
	big := strings.Repeat("x", 16<<10)
	deadline := time.Now().Add(10 * time.Second)
	for r := int64(1); r <= n && (done == nil || !done()); r++ {
		began := time.Now()
		h.Publish(ev(r, "incident", big))
		if took := time.Since(began); took > 2*time.Second {
			t.Fatalf("Publish took %v: it waited on a client", took)
		}
		if time.Now().After(deadline) {
			t.Fatal("still flooding after 10 s")
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCloseEndsStreams closes the hub under open streams: every one ends, and no goroutine
// is left behind, neither the hub's nor any stream's.
func TestCloseEndsStreams(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		before := runtime.NumGoroutine()
		h := live.NewHub(live.Config{Revision: 3, Heartbeat: 10 * time.Millisecond, NoTakeover: !takeover})
		srv := httptest.NewServer(h)
		tr := &http.Transport{}
		var clients []*client
		for range 20 {
			c := connect(t, tr, srv.URL)
			c.waitRevision(3)
			clients = append(clients, c)
		}
		h.Publish(ev(4, "incident", "x"))
		for _, c := range clients {
			c.waitRevision(4)
		}
		h.Close()
		for _, c := range clients {
			c.ended()
			c.res.Body.Close()
		}
		// A stream opened after Close gets the current revision and ends.
		late := connect(t, tr, srv.URL)
		late.waitRevision(4)
		late.ended()
		late.res.Body.Close()
		srv.Close()
		tr.CloseIdleConnections()
		waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
	})
}

// TestGoneClientsAreDropped: a client that disconnects is noticed within a heartbeat.
func TestGoneClientsAreDropped(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		h, srv, tr := start(t, live.Config{Heartbeat: 10 * time.Millisecond, NoTakeover: !takeover})
		for range 5 {
			c := connect(t, tr, srv.URL)
			c.waitRevision(0)
			c.res.Body.Close()
		}
		waitFor(t, func() bool { return h.Len() == 0 })
	})
}

// TestConcurrentUse connects and disconnects clients while events are published: each
// client sees strictly increasing revisions ending at the last one.
func TestConcurrentUse(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		h, srv, tr := start(t, live.Config{Heartbeat: 5 * time.Millisecond, Replay: 8, NoTakeover: !takeover})
		const last = 300
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		wg.Go(func() {
			for r := int64(1); r <= last; r++ {
				h.Publish(ev(r, "incident", "x"))
				if r%10 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
		for i := range 8 {
			wg.Go(func() {
				for j := 0; ctx.Err() == nil && j < 5; j++ {
					c := connect(t, tr, srv.URL, "Last-Event-ID", fmt.Sprint(i*j))
					if j < 4 {
						c.event()
						c.res.Body.Close()
						continue
					}
					c.waitRevision(last)
				}
			})
		}
		wg.Wait()
	})
}

// TestStalledClientIsDisconnected: a client that takes no bytes for MaxStall is dropped
// (it reconnects, when it reads again, with its last event id).
func TestStalledClientIsDisconnected(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		h, srv, _ := start(t, live.Config{Heartbeat: 10 * time.Millisecond, MaxStall: 100 * time.Millisecond,
			SendBuffer: 8 << 10, Buffer: 4, NoTakeover: !takeover})
		slow, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		if _, err := io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return h.Len() == 1 })
		flood(t, h, 1<<20, func() bool { return h.Len() == 0 })
		waitFor(t, func() bool { return h.Len() == 0 })
	})
}

func TestMaxStreams(t *testing.T) {
	modes(t, func(t *testing.T, takeover bool) {
		h, srv, tr := start(t, live.Config{Revision: 1, NoTakeover: !takeover, MaxStreams: 2})
		a, b := connect(t, tr, srv.URL), connect(t, tr, srv.URL)
		a.event()
		b.event()
		waitFor(t, func() bool { return h.Len() == 2 })
		res, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Fatalf("a stream over the cap answered %d (Retry-After %q)", res.StatusCode, res.Header.Get("Retry-After"))
		}
		h.Publish(ev(2, "incident", "x")) // the open streams are unaffected
		if a.event().revision(t) != 2 || b.event().revision(t) != 2 {
			t.Fatal("open streams missed an event")
		}
	})
}

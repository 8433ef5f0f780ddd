// Package live tells open status pages that the public state changed, over Server-Sent
// Events: a Hub fans each change out to every connected browser, which then refetches the
// page. Events are tiny ("revision N, incident X changed"), so a client that falls behind
// loses nothing by skipping some: it is sent one "resync" to the newest revision instead.
//
// The Hub is built for many idle connections: one goroutine for the whole hub (plus a few
// for the moment of a fan-out), one shared ticker for heartbeats, each event formatted once
// and its bytes shared by every client. On HTTP/1.1 it takes the connection over from
// net/http, so an open stream costs a socket and a small struct, not a goroutine and
// net/http's buffers; writes are non-blocking, so a client that does not read cannot hold
// up anyone else.
package live

import (
	"encoding/json"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Event says that the public state moved to Revision because of a change to a record of
// kind Kind ("incident", "component", ...) with id ID.
type Event struct {
	Revision int64
	Kind     string
	ID       string
}

// Config tunes a Hub; zero values take the defaults.
type Config struct {
	// Revision is the revision being served when the hub starts.
	Revision int64
	// Heartbeat is how often every stream gets a comment line, so proxies and load
	// balancers keep idle connections open (default 20 s). Clients that went away are
	// noticed and dropped on these ticks.
	Heartbeat time.Duration
	// Replay is how many recent events are kept for reconnecting clients (Last-Event-ID).
	Replay int
	// Buffer bounds the frames queued for a client served on its own goroutine (HTTP/2,
	// TLS, or NoTakeover); beyond it the client is owed a resync instead.
	Buffer int
	// Retry is the reconnection delay suggested to browsers.
	Retry time.Duration
	// MaxStall is how long a client may take no bytes at all before it is disconnected.
	MaxStall time.Duration
	// NoTakeover keeps every stream on its net/http handler goroutine (tests of that path).
	NoTakeover bool
	// SendBuffer, when positive, sets the socket send buffer of taken-over connections.
	SendBuffer int
	// MaxStreams caps the open streams (default 100 000, about 250 MB at the ~2.4 KB each
	// measured with 10 000 streams). Beyond it a new stream gets 503: its page works as before, without
	// live refresh, rather than the server running out of memory or descriptors.
	MaxStreams int
	Log        *slog.Logger
}

func (c *Config) defaults() {
	if c.Heartbeat <= 0 {
		c.Heartbeat = 20 * time.Second
	}
	if c.Replay <= 0 {
		c.Replay = 256
	}
	if c.Buffer <= 0 {
		c.Buffer = 16
	}
	if c.Retry <= 0 {
		c.Retry = 3 * time.Second
	}
	if c.MaxStall <= 0 {
		c.MaxStall = time.Minute
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = 100_000
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// frame is one formatted SSE message. seq numbers the hub's events 1, 2, 3, ...; the
// bytes are shared by every client and never modified.
type frame struct {
	seq uint64
	rev int64
	b   []byte
}

// view is the hub's event state at one moment. A new view replaces it on each Publish, so
// readers use it without locks.
type view struct {
	cur    frame   // the newest event (at start: the starting revision)
	resync frame   // "resync" to cur's revision, with cur's seq
	recent []frame // the newest events, oldest first, seqs contiguous; empty before any Publish
	floor  int64   // every event with a revision above floor is in recent
}

// since returns what a client that has seen events up to seq must be sent.
func (v *view) since(seq uint64) []frame {
	if seq >= v.cur.seq {
		return nil
	}
	if len(v.recent) == 0 || seq+1 < v.recent[0].seq {
		return []frame{v.resync} // the events it missed are gone
	}
	return v.recent[seq+1-v.recent[0].seq:]
}

// catchUp returns what a client connecting with Last-Event-ID last (when hasLast) is sent
// first: the events after last, or a resync when they are gone (or last is from another
// history), or the current event; it always ends at the current revision.
func (v *view) catchUp(last int64, hasLast bool) []frame {
	switch {
	case !hasLast:
		return []frame{v.cur}
	case last > v.cur.rev || last < v.floor:
		return []frame{v.resync}
	}
	i, _ := slices.BinarySearchFunc(v.recent, last+1, func(f frame, rev int64) int {
		if f.rev < rev {
			return -1
		} else if f.rev > rev {
			return 1
		}
		return 0
	})
	if i == len(v.recent) {
		return []frame{v.cur}
	}
	return v.recent[i:]
}

var pingFrame = []byte(": ping\n\n")

func changeFrame(e Event) []byte {
	data, _ := json.Marshal(struct {
		Revision int64  `json:"revision"`
		Kind     string `json:"kind"`
		ID       string `json:"id"`
	}{e.Revision, e.Kind, e.ID})
	return sseFrame(e.Revision, "change", data)
}

func resyncFrame(rev int64) []byte {
	return sseFrame(rev, "resync", strconv.AppendInt([]byte(`{"revision":`), rev, 10), '}')
}

func sseFrame(id int64, event string, data []byte, tail ...byte) []byte {
	b := make([]byte, 0, len(data)+len(event)+48)
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, "\nevent: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, tail...)
	return append(b, "\n\n"...)
}

// Hub fans events out to subscribers. It is safe for concurrent use; Close it to end every
// stream and its goroutine.
type Hub struct {
	cfg   Config
	retry []byte

	mu     sync.Mutex
	v      *view // replaced under mu, read through load
	subs   []*subscriber
	closed bool

	kick      chan struct{}
	done      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
}

// NewHub starts a hub serving cfg.Revision.
func NewHub(cfg Config) *Hub {
	cfg.defaults()
	cur := frame{rev: cfg.Revision, b: changeFrame(Event{Revision: cfg.Revision})}
	h := &Hub{cfg: cfg,
		retry: []byte("retry: " + strconv.FormatInt(cfg.Retry.Milliseconds(), 10) + "\n\n"),
		v:     &view{cur: cur, resync: frame{rev: cfg.Revision, b: resyncFrame(cfg.Revision)}, floor: cfg.Revision},
		kick:  make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	go h.run()
	return h
}

func (h *Hub) load() *view {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.v
}

// Revision returns the newest published revision.
func (h *Hub) Revision() int64 { return h.load().cur.rev }

// Len returns the number of open streams.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Publish announces e to every stream. It never blocks on clients: the fan-out happens on
// the hub's goroutine, and a burst of events is written as one batch. Events whose
// revision is not newer than the last one are ignored.
func (h *Hub) Publish(e Event) {
	b := changeFrame(e)
	rs := resyncFrame(e.Revision)
	h.mu.Lock()
	old := h.v
	if h.closed || e.Revision <= old.cur.rev {
		h.mu.Unlock()
		return
	}
	cur := frame{seq: old.cur.seq + 1, rev: e.Revision, b: b}
	nv := &view{cur: cur, resync: frame{seq: cur.seq, rev: e.Revision, b: rs}, floor: old.floor}
	keep := old.recent
	if len(keep) >= h.cfg.Replay {
		drop := len(keep) - h.cfg.Replay + 1
		nv.floor = keep[drop-1].rev
		keep = keep[drop:]
	}
	nv.recent = append(append(make([]frame, 0, len(keep)+1), keep...), cur)
	h.v = nv
	h.mu.Unlock()
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// Close ends every stream (clients reconnect after Retry, to this server's successor) and
// stops the hub's goroutine. Later streams get their first events and end at once.
func (h *Hub) Close() {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.closed = true
		subs := h.subs
		h.subs = nil
		h.mu.Unlock()
		close(h.done)
		<-h.stopped
		for _, s := range subs {
			s.mu.Lock()
			s.kill()
			s.mu.Unlock()
		}
	})
}

// add registers s, positioned after the newest event, and returns what it must be sent
// first; ok is false once the hub is closed.
func (h *Hub) add(s *subscriber, last int64, hasLast bool) (first []frame, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	first = h.v.catchUp(last, hasLast)
	if h.closed {
		return first, false
	}
	s.seen = h.v.cur.seq
	s.idx = len(h.subs)
	h.subs = append(h.subs, s)
	return first, true
}

// remove unregisters subscribers (already killed by the caller or about to be).
func (h *Hub) remove(gone ...*subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range gone {
		i := s.idx
		if i < 0 || i >= len(h.subs) || h.subs[i] != s {
			continue
		}
		last := len(h.subs) - 1
		h.subs[i] = h.subs[last]
		h.subs[i].idx = i
		h.subs[last] = nil
		h.subs = h.subs[:last]
		s.idx = -1
	}
}

func (h *Hub) run() {
	defer close(h.stopped)
	tick := time.NewTicker(h.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-h.kick:
			h.fanOut(false)
		case <-tick.C:
			h.fanOut(true)
		}
	}
}

// perWorker is how many streams one goroutine serves in a fan-out; larger audiences are
// split across the CPUs.
const perWorker = 1024

// fanOut brings every stream up to the newest event; on heartbeat ticks it also checks
// that the client is still there and sends a ping.
func (h *Hub) fanOut(heartbeat bool) {
	h.mu.Lock()
	v := h.v
	subs := slices.Clone(h.subs)
	h.mu.Unlock()
	now := time.Now()
	workers := min(runtime.GOMAXPROCS(0), (len(subs)+perWorker-1)/perWorker)
	gone := make([][]*subscriber, max(workers, 1))
	if workers <= 1 {
		gone[0] = deliverAll(subs, v, now, heartbeat, h.cfg.MaxStall)
	} else {
		var wg sync.WaitGroup
		chunk := (len(subs) + workers - 1) / workers
		for w := range workers {
			part := subs[w*chunk : min(len(subs), (w+1)*chunk)]
			wg.Go(func() { gone[w] = deliverAll(part, v, now, heartbeat, h.cfg.MaxStall) })
		}
		wg.Wait()
	}
	stalled := 0
	for _, g := range gone {
		h.remove(g...)
		for _, s := range g {
			if s.stalled {
				stalled++
			}
		}
	}
	if stalled > 0 {
		h.cfg.Log.Debug("live: disconnected clients that stopped reading", "clients", stalled, "after", h.cfg.MaxStall)
	}
}

func deliverAll(subs []*subscriber, v *view, now time.Time, heartbeat bool, maxStall time.Duration) (gone []*subscriber) {
	for _, s := range subs {
		s.mu.Lock()
		if !s.deliver(v, now, heartbeat, maxStall) {
			gone = append(gone, s)
		}
		s.mu.Unlock()
	}
	return gone
}

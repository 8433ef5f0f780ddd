package snapshot

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorstatus/candor/status"
)

// Holder keeps the current snapshot and rebuilds it when the public state changes, every
// minute (time-dependent wording) and, after a failure, until the store answers again.
type Holder struct {
	b     *Builder
	clock status.Clock
	log   *slog.Logger

	cur  atomic.Pointer[Snapshot]
	kick chan struct{}

	mu      sync.Mutex
	lastErr error
	waiters []chan struct{}
	// observe, when set, is told how long each build took and how it ended (metrics).
	observe func(took time.Duration, err error)
	// reported is the problem list last logged, so a problem is logged when it appears
	// and when it is gone, not at every minute's rebuild.
	reported string

	// lastEnd and lastTook pace Run's rebuilds (see restGap); only Run's goroutine uses them.
	lastEnd  time.Time
	lastTook time.Duration
}

// SetObserver makes every build report its duration and error to fn. Call it before Run.
func (h *Holder) SetObserver(fn func(took time.Duration, err error)) { h.observe = fn }

// NewHolder returns a Holder; call Rebuild once before serving and Run in the background.
func NewHolder(b *Builder, clock status.Clock, log *slog.Logger) *Holder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Holder{b: b, clock: clock, log: log, kick: make(chan struct{}, 1)}
}

// Current returns the snapshot to serve (nil before the first successful build).
func (h *Holder) Current() *Snapshot { return h.cur.Load() }

// Err returns the last build failure, or nil when the last build succeeded.
func (h *Holder) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastErr
}

// Notify asks for a rebuild. Calls coalesce: a burst of changes costs one or two builds.
func (h *Holder) Notify() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// OnChange is a status.Service subscriber.
func (h *Holder) OnChange(status.Change) { h.Notify() }

// Rebuild renders a new snapshot now and publishes it. When the store cannot be read, the
// last known state is rendered again (saying so) if there is one, else the previous
// snapshot stays in place: readers keep getting the last known state either way.
func (h *Holder) Rebuild(ctx context.Context) error {
	start := time.Now()
	snap, err := h.b.Build(ctx, h.clock.Now())
	if h.observe != nil {
		h.observe(time.Since(start), err)
	}
	h.mu.Lock()
	h.lastErr = err
	waiters := h.waiters
	h.waiters = nil
	h.mu.Unlock()
	if snap != nil {
		h.cur.Store(snap)
		h.report(snap)
	}
	if err == nil {
		h.log.Debug("snapshot built", "revision", snap.Revision, "docs", snap.Len(), "took", time.Since(start))
	}
	for _, w := range waiters {
		close(w)
	}
	return err
}

// report logs the records the build rendered around, when they changed since the last
// report.
func (h *Holder) report(snap *Snapshot) {
	problems, n := snap.Problems()
	key := strings.Join(problems, "\n")
	h.mu.Lock()
	changed := key != h.reported
	h.reported = key
	h.mu.Unlock()
	switch {
	case !changed:
	case n == 0:
		h.log.Info("snapshot builds cleanly again", "revision", snap.Revision)
	default:
		for _, p := range problems {
			h.log.Error("snapshot rendered around a bad record; fix or remove it", "revision", snap.Revision, "problem", p)
		}
		if n > len(problems) {
			h.log.Error("snapshot rendered around more bad records", "revision", snap.Revision, "more", n-len(problems))
		}
	}
}

// Built returns a channel closed after the next build attempt finishes.
func (h *Holder) Built() <-chan struct{} {
	ch := make(chan struct{})
	h.mu.Lock()
	h.waiters = append(h.waiters, ch)
	h.mu.Unlock()
	return ch
}

// A rebuild reads the whole public state and renders every document, so under a stream of
// writes back-to-back rebuilds would take a core of their own and starve the writers and
// readers they serve (issue 18: write p99 near a second under 200 readers and 5 writers).
// Run therefore rests after each rebuild for as long as it took, at least minRest: at most
// half of one core goes to rebuilding, and a change is still on the pages within about
// three rebuild times. The first change after a quiet spell is rebuilt at once.
const minRest = 50 * time.Millisecond

// restGap is how long Run waits after the last rebuild before the next one may start.
func (h *Holder) restGap() time.Duration { return max(minRest, h.lastTook) }

// retryEvery is how often a failed build is retried while the store is unreachable, and
// how often the store's revision is compared with the snapshot's.
const retryEvery = 2 * time.Second

// revisionMoved reports whether the store's public revision differs from the snapshot's.
func (h *Holder) revisionMoved(ctx context.Context) bool {
	var rev int64
	err := h.b.store.Read(ctx, func(tx status.Tx) error {
		var err error
		rev, err = tx.Revision()
		return err
	})
	cur := h.Current()
	return err != nil || cur == nil || rev != cur.Revision
}

// Run rebuilds on every Notify, at every minute boundary and, after a failure, every few
// seconds until it succeeds. It returns when ctx is done.
func (h *Holder) Run(ctx context.Context) {
	minute := time.NewTicker(time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)))
	defer minute.Stop()
	retry := time.NewTicker(retryEvery)
	defer retry.Stop()
	aligned := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.kick:
		case <-minute.C:
			if !aligned {
				minute.Reset(time.Minute)
				aligned = true
			}
		case <-retry.C:
			// Rebuild after a failure, or when another process (a CLI import, another
			// replica) changed the store without telling this one.
			if h.Err() == nil && !h.revisionMoved(ctx) {
				continue
			}
		}
		if wait := time.Until(h.lastEnd.Add(h.restGap())); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		start := time.Now()
		if err := h.Rebuild(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("snapshot build failed; serving the last known state", "err", err)
		}
		h.lastEnd = time.Now()
		h.lastTook = h.lastEnd.Sub(start)
	}
}

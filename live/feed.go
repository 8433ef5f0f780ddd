package live

import (
	"context"
	"sync"
)

// Feeder announces changes on a Hub only once the public snapshot that contains them is
// being served, so a browser that refetches on the event gets the new page. Notify never
// blocks (it is called on the writer's goroutine); bursts of changes coalesce into one
// event for the snapshot that contains them all.
type Feeder struct {
	hub    *Hub
	served func() int64           // revision of the snapshot being served
	built  func() <-chan struct{} // closed after the next snapshot build attempt

	mu      sync.Mutex
	pending Event // the newest change not yet announced
	kick    chan struct{}
}

// NewFeeder returns a Feeder; run it with Run.
func NewFeeder(hub *Hub, served func() int64, built func() <-chan struct{}) *Feeder {
	return &Feeder{hub: hub, served: served, built: built, kick: make(chan struct{}, 1)}
}

// Notify records a committed change; Run announces it once it is served.
func (f *Feeder) Notify(e Event) {
	f.mu.Lock()
	if e.Revision > f.pending.Revision {
		f.pending = e
	}
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Run announces changes until ctx is done.
func (f *Feeder) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.kick:
		}
		f.mu.Lock()
		e := f.pending
		f.mu.Unlock()
		for f.served() < e.Revision {
			built := f.built()
			if f.served() >= e.Revision { // built between the check and the registration
				break
			}
			select {
			case <-built:
			case <-ctx.Done():
				return
			}
		}
		rev := f.served()
		f.mu.Lock()
		if f.pending.Revision > e.Revision && f.pending.Revision <= rev {
			e = f.pending // a later change made it into the same snapshot: name that one
		}
		f.mu.Unlock()
		e.Revision = max(e.Revision, rev)
		f.hub.Publish(e)
	}
}

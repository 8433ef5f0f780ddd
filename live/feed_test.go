package live

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeHolder stands in for snapshot.Holder: a served revision and build waiters.
type fakeHolder struct {
	mu      sync.Mutex
	rev     int64
	waiters []chan struct{}
}

func (f *fakeHolder) served() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rev
}

func (f *fakeHolder) built() <-chan struct{} {
	ch := make(chan struct{})
	f.mu.Lock()
	f.waiters = append(f.waiters, ch)
	f.mu.Unlock()
	return ch
}

func (f *fakeHolder) build(rev int64) {
	f.mu.Lock()
	f.rev = rev
	w := f.waiters
	f.waiters = nil
	f.mu.Unlock()
	for _, ch := range w {
		close(ch)
	}
}

func TestFeederWaitsForTheSnapshot(t *testing.T) {
	hub := NewHub(Config{Revision: 1})
	defer hub.Close()
	fh := &fakeHolder{rev: 1}
	f := NewFeeder(hub, fh.served, fh.built)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()

	f.Notify(Event{Revision: 2, Kind: "incident", ID: "a"})
	time.Sleep(20 * time.Millisecond)
	if hub.Revision() != 1 {
		t.Fatal("announced revision 2 before a snapshot served it")
	}
	fh.build(1) // a build that does not include the change (an earlier kick, the minute tick)
	time.Sleep(20 * time.Millisecond)
	if hub.Revision() != 1 {
		t.Fatal("announced revision 2 after a build of revision 1")
	}
	// A burst: both land in one snapshot and are announced once, as the newer change.
	f.Notify(Event{Revision: 3, Kind: "component", ID: "b"})
	fh.build(3)
	waitUntil(t, func() bool { return hub.Revision() == 3 })
	if got := string(hub.load().cur.b); got != "id: 3\nevent: change\ndata: {\"revision\":3,\"kind\":\"component\",\"id\":\"b\"}\n\n" {
		t.Fatalf("announced %q", got)
	}
	// A change already served by the time the feeder looks is announced at once.
	fh.build(4)
	f.Notify(Event{Revision: 4, Kind: "incident", ID: "c"})
	waitUntil(t, func() bool { return hub.Revision() == 4 })
	cancel()
	<-done
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

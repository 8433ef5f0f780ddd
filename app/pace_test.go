package app

import (
	"sync"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// TestThrottle: a burst of changes reaches the subscriber twice — the first at once, the
// last when the gap ends — and nothing of the burst is lost.
func TestThrottle(t *testing.T) {
	var mu sync.Mutex
	var got []int64
	fn := throttle(200*time.Millisecond, func(c status.Change) {
		mu.Lock()
		got = append(got, c.Revision)
		mu.Unlock()
	})
	for rev := int64(1); rev <= 10; rev++ {
		fn(status.Change{Revision: rev})
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // nothing more comes
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != 1 || got[1] != 10 {
		t.Fatalf("subscriber got revisions %v, want [1 10]", got)
	}
}

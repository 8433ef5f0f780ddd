package app

import (
	"sync"
	"time"

	"github.com/candorstatus/candor/status"
)

// modelRebuildGap is the least time between two rebuilds of the ETA model after changes.
// Each rebuild reads the whole incident history; rebuilt after every write, under a stream
// of writes it took a third of the machine's CPU away from the writers (issue 18). The
// model learns from history, which a few seconds' delay does not change.
const modelRebuildGap = 5 * time.Second

// throttle returns a subscriber that passes a change on to fn at once when the last one
// passed at least gap ago, and otherwise once when the gap ends, for the latest change
// that came in it: a burst of changes costs fn two calls, and the last change is never lost.
// fn must return quickly; the delayed call runs on a timer's goroutine.
func throttle(gap time.Duration, fn func(status.Change)) func(status.Change) {
	var (
		mu      sync.Mutex
		last    time.Time
		pending *status.Change
		timer   *time.Timer
	)
	flush := func() {
		mu.Lock()
		c := pending
		pending, timer, last = nil, nil, time.Now()
		mu.Unlock()
		if c != nil {
			fn(*c)
		}
	}
	return func(c status.Change) {
		mu.Lock()
		if timer == nil && time.Since(last) >= gap {
			last = time.Now()
			mu.Unlock()
			fn(c)
			return
		}
		pending = &c
		if timer == nil {
			timer = time.AfterFunc(time.Until(last.Add(gap)), flush)
		}
		mu.Unlock()
	}
}

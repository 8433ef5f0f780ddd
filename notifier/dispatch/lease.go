package dispatch

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/candorstatus/candor/status"
)

// leaseKeeper renews the leases of one claim while the dispatcher works on it — a
// heartbeat every third of the lease — and says whether a new send may start: not once
// three quarters of the lease have passed since the last renewal, because after the lease
// another dispatcher may claim the jobs and both would send. So a live dispatcher keeps
// its jobs however long FCM takes, and a dead one's are free within one lease (issue 18:
// with a fixed 2-minute lease, a dead dispatcher's push arrived after later incidents').
type leaseKeeper struct {
	d     *Dispatcher
	ids   []int64
	until atomic.Int64 // Unix nanoseconds: when the leases run out, as far as we know
	stop  chan struct{}
	done  chan struct{}
}

// keepLeases starts the heartbeat of jobs claimed at claimedAt; call close when done.
func (d *Dispatcher) keepLeases(ctx context.Context, claimedAt time.Time, jobs []status.OutboxJob) *leaseKeeper {
	k := &leaseKeeper{d: d, ids: make([]int64, len(jobs)), stop: make(chan struct{}), done: make(chan struct{})}
	for i := range jobs {
		k.ids[i] = jobs[i].ID
	}
	k.until.Store(claimedAt.Add(d.cfg.Lease).UnixNano())
	go k.run(ctx)
	return k
}

func (k *leaseKeeper) run(ctx context.Context) {
	defer close(k.done)
	every := k.d.cfg.Lease / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		until := k.d.cfg.Clock.Now().Add(k.d.cfg.Lease)
		rctx, cancel := context.WithTimeout(ctx, every)
		_, err := k.d.cfg.Queue.ExtendLeases(rctx, k.d.cfg.Owner, k.ids, until)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				k.d.log.WarnContext(ctx, "outbox: lease renewal failed; sends stop before the leases run out", "err", err)
			}
			continue
		}
		k.until.Store(until.UnixNano())
	}
}

// close stops the heartbeat and waits for it.
func (k *leaseKeeper) close() {
	close(k.stop)
	<-k.done
}

// leaseUntil is when the claim's leases run out, as far as the last renewal knows.
func (k *leaseKeeper) leaseUntil() time.Time { return time.Unix(0, k.until.Load()).UTC() }

// canStart reports whether a new send may start: ctx is live and less than three
// quarters of the lease have passed since the last renewal.
func (k *leaseKeeper) canStart(ctx context.Context) bool {
	return ctx.Err() == nil && k.d.cfg.Clock.Now().Before(k.leaseUntil().Add(-k.d.cfg.Lease/4))
}

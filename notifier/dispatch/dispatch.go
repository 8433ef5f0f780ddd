// Package dispatch owns delivering Candor's outbox: it claims due status.OutboxJobs under a
// lease, sends them through a notifier.Sender in Sends of SendBatch messages — the
// granularity at which FCM's SDK acknowledges — and saves the progress of every job in a
// Send right after it, so delivery is at-least-once across crashes and a token FCM
// acknowledged is not sent again (at most the Send in flight when a process dies is). It
// prunes the device tokens FCM reports dead and retries transient failures with jittered
// exponential backoff that honours Retry-After.
//
// Any number of dispatchers may run against one store: the lease keeps them off each
// other's jobs. A dispatcher renews its leases while it works (a heartbeat every third of
// the lease), so the lease can be short and a dead dispatcher's jobs are taken over within
// it, oldest first, which keeps each incident's pushes in order.
package dispatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	randv2 "math/rand/v2"
	"os"
	"sync/atomic"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/status"
)

// Config configures a Dispatcher; zero fields take the defaults noted.
type Config struct {
	Owner  string // lease owner id (default hostname-pid-random)
	Sender notifier.Sender
	Queue  Queue
	Clock  status.Clock // default status.SystemClock
	Log    *slog.Logger // default slog.Default()
	Batch  int          // jobs claimed at once (default 20)
	// Lease is how long a claim is ours without renewal (default 15s); a heartbeat renews
	// it every third of it while the dispatcher works. Past three quarters of it since the
	// last renewal no new send starts: the rest is handed back.
	Lease time.Duration
	// SendBatch is the most messages one Send carries (default 50: the Firebase SDK sends
	// 50 at once and answers for the Send as a whole), and so how many messages at most a
	// crash can send again.
	SendBatch int
	// MaxAttempts is how many attempts a job gets before it is failed, visible to staff
	// with its LastError (default 10).
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the retry delay (default 2s and 10m).
	BaseBackoff, MaxBackoff time.Duration
	// Poll is the safety-net wake-up when nothing else woke Run (default 30s).
	Poll time.Duration
	// Rand returns a number in [0,1) for jitter (default math/rand/v2; tests fix it).
	Rand func() float64
}

// Defaults.
const (
	DefaultBatch       = 20
	DefaultLease       = 15 * time.Second // renewed while the dispatcher lives
	DefaultSendBatch   = 50
	DefaultMaxAttempts = 10
	DefaultBaseBackoff = 2 * time.Second
	DefaultMaxBackoff  = 10 * time.Minute
	DefaultPoll        = 30 * time.Second
)

// Backoff of Run while the Queue fails (the store is down): doubling between these.
const (
	minQueueBackoff = time.Second
	maxQueueBackoff = 30 * time.Second
)

// saveTimeout bounds a save. Saves run on a context detached from cancellation, so the
// progress of a send that completed is kept even when shutdown cancelled the run.
const saveTimeout = 10 * time.Second

// Dispatcher delivers outbox jobs. Its methods are safe for concurrent use, but run one
// Run (or Drain) at a time per Dispatcher; run several Dispatchers to scale out.
type Dispatcher struct {
	cfg   Config
	log   *slog.Logger
	wake  chan struct{}
	stats counters
	// queueBackoff bounds Run's wait while the Queue fails (tests shorten it).
	queueBackoff [2]time.Duration
	// processFn processes a claim (default d.process: pushes and topic changes); the
	// email dispatcher runs the same claim, lease and retry machinery over email jobs.
	processFn func(ctx context.Context, claimedAt time.Time, jobs []status.OutboxJob) error
}

type counters struct {
	jobsSent, jobsFailed, jobsRetried, jobsExpired, jobsReleased atomic.Int64
	leasesLost, jobsSuperseded                                   atomic.Int64
	messagesSent, topicChanges, tokensPruned                     atomic.Int64
}

// Stats counts what a Dispatcher did since New.
type Stats struct {
	JobsSent, JobsFailed, JobsRetried, JobsExpired int64
	// JobsReleased counts jobs handed back unattempted: the context ended (shutdown) or
	// the claim's lease was running out.
	JobsReleased int64
	// LeasesLost counts saves refused because another dispatcher had claimed the job
	// since: this one outlived its lease.
	LeasesLost int64
	// JobsSuperseded counts jobs a newer update of their incident superseded while this
	// dispatcher was sending them: it stopped, having sent what it had.
	JobsSuperseded int64
	MessagesSent   int64 // pushes FCM acknowledged: one per token, topic or condition
	TopicChanges   int64 // token subscriptions or unsubscriptions acknowledged
	TokensPruned   int64 // dead tokens removed from jobs and passed to Queue.DeleteDevices
}

// New returns a Dispatcher. Sender and Queue are required: New panics without them, as
// wiring them is main's job.
func New(cfg Config) *Dispatcher {
	if cfg.Sender == nil || cfg.Queue == nil {
		panic("dispatch: Config.Sender and Config.Queue are required")
	}
	if cfg.Owner == "" {
		cfg.Owner = defaultOwner()
	}
	if cfg.Clock == nil {
		cfg.Clock = status.SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.SendBatch <= 0 {
		cfg.SendBatch = DefaultSendBatch
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.BaseBackoff)
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Rand == nil {
		cfg.Rand = randv2.Float64
	}
	return &Dispatcher{
		cfg:  cfg,
		log:  cfg.Log.With("component", "outbox", "owner", cfg.Owner),
		wake: make(chan struct{}, 1),

		queueBackoff: [2]time.Duration{minQueueBackoff, maxQueueBackoff},
	}
}

func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Wake tells Run that jobs may be due; it never blocks. The write path calls it after a
// commit that inserted jobs. A wake while Run is busy is kept for its next wait.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Stats returns the counters.
func (d *Dispatcher) Stats() Stats {
	c := &d.stats
	return Stats{
		JobsSent: c.jobsSent.Load(), JobsFailed: c.jobsFailed.Load(), JobsRetried: c.jobsRetried.Load(),
		JobsExpired: c.jobsExpired.Load(), JobsReleased: c.jobsReleased.Load(), LeasesLost: c.leasesLost.Load(),
		JobsSuperseded: c.jobsSuperseded.Load(),
		MessagesSent:   c.messagesSent.Load(), TopicChanges: c.topicChanges.Load(), TokensPruned: c.tokensPruned.Load(),
	}
}

// Run delivers jobs until ctx ends: it claims up to Batch due jobs, processes them, and
// loops at once after a full batch; otherwise it waits for the earliest of Wake, the next
// job due (Queue.NextDue) and Poll. While the Queue fails it logs and backs off (1s
// doubling to 30s, not cut short by Wake, so a broken store is not hammered).
func (d *Dispatcher) Run(ctx context.Context) {
	d.log.InfoContext(ctx, "outbox dispatcher running", "batch", d.cfg.Batch, "lease", d.cfg.Lease)
	var errWait time.Duration
	for ctx.Err() == nil {
		n, err := d.round(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			errWait = min(max(2*errWait, d.queueBackoff[0]), d.queueBackoff[1])
			d.log.ErrorContext(ctx, "outbox: queue failing, backing off", "err", err, "retry_in", errWait)
			d.sleep(ctx, errWait, false)
			continue
		}
		if errWait > 0 {
			d.log.InfoContext(ctx, "outbox: queue recovered")
			errWait = 0
		}
		if n == d.cfg.Batch {
			continue
		}
		d.sleep(ctx, d.idleWait(ctx, n), true)
	}
	d.log.InfoContext(ctx, "outbox dispatcher stopped")
}

// idleWait is how long Run may sleep after a claim of n (< Batch) jobs.
func (d *Dispatcher) idleWait(ctx context.Context, n int) time.Duration {
	at, ok, err := d.cfg.Queue.NextDue(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.WarnContext(ctx, "outbox: next due job unknown, polling", "err", err, "poll", d.cfg.Poll)
		}
		return d.cfg.Poll
	}
	if !ok {
		return d.cfg.Poll
	}
	wait := at.Sub(d.cfg.Clock.Now())
	if wait <= 0 && n == 0 {
		// Due, yet the claim found nothing (clock skew between us and the store): do not
		// spin on it.
		return min(d.cfg.Poll, d.queueBackoff[0])
	}
	return min(max(wait, 0), d.cfg.Poll)
}

// sleep waits for d, ctx's end or (when wakeable) a Wake.
func (d *Dispatcher) sleep(ctx context.Context, dur time.Duration, wakeable bool) {
	if dur <= 0 {
		return
	}
	t := time.NewTimer(dur)
	defer t.Stop()
	wake := d.wake
	if !wakeable {
		wake = nil
	}
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

// Drain processes every job due now, claim after claim, until a claim comes back empty,
// and returns how many jobs it processed. For tests and shutdown; do not run it alongside
// Run on the same Dispatcher.
func (d *Dispatcher) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := d.round(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// round claims one batch and processes it, returning how many jobs were claimed.
func (d *Dispatcher) round(ctx context.Context) (int, error) {
	now := d.cfg.Clock.Now()
	jobs, err := d.cfg.Queue.Claim(ctx, now, d.cfg.Owner, d.cfg.Lease, d.cfg.Batch)
	if err != nil {
		return 0, fmt.Errorf("claim jobs: %w", err)
	}
	if len(jobs) == 0 {
		return 0, nil
	}
	if d.processFn != nil {
		return len(jobs), d.processFn(ctx, now, jobs)
	}
	return len(jobs), d.process(ctx, now, jobs)
}

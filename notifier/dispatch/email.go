package dispatch

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/status"
)

// EmailConfig configures an EmailDispatcher; zero fields take the defaults noted.
type EmailConfig struct {
	Owner  string
	Sender email.Sender
	Store  status.Store
	Clock  status.Clock
	Log    *slog.Logger
	// From is every email's From; PublicURL the base of the links in them; PageName and
	// DefaultLang write the confirmation emails.
	From        string
	PublicURL   string
	PageName    lang.Text
	DefaultLang lang.Lang
	// Connections is how many SMTP connections send at once (default 4), each reused for
	// every email of a claim.
	Connections int
	// Rate caps emails per second (0: no cap).
	Rate float64
	// Page is how many recipients are read from the store at a time (default 500): the
	// audience is streamed, never held whole.
	Page int
	// FlushEvery and FlushSize bound how long and how many acknowledged emails wait before
	// their deliveries are committed (defaults 20ms and 100): the most a kill -9 can send
	// again, however large the job.
	FlushEvery time.Duration
	FlushSize  int
	// Lease, MaxAttempts, BaseBackoff, MaxBackoff, Poll: as Config.
	Lease                   time.Duration
	MaxAttempts             int
	BaseBackoff, MaxBackoff time.Duration
	Poll                    time.Duration
}

// Email defaults.
const (
	DefaultConnections = 4
	DefaultEmailPage   = 500
	DefaultFlushEvery  = 20 * time.Millisecond
	DefaultFlushSize   = 100
)

// EmailDispatcher delivers email jobs: it claims them under a lease like the push
// dispatcher (the same heartbeat, retry, backoff and supersede rules), walks each job's
// audience from the store page by page, sends through a few reused SMTP connections at a
// capped rate, and records every recipient the server answered for — accepted or bounced —
// in small batches, so a crash re-sends at most the last batch's acknowledged emails and
// never a whole job.
type EmailDispatcher struct {
	d       *Dispatcher
	cfg     EmailConfig
	store   status.Store
	limiter *rate.Limiter
	stats   emailCounters
}

type emailCounters struct{ sent, bounced, deferred atomic.Int64 }

// EmailStats counts what an EmailDispatcher did.
type EmailStats struct {
	Sent, Bounced, Deferred int64 // emails accepted, refused for good, to be tried again
	Jobs                    Stats
}

// NewEmail returns an EmailDispatcher; Sender and Store are required.
func NewEmail(cfg EmailConfig) *EmailDispatcher {
	if cfg.Sender == nil || cfg.Store == nil {
		panic("dispatch: EmailConfig.Sender and EmailConfig.Store are required")
	}
	if cfg.Connections <= 0 {
		cfg.Connections = DefaultConnections
	}
	if cfg.Page <= 0 {
		cfg.Page = DefaultEmailPage
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = DefaultFlushEvery
	}
	if cfg.FlushSize <= 0 {
		cfg.FlushSize = DefaultFlushSize
	}
	e := &EmailDispatcher{cfg: cfg, store: cfg.Store}
	e.d = New(Config{Owner: cfg.Owner, Sender: noPushes{}, Queue: emailQueue{storeQueue{cfg.Store}}, Clock: cfg.Clock,
		Log: cfg.Log, Batch: 4, Lease: cfg.Lease, MaxAttempts: cfg.MaxAttempts, BaseBackoff: cfg.BaseBackoff,
		MaxBackoff: cfg.MaxBackoff, Poll: cfg.Poll})
	e.d.log = e.d.log.With("channel", "email")
	e.d.processFn = e.process
	if e.cfg.Clock == nil {
		e.cfg.Clock = e.d.cfg.Clock
	}
	if cfg.Rate > 0 {
		e.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate/10)))
	}
	return e
}

// Run delivers email jobs until ctx ends.
func (e *EmailDispatcher) Run(ctx context.Context) { e.d.Run(ctx) }

// Drain sends every email job due now (tests).
func (e *EmailDispatcher) Drain(ctx context.Context) (int, error) { return e.d.Drain(ctx) }

// Wake tells Run that email jobs may be due; it never blocks.
func (e *EmailDispatcher) Wake() { e.d.Wake() }

// Stats returns the counters.
func (e *EmailDispatcher) Stats() EmailStats {
	return EmailStats{Sent: e.stats.sent.Load(), Bounced: e.stats.bounced.Load(), Deferred: e.stats.deferred.Load(), Jobs: e.d.Stats()}
}

// emailQueue claims email jobs only.
type emailQueue struct{ storeQueue }

func (q emailQueue) Claim(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]status.OutboxJob, error) {
	var jobs []status.OutboxJob
	err := q.s.Write(ctx, func(tx status.Tx) error {
		var err error
		jobs, err = tx.ClaimJobsOfKind(status.JobEmail, now, owner, lease, limit)
		return err
	})
	return jobs, err
}

// link is an absolute link to a public page with a token.
func (e *EmailDispatcher) link(path, token, lng string) string {
	return e.cfg.PublicURL + path + "?" + url.Values{"token": {token}, "lang": {lng}}.Encode()
}

// Link paths (handlers serves them).
const (
	ConfirmPath     = "/subscribe/confirm"
	ManagePath      = "/subscription"
	UnsubscribePath = "/unsubscribe"
)

// process runs a claim of email jobs one after another over one set of connections.
func (e *EmailDispatcher) process(ctx context.Context, claimedAt time.Time, jobs []status.OutboxJob) error {
	lease := e.d.keepLeases(ctx, claimedAt, jobs)
	defer lease.close()
	pool := newConnPool(e.cfg.Sender)
	defer pool.close()
	for i := range jobs {
		j := &jobs[i]
		if !j.ExpiresAt.IsZero() && j.ExpiresAt.Before(claimedAt) {
			if err := e.d.finish(ctx, j, status.JobExpired, "expired before it could be sent"); err != nil {
				return err
			}
			continue
		}
		if !lease.canStart(ctx) {
			for _, rest := range jobs[i:] {
				if err := e.d.release(ctx, &rest); err != nil {
					return err
				}
			}
			return ctx.Err()
		}
		if err := e.runJob(ctx, lease, pool, j); err != nil {
			return err
		}
	}
	return nil
}

// connPool keeps a claim's SMTP connections for reuse.
type connPool struct {
	sender email.Sender
	mu     sync.Mutex
	idle   []email.Conn
}

func newConnPool(s email.Sender) *connPool { return &connPool{sender: s} }

func (p *connPool) get(ctx context.Context) (email.Conn, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	return p.sender.Open(ctx)
}

func (p *connPool) put(c email.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, c)
}

func (p *connPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		c.Close()
	}
	p.idle = nil
}

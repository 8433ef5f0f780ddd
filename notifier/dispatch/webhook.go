package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	randv2 "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/status"
)

// WebhookConfig configures a WebhookDispatcher; zero fields take the defaults noted.
type WebhookConfig struct {
	Store status.Store
	Guard webhook.Guard
	// Client sends the requests (default: one that dials through Guard, follows no
	// redirects and gives each request Timeout).
	Client *http.Client
	Owner  string       // lease owner id (default hostname-pid-random)
	Clock  status.Clock // default status.SystemClock
	Log    *slog.Logger
	// Batch is how many endpoints' next deliveries are claimed at once (default 100), sent
	// by Workers at a time (default 16).
	Batch, Workers int
	// Timeout bounds one request (default 10s). Lease must outlast it (default and least
	// 2×Timeout+5s): no request starts after half the lease has passed since the claim.
	Timeout, Lease time.Duration
	// BaseBackoff doubles per attempt up to MaxBackoff (defaults 30s and 1h), with jitter;
	// a delivery still failing GiveUpAfter (default 24h) after it was queued is failed.
	BaseBackoff, MaxBackoff, GiveUpAfter time.Duration
	// DisableAfter is how long an endpoint may fail without a success before it is
	// disabled (default 24h).
	DisableAfter time.Duration
	Poll         time.Duration           // safety-net wake-up (default 30s)
	Rand         func() float64          // jitter in [0,1) (default math/rand/v2)
	UserAgent    string                  // default "Candor-Webhooks/1"
	OnDisable    func(id, reason string) // told when an endpoint is disabled, after the commit (nil: only logged)
	// MailOwners queues, in the transaction that disables an endpoint, an email to its
	// contact address when it has one (an email job: durable, sent by the EmailDispatcher;
	// wake it from OnDisable). Set it when mail is configured.
	MailOwners bool
	// PublicURL is the status page's address: public endpoints' removal links, written into
	// their statuspage bodies' "meta.unsubscribe" as they are sent.
	PublicURL string
	// Observe is told each attempt's duration and outcome — ok, retry (it will be tried
	// again) or failed (for good) — for /metrics (nil: nobody).
	Observe func(took time.Duration, outcome string)
}

// Webhook delivery defaults.
const (
	DefaultWebhookTimeout      = 10 * time.Second
	DefaultWebhookBaseBackoff  = 30 * time.Second
	DefaultWebhookMaxBackoff   = time.Hour
	DefaultWebhookGiveUpAfter  = 24 * time.Hour
	DefaultWebhookDisableAfter = 24 * time.Hour
)

// maxResponseRead is how much of an answer is read (for the error message).
const maxResponseRead = 1 << 10

// WebhookDispatcher delivers webhook deliveries: each endpoint's in order, one at a time,
// at least once. Any number may run against one store; the claim's lease keeps them apart.
type WebhookDispatcher struct {
	cfg  WebhookConfig
	log  *slog.Logger
	wake chan struct{}
}

// NewWebhookDispatcher returns a dispatcher; Store is required.
func NewWebhookDispatcher(cfg WebhookConfig) *WebhookDispatcher {
	if cfg.Store == nil {
		panic("dispatch: WebhookConfig.Store is required")
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
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Timeout, DefaultWebhookTimeout)
	// Long enough for a request started at half of it to finish and be saved; short, so a
	// dead dispatcher's deliveries are taken over soon.
	def(&cfg.Lease, 2*cfg.Timeout+5*time.Second)
	cfg.Lease = max(cfg.Lease, 2*cfg.Timeout+5*time.Second)
	def(&cfg.BaseBackoff, DefaultWebhookBaseBackoff)
	def(&cfg.MaxBackoff, DefaultWebhookMaxBackoff)
	def(&cfg.GiveUpAfter, DefaultWebhookGiveUpAfter)
	def(&cfg.DisableAfter, DefaultWebhookDisableAfter)
	def(&cfg.Poll, DefaultPoll)
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Rand == nil {
		cfg.Rand = randv2.Float64
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Candor-Webhooks/1"
	}
	if cfg.Client == nil {
		tr := &http.Transport{DialContext: cfg.Guard.DialContext, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 4,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: cfg.Timeout, ResponseHeaderTimeout: cfg.Timeout}
		cfg.Client = &http.Client{Transport: tr, Timeout: cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &WebhookDispatcher{cfg: cfg, log: cfg.Log.With("component", "webhooks", "owner", cfg.Owner), wake: make(chan struct{}, 1)}
}

// Wake tells Run that deliveries may be due; it never blocks.
func (d *WebhookDispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends. It keeps up to Batch deliveries in flight, sent by Workers:
// whenever some are saved it claims more, so a slow receiver holds one worker, not the
// others' queues. It sleeps until Wake, a save, the next delivery due or Poll. While the
// store fails it backs off (1s doubling to 30s).
func (d *WebhookDispatcher) Run(ctx context.Context) {
	work := make(chan claimedDelivery, d.cfg.Batch)
	// Few results may wait for their save: each is a 2xx a crash would have sent again.
	// With Workers of room, workers wait for the saver rather than run ahead of it.
	results := make(chan hookResult, d.cfg.Workers)
	var inflight atomic.Int64
	saved := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				results <- d.deliver(ctx, c.x, c.e, c.deadline)
			}
		}()
	}
	saverDone := make(chan struct{})
	go func() {
		defer close(saverDone)
		if err := d.saveResults(results, func(n int) {
			inflight.Add(-int64(n))
			select {
			case saved <- struct{}{}:
			default:
			}
		}); err != nil {
			d.log.Error("webhooks: saving deliveries failed; they are sent again after their lease", "err", err)
		}
	}()
	var errWait time.Duration
	for ctx.Err() == nil {
		// Claim when a quarter of the batch is free (or nothing is in flight): each claim
		// reads every endpoint's queue head, so claiming per finished delivery would cost more
		// than the deliveries.
		n := int(inflight.Load())
		if room := d.cfg.Batch - n; room > 0 && (n == 0 || room >= max(d.cfg.Batch/4, 1)) {
			got, err := d.claim(ctx, room)
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				errWait = min(max(2*errWait, minQueueBackoff), maxQueueBackoff)
				d.log.ErrorContext(ctx, "webhooks: store failing, backing off", "err", err, "retry_in", errWait)
				sleepFor(ctx, errWait, nil, nil)
				continue
			}
			errWait = 0
			inflight.Add(int64(len(got)))
			for _, c := range got {
				work <- c // never blocks: at most Batch are in flight
			}
			if len(got) > 0 {
				continue
			}
		}
		if inflight.Load() > 0 {
			// The next save wakes us; asking the store when the next delivery is due
			// costs as much as a claim.
			sleepFor(ctx, d.cfg.Poll, d.wake, saved)
		} else {
			sleepFor(ctx, d.idleWait(ctx), d.wake, saved)
		}
	}
	close(work)
	wg.Wait()
	close(results)
	<-saverDone
}

// claimedDelivery is a claimed delivery with its endpoint and the time after which no
// attempt may start (half its lease).
type claimedDelivery struct {
	x        *status.WebhookDelivery
	e        *status.WebhookEndpoint
	deadline time.Time
}

// claim leases up to limit due heads of enabled endpoints' queues.
func (d *WebhookDispatcher) claim(ctx context.Context, limit int) ([]claimedDelivery, error) {
	claimedAt := d.cfg.Clock.Now()
	var out []claimedDelivery
	err := d.cfg.Store.Write(ctx, func(tx status.Tx) error {
		out = out[:0]
		ds, err := tx.ClaimWebhookDeliveries(claimedAt, d.cfg.Owner, d.cfg.Lease, limit)
		if err != nil {
			return err
		}
		for i := range ds {
			e, err := tx.WebhookEndpoint(ds[i].EndpointID)
			if err != nil {
				return err
			}
			out = append(out, claimedDelivery{x: &ds[i], e: e, deadline: claimedAt.Add(d.cfg.Lease / 2)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return out, nil
}

func (d *WebhookDispatcher) idleWait(ctx context.Context) time.Duration {
	var at time.Time
	var ok bool
	err := d.cfg.Store.Read(ctx, func(tx status.Tx) error {
		var err error
		at, ok, err = tx.NextWebhookDue()
		return err
	})
	if err != nil || !ok {
		return d.cfg.Poll
	}
	return min(max(at.Sub(d.cfg.Clock.Now()), minQueueBackoff/10), d.cfg.Poll)
}

func sleepFor(ctx context.Context, dur time.Duration, wake, saved <-chan struct{}) {
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	case <-saved:
	}
}

// Drain delivers everything due now, round after round, until a claim comes back empty,
// and returns how many attempts it made. For tests; not alongside Run.
func (d *WebhookDispatcher) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := d.round(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// round claims the due heads of the endpoints' queues and delivers them all (Drain's step).
func (d *WebhookDispatcher) round(ctx context.Context) (int, error) {
	got, err := d.claim(ctx, d.cfg.Batch)
	if err != nil || len(got) == 0 {
		return 0, err
	}
	work := make(chan claimedDelivery)
	results := make(chan hookResult, d.cfg.Workers)
	saved := make(chan error, 1)
	go func() { saved <- d.saveResults(results, nil) }()
	var wg sync.WaitGroup
	for range min(d.cfg.Workers, len(got)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				results <- d.deliver(ctx, c.x, c.e, c.deadline)
			}
		}()
	}
	for _, c := range got {
		work <- c
	}
	close(work)
	wg.Wait()
	close(results)
	return len(got), <-saved
}

// hookResult is one delivery after its attempt (e nil: handed back unattempted).
type hookResult struct {
	x *status.WebhookDelivery
	e *status.WebhookEndpoint
	o hookOutcome
}

// saveResults saves results as they come, in group commits: each transaction takes every
// result that arrived while the previous one was being made durable. A process killed
// between a receiver's 2xx and its save sends that request again, so this stays small:
// the results channel holds at most Workers, so at most about 3 × Workers (being saved,
// waiting, held by workers blocked on the channel) are acknowledged and unsaved at once.
func (d *WebhookDispatcher) saveResults(results <-chan hookResult, onSaved func(n int)) error {
	var errs []error
	for r := range results {
		batch := []hookResult{r}
	more:
		for {
			select {
			case r2, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, r2)
			default:
				break more
			}
		}
		if err := d.save(batch); err != nil {
			errs = append(errs, err)
		}
		if onSaved != nil {
			onSaved(len(batch)) // saved or not: no longer in flight here (a failed save's lease runs out)
		}
	}
	return errors.Join(errs...)
}

// hookOutcome is what one webhook attempt did.
type hookOutcome struct {
	code       int
	latency    time.Duration
	err        string
	retry      bool          // transient: try again later
	retryAfter time.Duration // the receiver's Retry-After, 0 without one
}

// deliver makes one attempt at x (unless the claim is too old to start one) and saves it.
func (d *WebhookDispatcher) deliver(ctx context.Context, x *status.WebhookDelivery, e *status.WebhookEndpoint, deadline time.Time) hookResult {
	if ctx.Err() != nil || d.cfg.Clock.Now().After(deadline) {
		x.LeaseOwner, x.LeaseUntil = "", time.Time{} // hand it back untouched
		return hookResult{x: x}
	}
	o := d.attempt(ctx, x, e)
	if ctx.Err() != nil && o.retry && o.code == 0 {
		// Shutdown cut the request short: hand it back without counting it.
		x.LeaseOwner, x.LeaseUntil = "", time.Time{}
		return hookResult{x: x}
	}
	now := d.cfg.Clock.Now()
	x.Attempts++
	x.LastStatus, x.LastLatency, x.LastError = o.code, o.latency, o.err
	x.LeaseOwner, x.LeaseUntil, x.UpdatedAt = "", time.Time{}, now
	outcome := "ok"
	switch {
	case o.err == "":
		x.Status, x.DoneAt = status.JobSent, now
	case !o.retry:
		x.Status, x.DoneAt, outcome = status.JobFailed, now, "failed"
	default:
		wait := d.backoff(x.Attempts, o.retryAfter)
		if next := now.Add(wait); next.Sub(x.CreatedAt) > d.cfg.GiveUpAfter {
			x.Status, x.DoneAt, outcome = status.JobFailed, now, "failed"
			x.LastError = fmt.Sprintf("gave up after %d attempts over %s: %s", x.Attempts, now.Sub(x.CreatedAt).Round(time.Minute), o.err)
		} else {
			x.NextAttemptAt, outcome = next, "retry"
		}
	}
	if d.cfg.Observe != nil {
		d.cfg.Observe(o.latency, outcome)
	}
	return hookResult{x: x, e: e, o: o}
}

// backoff is the wait before attempt n+1: BaseBackoff doubling up to MaxBackoff, jittered
// to between half and all of it, or the receiver's Retry-After when that is longer.
func (d *WebhookDispatcher) backoff(attempts int, retryAfter time.Duration) time.Duration {
	b := d.cfg.BaseBackoff
	for i := 1; i < attempts && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.cfg.MaxBackoff)
	b = b/2 + time.Duration(d.cfg.Rand()*float64(b/2))
	return max(b, retryAfter)
}

// attempt sends x once to e and classifies the answer.
func (d *WebhookDispatcher) attempt(ctx context.Context, x *status.WebhookDelivery, e *status.WebhookEndpoint) hookOutcome {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	body := webhook.Personalize(x.Body, e, d.cfg.PublicURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return hookOutcome{err: "bad URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", d.cfg.UserAgent)
	if err := webhook.SetHeaders(req.Header, e.Secret, x.MessageID, d.cfg.Clock.Now(), body); err != nil {
		return hookOutcome{err: "signing: " + err.Error()}
	}
	start := time.Now()
	resp, err := d.cfg.Client.Do(req)
	lat := time.Since(start)
	if err != nil {
		// url.Error repeats the URL, which may carry a token (Slack's and Discord's do):
		// keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, webhook.ErrBlocked) {
			return hookOutcome{latency: lat, err: err.Error()}
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, http.ErrHandlerTimeout) {
			return hookOutcome{latency: lat, err: fmt.Sprintf("no answer within %s", d.cfg.Timeout), retry: true}
		}
		return hookOutcome{latency: lat, err: err.Error(), retry: true}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseRead))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	o := hookOutcome{code: resp.StatusCode, latency: lat}
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return o
	case c >= 300 && c < 400:
		o.err = fmt.Sprintf("HTTP %d: redirects are not followed; register the final URL", c)
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		o.err, o.retry = fmt.Sprintf("HTTP %d", c), true
		o.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), d.cfg.Clock.Now())
	default:
		o.err = fmt.Sprintf("HTTP %d (not retried)", c)
	}
	if s := string(bytes.ToValidUTF8(bytes.TrimSpace(snippet), nil)); s != "" {
		o.err += ": " + cutRunes(s, 200)
	}
	return o
}

func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date (0: absent or malformed).
// It is capped at a day: a delivery gives up by then anyway.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), 24*time.Hour)
}

// save stores the results' progress in one transaction and, after an attempt (e set), each
// endpoint's health: a success ends its failure run; a failure extends it, and a run longer
// than DisableAfter disables the endpoint and fails what was pending for it. A delivery
// deleted or taken over by another dispatcher since (our lease ran out) is skipped: what we
// did is theirs to redo, at least once.
func (d *WebhookDispatcher) save(batch []hookResult) error {
	ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
	defer cancel()
	type disabling struct{ id, reason string }
	var disabled []disabling
	err := d.cfg.Store.Write(ctx, func(tx status.Tx) error {
		disabled = disabled[:0]
		for _, r := range batch {
			x, o := r.x, r.o
			if err := tx.SaveWebhookDelivery(x, d.cfg.Owner); err != nil {
				if c := status.ErrorCode(err); c == status.ENOTFOUND || c == status.ECONFLICT {
					d.log.Warn("webhooks: delivery not saved", "delivery", x.ID, "endpoint", x.EndpointID, "err", err)
					continue
				}
				return err
			}
			if r.e == nil {
				continue
			}
			if o.err == "" {
				if err := tx.RecordWebhookSuccess(x.EndpointID, x.UpdatedAt); err != nil && status.ErrorCode(err) != status.ENOTFOUND {
					return err
				}
				continue
			}
			cur, err := tx.WebhookEndpoint(x.EndpointID)
			if status.ErrorCode(err) == status.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			now := x.UpdatedAt
			if cur.FailingSince.IsZero() {
				cur.FailingSince = now
			}
			cur.Failures++
			// The endpoint keeps its attempt's own error (HTTP 500, connection refused), which its
			// contact's page shows as is; the delivery keeps the account of its retries.
			cur.LastFailureAt, cur.LastError = now, o.err
			if !cur.Disabled() && now.Sub(cur.FailingSince) >= d.cfg.DisableAfter {
				reason := fmt.Sprintf("disabled after failing since %s (%d attempts): %s",
					cur.FailingSince.UTC().Format(time.RFC3339), cur.Failures, x.LastError)
				cur.DisabledAt, cur.DisabledReason = now, reason
				if _, err := tx.FailWebhookDeliveries(cur.ID, "endpoint disabled", now); err != nil {
					return err
				}
				if err := tx.AppendAudit(&status.AuditEntry{At: now, Actor: status.System, Action: "webhook.disable",
					Target: cur.ID, Detail: cutRunes(reason, 200)}); err != nil {
					return err
				}
				if d.cfg.MailOwners && cur.ContactEmail != "" {
					job, err := status.WebhookEmailJob(status.EmailEventWebhookDisabled, cur.ID, cutRunes(reason, 500), now)
					if err != nil {
						return err
					}
					if err := tx.InsertJobs([]status.OutboxJob{job}); err != nil {
						return fmt.Errorf("queue the email telling webhook %s's contact: %w", cur.ID, err)
					}
				}
				disabled = append(disabled, disabling{cur.ID, reason})
			}
			if err := tx.PutWebhookEndpoint(cur); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %d webhook deliveries: %w", len(batch), err)
	}
	for _, dis := range disabled {
		d.log.Warn("webhooks: endpoint disabled", "endpoint", dis.id, "reason", dis.reason)
		if d.cfg.OnDisable != nil {
			d.cfg.OnDisable(dis.id, dis.reason)
		}
	}
	return nil
}

package status

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Service is the one write path: staff through the API and console, scheduled jobs and the
// importer all change state through it, so validation, derived state, audit entries and
// change notifications happen the same way for everyone.
type Service struct {
	store Store
	clock Clock
	log   *slog.Logger
	// estimator scores incidents against history; nil until SetEstimator.
	estimator Estimator
	// loc is the page's time zone, for times written into automatic timeline entries and
	// the calendar days of uptime roll-ups.
	loc *time.Location
	// notifier plans pushes into the outbox; nil: no pushes.
	notifier Notifier
	// webhooks plans webhook deliveries into their outbox; nil: none. checkWebhookURL
	// refuses URLs the delivery would refuse (private addresses).
	webhooks        WebhookPlanner
	checkWebhookURL func(ctx context.Context, url string) error
	// signalHold is how long a reported signal state must hold before it takes effect.
	signalHold time.Duration

	mu      sync.Mutex
	subs    []func(Change)
	jobSubs []func()
}

// Change tells subscribers that the public state moved to a new revision.
type Change struct {
	Revision int64
	Kind     string // "incident", "component", "maintenance", ...
	ID       string // the changed record, when there is one
}

// NewService returns a Service over store.
func NewService(store Store, clock Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, clock: clock, log: log, loc: time.UTC, signalHold: DefaultSignalHold}
}

// SetEstimator makes the service record restoration estimates and score announced times.
// Call it before the service is shared.
func (s *Service) SetEstimator(e Estimator) { s.estimator = e }

// Estimator returns the estimator, or nil.
func (s *Service) Estimator() Estimator { return s.estimator }

// SetNotifier makes writes queue pushes. Call it before the service is shared.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// OnJobs registers fn to be called after a commit that queued outbox jobs (the dispatcher
// wakes on it). fn must return quickly.
func (s *Service) OnJobs(fn func()) {
	s.mu.Lock()
	s.jobSubs = append(s.jobSubs, fn)
	s.mu.Unlock()
}

// SetLocation sets the page's time zone: for text Candor writes itself and for the days
// uptime is rolled up by. Call it before the service is shared.
func (s *Service) SetLocation(loc *time.Location) { s.loc = loc }

// Store returns the store the service writes to, for read-only consumers.
func (s *Service) Store() Store { return s.store }

// Clock returns the service's clock.
func (s *Service) Clock() Clock { return s.clock }

// Subscribe registers fn to be called after every committed public change. fn runs on the
// writer's goroutine and must return quickly (hand work to a goroutine of its own).
func (s *Service) Subscribe(fn func(Change)) {
	s.mu.Lock()
	s.subs = append(s.subs, fn)
	s.mu.Unlock()
}

func (s *Service) publish(c Change) {
	s.mu.Lock()
	subs := append([]func(Change){}, s.subs...)
	s.mu.Unlock()
	for _, fn := range subs {
		fn(c)
	}
}

// Op describes who performs a write and how to make it safe to retry.
type Op struct {
	Actor Actor
	// Idempotency, when set, makes the write happen at most once for this client key.
	Idempotency *IdempotencyRequest
}

// IdempotencyRequest identifies a retryable request.
type IdempotencyRequest struct {
	Scope       string // the client (API key id)
	Key         string // the client's Idempotency-Key
	RequestHash string // the request's method, path and body, hashed
	// Render, when set, renders the response to the request from within the write's own
	// transaction (reading the resource it created or changed through tx), so the response
	// is recorded with the write — one transaction, and a retry after a crash gets exactly
	// the first answer. The write sets StatusCode and Body to what it rendered.
	Render     func(tx Tx, resourceID string) (statusCode int, body []byte, err error)
	StatusCode int
	Body       []byte
}

// Replay is returned instead of performing a write when the same idempotent request was
// already performed: the caller answers with the recorded response (or, if none was stored
// before a crash, the current state of Record.ResourceID).
type Replay struct{ Record IdempotencyRecord }

func (r *Replay) Error() string { return "idempotent replay of " + r.Record.Key }

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// now returns the time for one change: captured once per transaction, in UTC, at the
// microsecond precision every store keeps.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// change is what a write function reports back to write.
type change struct {
	kind     string
	id       string
	public   bool // the public can see it: bump the revision and notify subscribers
	jobs     bool // outbox jobs were queued: wake the dispatcher
	resource string
	audit    *AuditEntry
}

// write runs fn in one transaction together with the idempotency check, the audit entry
// and the revision bump, then tells subscribers. It reads the clock once: fn, the audit
// entry and the idempotency record all carry that one time.
func (s *Service) write(ctx context.Context, op Op, fn func(tx Tx, now time.Time) (change, error)) error {
	return s.writeAt(ctx, op, s.now(), fn)
}

// writeAt is write at a time the caller already took (to validate its input against), so
// what it validated and what it records agree.
func (s *Service) writeAt(ctx context.Context, op Op, now time.Time, fn func(tx Tx, now time.Time) (change, error)) error {
	var ch change
	var rev int64
	err := s.store.Write(ctx, func(tx Tx) error {
		if r := op.Idempotency; r != nil {
			rec, err := tx.Idempotency(r.Scope, r.Key)
			switch {
			case err == nil && now.Sub(rec.CreatedAt) <= IdempotencyTTL: // as old as the sweep keeps
				if rec.RequestHash != r.RequestHash {
					return Errorf(ECONFLICT, "Idempotency-Key %q was already used for a different request.", r.Key)
				}
				return &Replay{Record: *rec}
			case err == nil:
				// Expired but not yet swept: forget it and proceed as new.
				if _, err := tx.DeleteIdempotencyBefore(now.Add(-IdempotencyTTL)); err != nil {
					return err
				}
			case ErrorCode(err) != ENOTFOUND:
				return err
			}
		}
		var err error
		var rec *componentRecorder
		if s.webhooks != nil {
			rec = &componentRecorder{Tx: tx}
			ch, err = fn(rec, now)
		} else {
			ch, err = fn(tx, now)
		}
		if err != nil {
			return err
		}
		if evs := rec.events(now); len(evs) > 0 {
			queued, err := s.webhooks.PlanComponentWebhooks(tx, evs)
			if err != nil {
				return fmt.Errorf("plan component webhooks: %w", err)
			}
			ch.jobs = ch.jobs || queued
		}
		if r := op.Idempotency; r != nil {
			rec := &IdempotencyRecord{Scope: r.Scope, Key: r.Key, RequestHash: r.RequestHash, ResourceID: ch.resource, CreatedAt: now}
			if r.Render != nil {
				if rec.StatusCode, rec.Body, err = r.Render(tx, ch.resource); err != nil {
					return fmt.Errorf("render the response to record: %w", err)
				}
				r.StatusCode, r.Body = rec.StatusCode, rec.Body
			}
			if err := tx.PutIdempotency(rec); err != nil {
				return fmt.Errorf("record idempotency key: %w", err)
			}
		}
		if ch.audit != nil {
			ch.audit.At = now
			ch.audit.Actor = op.Actor
			if err := tx.AppendAudit(ch.audit); err != nil {
				return fmt.Errorf("append audit entry: %w", err)
			}
		}
		if ch.public {
			if rev, err = tx.BumpRevision(ch.kind); err != nil {
				return fmt.Errorf("bump revision: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ch.public {
		s.publish(Change{Revision: rev, Kind: ch.kind, ID: ch.id})
	}
	if ch.jobs {
		s.mu.Lock()
		subs := append([]func(){}, s.jobSubs...)
		s.mu.Unlock()
		for _, fn := range subs {
			fn()
		}
	}
	return nil
}

// SweepIdempotency forgets idempotency keys older than IdempotencyTTL.
func (s *Service) SweepIdempotency(ctx context.Context) (int, error) {
	var n int
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteIdempotencyBefore(s.now().Add(-IdempotencyTTL))
		return err
	})
	return n, err
}

// Revision returns the current public revision.
func (s *Service) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		rev, err = tx.Revision()
		return err
	})
	return rev, err
}

// IsReplay reports whether err is a *Replay and returns it.
func IsReplay(err error) (*Replay, bool) {
	var r *Replay
	ok := errors.As(err, &r)
	return r, ok
}

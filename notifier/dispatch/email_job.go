package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/status"
)

// noPushes is the push Sender of the email dispatcher's machinery: it is never called.
type noPushes struct{}

func (noPushes) Send(context.Context, []notifier.Message) ([]notifier.Result, error) {
	return nil, fmt.Errorf("the email dispatcher sends no pushes")
}
func (noPushes) Subscribe(context.Context, string, []string) ([]notifier.TopicResult, error) {
	return nil, fmt.Errorf("the email dispatcher sends no pushes")
}
func (noPushes) Unsubscribe(context.Context, string, []string) ([]notifier.TopicResult, error) {
	return nil, fmt.Errorf("the email dispatcher sends no pushes")
}

// task is one email to one subscriber. An update's email is personalised by the worker
// that sends it (content, manage and unsubscribe set), so the queue holds small tasks
// and can run a whole page ahead of the senders.
type task struct {
	subscriberID  string
	mail          email.Mail
	content       *email.Content
	manage, unsub string
}

// build returns the task's email, its links filled in.
func (t *task) build() email.Mail {
	if t.content == nil {
		return t.mail
	}
	c := email.Personalize(*t.content, t.manage, t.unsub)
	m := t.mail
	m.Subject, m.Text, m.HTML = c.Subject, c.Text, c.HTML
	return m
}

// answer is what the server said to one task.
type answer struct {
	subscriberID, to string
	err              error
	sent             bool // the server never saw it (the attempt was stopped first)
}

// jobRun is one attempt of one email job in progress.
type jobRun struct {
	e     *EmailDispatcher
	j     *status.OutboxJob
	lease *leaseKeeper
	pool  *connPool

	tasks   chan task
	answers chan answer
	abort   atomic.Bool // the server cannot be reached: stop producing, send nothing more

	sent, bounced, deferred atomic.Int64
	mu                      sync.Mutex
	firstErr                string // the first temporary failure, for LastError
	flushErr                error  // deliveries that could not be recorded
}

// runJob makes one attempt at a job: produces its emails (a whole audience page by page,
// or one confirmation), sends them on Connections workers and records the answers.
func (e *EmailDispatcher) runJob(ctx context.Context, lease *leaseKeeper, pool *connPool, j *status.OutboxJob) error {
	var produce func(ctx context.Context, r *jobRun) (stopped, gone bool, err error)
	switch j.Event {
	case status.EmailEventConfirm, status.EmailEventManage:
		var p status.SubscriptionPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || p.SubscriberID == "" {
			return e.d.finish(ctx, j, status.JobFailed, fmt.Sprintf("payload: %v", err))
		}
		produce = func(ctx context.Context, r *jobRun) (bool, bool, error) { return r.subscription(ctx, p.SubscriberID) }
	case status.EmailEventWebhookConfirm, status.EmailEventWebhookManage, status.EmailEventWebhookDisabled:
		var p status.WebhookMailPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || p.EndpointID == "" {
			return e.d.finish(ctx, j, status.JobFailed, fmt.Sprintf("payload: %v", err))
		}
		produce = func(ctx context.Context, r *jobRun) (bool, bool, error) { return r.webhookMail(ctx, p) }
	default:
		var p email.Payload
		if err := json.Unmarshal(j.Payload, &p); err != nil || len(p.Content) == 0 {
			return e.d.finish(ctx, j, status.JobFailed, fmt.Sprintf("payload: %v", err))
		}
		produce = func(ctx context.Context, r *jobRun) (bool, bool, error) { return r.audience(ctx, &p) }
	}
	lastErr := j.LastError
	j.Attempts++
	// The queue holds up to two pages: the senders never wait while the next page of the
	// audience is read and its tokens committed.
	r := &jobRun{e: e, j: j, lease: lease, pool: pool, tasks: make(chan task, 2*e.cfg.Page),
		answers: make(chan answer, 2*e.cfg.Page)} // senders do not wait while a batch of answers is committed
	var workers sync.WaitGroup
	for range e.cfg.Connections {
		workers.Add(1)
		go func() { defer workers.Done(); r.work(ctx) }()
	}
	recorded := make(chan struct{})
	go func() { defer close(recorded); r.record(ctx) }()

	stopped, gone, err := produce(ctx, r)
	close(r.tasks)
	workers.Wait()
	close(r.answers)
	<-recorded
	j.Sent += int(r.sent.Load())
	j.Failed += int(r.bounced.Load())
	switch {
	case err != nil:
		return err
	case gone:
		return nil
	case stopped && !r.abort.Load() && r.deferred.Load() == 0 && r.flushErr == nil:
		// Handed back unfinished (shutdown or the lease running out): the attempt does not count.
		j.Attempts--
		j.LastError = lastErr
		return e.d.release(ctx, j)
	}
	o := &outcome{remaining: stopped || r.deferred.Load() > 0 || r.flushErr != nil}
	if r.flushErr != nil {
		o.tally.add(notifier.ClassRetry, "record deliveries: "+r.flushErr.Error(), "", 0)
	}
	if n := r.deferred.Load(); n > 0 {
		for range n {
			o.tally.add(notifier.ClassRetry, r.firstErr, "", 0)
		}
	}
	return e.d.conclude(ctx, j, o)
}

// work sends tasks on one reused connection, at the shared rate.
func (r *jobRun) work(ctx context.Context) {
	var conn email.Conn
	defer func() {
		if conn != nil {
			r.pool.put(conn)
		}
	}()
	for t := range r.tasks {
		a := answer{subscriberID: t.subscriberID, to: t.mail.To}
		if r.abort.Load() || ctx.Err() != nil {
			a.err = fmt.Errorf("not sent: the attempt stopped")
			r.answers <- a
			continue
		}
		if l := r.e.limiter; l != nil {
			if err := l.Wait(ctx); err != nil {
				a.err = err
				r.answers <- a
				continue
			}
		}
		if conn == nil {
			c, err := r.pool.get(ctx)
			if err != nil {
				r.abort.Store(true) // the server is down: do not walk the audience to fail each one
				a.err = err
				r.answers <- a
				continue
			}
			conn = c
		}
		a.err = conn.Send(ctx, t.build())
		a.sent = true
		if a.err != nil {
			if _, broken := email.Classify(a.err); broken {
				conn.Close()
				conn = nil
			}
		}
		r.answers <- a
	}
}

// record commits the answers in batches: every accepted email and every bounce becomes a
// delivery, so the job never mails that subscriber again; temporary failures are left
// out, so the job's next attempt finds them in its audience.
func (r *jobRun) record(ctx context.Context) {
	var batch []status.EmailDelivery
	flush := func() {
		if len(batch) == 0 {
			return
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
		err := r.e.store.Write(sctx, func(tx status.Tx) error { return tx.RecordEmailDeliveries(batch) })
		cancel()
		if err != nil {
			r.e.d.log.ErrorContext(ctx, "outbox: recording email deliveries failed; those emails may be sent again",
				"job", r.j.ID, "deliveries", len(batch), "err", err)
			r.mu.Lock()
			r.flushErr = err
			r.mu.Unlock()
		}
		batch = batch[:0]
	}
	t := time.NewTicker(r.e.cfg.FlushEvery)
	defer t.Stop()
	for {
		select {
		case a, ok := <-r.answers:
			if !ok {
				flush()
				return
			}
			now := r.e.cfg.Clock.Now()
			class, _ := email.Classify(a.err)
			msg := ""
			if a.err != nil { // the server's answer names the address: logs and staff see it redacted
				msg = strings.ReplaceAll(a.err.Error(), a.to, status.RedactEmail(a.to))
			}
			switch {
			// An email to a webhook's contact (no subscriberID) is the job's only email: the
			// job's own status records it.
			case a.err == nil:
				r.sent.Add(1)
				r.e.stats.sent.Add(1)
				if a.subscriberID != "" {
					batch = append(batch, status.EmailDelivery{JobID: r.j.ID, SubscriberID: a.subscriberID, Status: status.DeliverySent, At: now})
				}
			case a.sent && class == email.Bounce:
				r.bounced.Add(1)
				r.e.stats.bounced.Add(1)
				r.e.d.log.WarnContext(ctx, "outbox: email refused for good; counted as a bounce", "job", r.j.ID,
					"to", status.RedactEmail(a.to), "err", msg)
				if a.subscriberID != "" {
					batch = append(batch, status.EmailDelivery{JobID: r.j.ID, SubscriberID: a.subscriberID, Status: status.DeliveryBounced,
						Error: truncate(msg, 500), At: now})
				}
			default:
				r.deferred.Add(1)
				r.e.stats.deferred.Add(1)
				r.mu.Lock()
				if r.firstErr == "" {
					r.firstErr = msg
				}
				r.mu.Unlock()
			}
			if len(batch) >= r.e.cfg.FlushSize {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}

// queue hands a task to the workers; false when ctx ended.
func (r *jobRun) queue(ctx context.Context, t task) bool {
	select {
	case r.tasks <- t:
		return true
	case <-ctx.Done():
		return false
	}
}

// audience produces an update's emails: page after page of the audience that has no
// delivery for this job yet, each page's link tokens stored (hashed) in the transaction
// that reads it, and the job's progress saved after each page — which is also where a
// newer update superseding it is noticed.
func (r *jobRun) audience(ctx context.Context, p *email.Payload) (stopped, gone bool, err error) {
	e := r.e
	domain := email.Domain(e.cfg.From)
	root := email.ThreadRoot(p.Thread, domain)
	refs := []string{root}
	contents := make(map[string]*email.Content, len(p.Content))
	for l, c := range p.Content {
		contents[l] = &c
	}
	after := ""
	for {
		if r.abort.Load() || !r.lease.canStart(ctx) {
			return true, false, nil
		}
		now := e.cfg.Clock.Now()
		type link struct{ manage, unsub string }
		var page []status.Subscriber
		var links []link
		err := e.store.Write(ctx, func(tx status.Tx) error {
			var err error
			page, err = tx.EmailRecipients(r.j.ID, p.Components, after, e.cfg.Page)
			if err != nil || len(page) == 0 {
				return err
			}
			links = make([]link, len(page))
			ks := make([]status.SubscriberToken, 0, 2*len(page))
			for i, s := range page {
				m, mh := status.NewLinkToken()
				u, uh := status.NewLinkToken()
				links[i] = link{m, u}
				ks = append(ks,
					status.SubscriberToken{Hash: mh, SubscriberID: s.ID, Purpose: status.TokenManage, CreatedAt: now, ExpiresAt: now.Add(status.LinkTTL)},
					status.SubscriberToken{Hash: uh, SubscriberID: s.ID, Purpose: status.TokenUnsubscribe, CreatedAt: now, ExpiresAt: now.Add(status.LinkTTL)})
			}
			return tx.PutSubscriberTokens(ks)
		})
		if err != nil {
			if ctx.Err() != nil {
				return true, false, nil
			}
			return false, false, fmt.Errorf("read email audience of job %d: %w", r.j.ID, err)
		}
		if len(page) == 0 {
			return false, false, nil
		}
		after = page[len(page)-1].ID
		for i, s := range page {
			c, ok := contents[s.Lang]
			if !ok {
				c = contents[string(e.cfg.DefaultLang)]
			}
			unsub := e.link(UnsubscribePath, links[i].unsub, s.Lang)
			m := email.Mail{From: e.cfg.From, To: s.Email, Lang: s.Lang, MessageID: email.MessageID(r.j.ID, s.ID, domain),
				InReplyTo: root, References: refs, Unsubscribe: unsub}
			if !r.queue(ctx, task{subscriberID: s.ID, mail: m, content: c, manage: e.link(ManagePath, links[i].manage, s.Lang), unsub: unsub}) {
				return true, false, nil
			}
		}
		if gone, err := r.saveProgress(ctx); gone || err != nil {
			return false, gone, err
		}
	}
}

// saveProgress saves the job's counts so far under the lease; gone: superseded or taken.
func (r *jobRun) saveProgress(ctx context.Context) (bool, error) {
	j := *r.j
	j.Sent += int(r.sent.Load())
	j.Failed += int(r.bounced.Load())
	j.LeaseOwner, j.LeaseUntil = r.e.d.cfg.Owner, r.lease.leaseUntil()
	j.UpdatedAt = r.e.cfg.Clock.Now()
	return r.e.d.save(ctx, &j)
}

// subscription produces one confirmation (or preferences) email, unless it is moot: the
// subscriber is gone, confirmed already, or was sent this job before a crash.
func (r *jobRun) subscription(ctx context.Context, subscriberID string) (stopped, gone bool, err error) {
	e := r.e
	now := e.cfg.Clock.Now()
	var sub *status.Subscriber
	var token string
	err = e.store.Write(ctx, func(tx status.Tx) error {
		s, err := tx.Subscriber(subscriberID)
		if status.ErrorCode(err) == status.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		if r.j.Event == status.EmailEventConfirm && s.Confirmed() {
			return nil
		}
		if ds, err := tx.EmailDeliveries(r.j.ID); err != nil || len(ds) > 0 {
			return err
		}
		purpose, ttl := status.TokenConfirm, status.ConfirmTTL
		if r.j.Event == status.EmailEventManage {
			purpose, ttl = status.TokenManage, status.LinkTTL
		}
		tok, hash := status.NewLinkToken()
		if err := tx.PutSubscriberTokens([]status.SubscriberToken{{Hash: hash, SubscriberID: s.ID, Purpose: purpose,
			CreatedAt: now, ExpiresAt: now.Add(ttl)}}); err != nil {
			return err
		}
		sub, token = s, tok
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return true, false, nil
		}
		return false, false, fmt.Errorf("prepare subscription email of job %d: %w", r.j.ID, err)
	}
	if sub == nil {
		return false, false, nil
	}
	path := ConfirmPath
	if r.j.Event == status.EmailEventManage {
		path = ManagePath
	}
	c, err := email.BuildSubscription(r.j.Event, e.cfg.PageName, e.cfg.DefaultLang, sub.Lang, e.link(path, token, sub.Lang))
	if err != nil {
		return false, false, err
	}
	domain := email.Domain(e.cfg.From)
	m := email.Mail{From: e.cfg.From, To: sub.Email, Subject: c.Subject, Text: c.Text, HTML: c.HTML, Lang: sub.Lang,
		MessageID: email.MessageID(r.j.ID, sub.ID, domain)}
	if !r.queue(ctx, task{subscriberID: sub.ID, mail: m}) {
		return true, false, nil
	}
	return false, false, nil
}

package dispatch

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/status"
)

// outcome is how one attempt of one job ended (its counts are on the job already).
type outcome struct {
	remaining bool // something is left to retry
	tally     tally
}

// tally sums the failures of one job's attempt by class, keeping the first message of each.
type tally struct {
	n          [notifier.ClassAuth + 1]int
	first      [notifier.ClassAuth + 1]string
	retryAfter time.Duration // the largest Retry-After any result carried
}

// maxLastError bounds LastError; one failure of each class is enough to diagnose.
const maxLastError = 600

func (t *tally) add(c notifier.ErrorClass, msg, token string, retryAfter time.Duration) {
	if c < notifier.ClassRetry || c > notifier.ClassAuth {
		c = notifier.ClassPayload // a class this dispatcher does not know: do not retry it
	}
	t.n[c]++
	if t.first[c] == "" {
		if token != "" { // a Sender should not put a token in its errors; make sure
			msg = strings.ReplaceAll(msg, token, notifier.RedactToken(token))
		}
		t.first[c] = msg
	}
	t.retryAfter = max(t.retryAfter, retryAfter)
}

// String is the short description stored as LastError: "retry (3): <first message>; …".
func (t *tally) String() string {
	var parts []string
	for c := notifier.ClassRetry; c <= notifier.ClassAuth; c++ {
		if t.n[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s (%d): %s", c, t.n[c], t.first[c]))
		}
	}
	return truncate(strings.Join(parts, "; "), maxLastError)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) { // do not cut a character in two
		n--
	}
	return s[:n] + "…"
}

// conclude records how an attempt ended — j.Attempts already counts it, j.Sent and
// j.Failed its messages — and saves j: sent or failed when nothing is left, handed back
// (the attempt not counted) when ctx ended mid-send, else retried with backoff — or failed
// once MaxAttempts attempts were made, the remaining tokens counted Failed.
func (d *Dispatcher) conclude(ctx context.Context, j *status.OutboxJob, o *outcome) error {
	now := d.cfg.Clock.Now()
	desc := o.tally.String()
	if n := o.tally.n[notifier.ClassAuth]; n > 0 {
		d.log.ErrorContext(ctx, "outbox: FCM rejected credentials — the APNs or web-push credentials in the Firebase console (or Candor's own FCM credentials) are broken; an operator must fix them. Tokens kept, will retry",
			"job", j.ID, "kind", j.Kind, "results", n, "err", o.tally.first[notifier.ClassAuth])
	}
	switch {
	case !o.remaining:
		st := status.JobSent
		// Nothing delivered and FCM rejected the push itself: our bug, for staff to see.
		// Nothing delivered only because every token was dead is a job done: sent, Sent 0.
		if j.Sent == 0 && o.tally.n[notifier.ClassPayload] > 0 {
			st = status.JobFailed
		}
		return d.settle(ctx, j, st, desc, now)
	case ctx.Err() != nil:
		// Shutdown cut the send short: keep the progress, do not count the attempt.
		j.Attempts--
		return d.release(ctx, j)
	}
	if j.Attempts >= d.cfg.MaxAttempts {
		j.Failed += len(j.Tokens)
		return d.settle(ctx, j, status.JobFailed, truncate(fmt.Sprintf("gave up after %d attempts: %s", j.Attempts, desc), maxLastError), now)
	}
	wait := d.backoff(j.Attempts, o.tally.retryAfter)
	j.NextAttemptAt = now.Add(wait)
	j.LastError = desc
	clearLease(j, now)
	if gone, err := d.save(ctx, j); gone || err != nil {
		return err
	}
	d.stats.jobsRetried.Add(1)
	d.log.WarnContext(ctx, "outbox job will retry", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts,
		"sent", j.Sent, "failed", j.Failed, "tokens_left", len(j.Tokens), "retry_in", wait, "err", desc)
	return nil
}

// backoff is the delay before attempt number attempts+1: BaseBackoff·2^(attempts−1) capped
// at MaxBackoff, with equal jitter (half fixed, half random, so retries of jobs that failed
// together spread out but never come back sooner than half the step), and never less than
// the server's Retry-After.
func (d *Dispatcher) backoff(attempts int, retryAfter time.Duration) time.Duration {
	step := d.cfg.BaseBackoff
	for i := 1; i < attempts && step < d.cfg.MaxBackoff; i++ {
		step *= 2
	}
	step = min(step, d.cfg.MaxBackoff)
	r := min(max(d.cfg.Rand(), 0), 1)
	wait := step/2 + time.Duration(r*float64(step-step/2))
	return max(wait, retryAfter)
}

// finish settles a job that was not attempted: expired, or unsendable as stored.
func (d *Dispatcher) finish(ctx context.Context, j *status.OutboxJob, st status.JobStatus, why string) error {
	if st == status.JobExpired && j.LastError != "" {
		why = j.LastError // why it was not sent in time says more
	}
	return d.settle(ctx, j, st, why, d.cfg.Clock.Now())
}

// settle gives j a final status and saves it.
func (d *Dispatcher) settle(ctx context.Context, j *status.OutboxJob, st status.JobStatus, lastErr string, now time.Time) error {
	j.Status = st
	j.LastError = lastErr
	j.DoneAt = now
	clearLease(j, now)
	if gone, err := d.save(ctx, j); gone || err != nil {
		return err
	}
	attrs := []any{"job", j.ID, "kind", j.Kind, "incident", j.IncidentID, "attempts", j.Attempts,
		"sent", j.Sent, "failed", j.Failed}
	switch st {
	case status.JobSent:
		d.stats.jobsSent.Add(1)
		d.log.InfoContext(ctx, "outbox job sent", attrs...)
	case status.JobExpired:
		d.stats.jobsExpired.Add(1)
		d.log.WarnContext(ctx, "outbox job expired unsent", append(attrs, "expires_at", j.ExpiresAt)...)
	default:
		d.stats.jobsFailed.Add(1)
		d.log.ErrorContext(ctx, "outbox job failed", append(attrs, "tokens_left", len(j.Tokens), "err", lastErr)...)
	}
	return nil
}

// release hands a job back unattempted: pending, due as before, its lease cleared.
func (d *Dispatcher) release(ctx context.Context, j *status.OutboxJob) error {
	clearLease(j, d.cfg.Clock.Now())
	if gone, err := d.save(ctx, j); gone || err != nil {
		return err
	}
	d.stats.jobsReleased.Add(1)
	d.log.InfoContext(ctx, "outbox job handed back unattempted", "job", j.ID, "kind", j.Kind, "tokens_left", len(j.Tokens))
	return nil
}

func clearLease(j *status.OutboxJob, now time.Time) {
	j.LeaseOwner, j.LeaseUntil = "", time.Time{}
	j.UpdatedAt = now
}

// save stores j on a context that survives ctx's cancellation: the progress of a send
// that happened must be kept even when shutdown interrupted the run. gone reports that j
// is not this dispatcher's to save any more: superseded by a newer update of its incident
// (nothing more of it is sent), or claimed by another dispatcher after this one's lease ran
// out (that one owns its progress now; what this one sent may arrive twice — at-least-once,
// the collapse key replaces the duplicate on the phone).
func (d *Dispatcher) save(ctx context.Context, j *status.OutboxJob) (gone bool, err error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	err = d.cfg.Queue.Save(sctx, j, d.cfg.Owner)
	switch {
	case status.JobConflictStatus(err) == status.JobSuperseded:
		d.stats.jobsSuperseded.Add(1)
		d.log.InfoContext(ctx, "outbox job superseded by a newer update while being sent; the rest is not sent",
			"job", j.ID, "incident", j.IncidentID, "sent", j.Sent)
		return true, nil
	case status.ErrorCode(err) == status.ECONFLICT:
		d.stats.leasesLost.Add(1)
		d.log.WarnContext(ctx, "outbox job lease lost to another dispatcher; progress left to it", "job", j.ID)
		return true, nil
	case err != nil:
		return false, fmt.Errorf("save job %d: %w", j.ID, err)
	}
	return false, nil
}

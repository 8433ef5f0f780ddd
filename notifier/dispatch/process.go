package dispatch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/status"
)

// Batch limits: one Send carries at most one SendEach call, one topic call at most what
// Instance ID accepts.
const (
	maxSendMessages = 500
	maxTopicTokens  = 1000
)

// unit is one call to the Sender and the jobs whose progress it decides: a Send of the
// messages of one or more push jobs, or one Subscribe/Unsubscribe of merged topic jobs.
type unit struct {
	kind  status.JobKind
	jobs  []*status.OutboxJob
	msgs  []notifier.Message // push: in job order, one per token or one per topic/condition job
	topic string             // topic management
	size  int
}

// process delivers one claim: expired and malformed jobs are settled at once, the rest are
// packed into units, run one after another, each unit's jobs saved before the next starts.
func (d *Dispatcher) process(ctx context.Context, claimedAt time.Time, jobs []status.OutboxJob) error {
	// Past three quarters of the lease, stop starting sends and hand the rest back: after
	// the lease another dispatcher may claim them, and both would send.
	deadline := claimedAt.Add(d.cfg.Lease * 3 / 4)
	var pushes, topics []*status.OutboxJob
	for i := range jobs {
		j := &jobs[i]
		var err error
		switch {
		case !j.ExpiresAt.IsZero() && j.ExpiresAt.Before(claimedAt):
			err = d.finish(ctx, j, status.JobExpired, "expired before it could be sent")
		case j.Kind == status.JobPush:
			pushes = append(pushes, j)
		case j.Kind == status.JobSubscribe || j.Kind == status.JobUnsubscribe:
			topics = append(topics, j)
		default:
			err = d.finish(ctx, j, status.JobFailed, fmt.Sprintf("unknown job kind %q", j.Kind))
		}
		if err != nil {
			return err
		}
	}
	// Topic changes first: a device subscribing and a push to its topic in one claim.
	units, err := d.topicUnits(ctx, topics)
	if err != nil {
		return err
	}
	more, err := d.pushUnits(ctx, pushes)
	if err != nil {
		return err
	}
	units = append(units, more...)
	for i, u := range units {
		if ctx.Err() != nil || d.cfg.Clock.Now().After(deadline) {
			for _, rest := range units[i:] {
				for _, j := range rest.jobs {
					if err := d.release(ctx, j); err != nil {
						return err
					}
				}
			}
			return ctx.Err()
		}
		if u.kind == status.JobPush {
			err = d.runPush(ctx, u)
		} else {
			err = d.runTopic(ctx, u)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// pushUnits decodes each push job and packs the jobs, in claim order, into Sends of at
// most maxSendMessages messages (a job over the limit goes alone; the Sender chunks it).
// A job that cannot be sent as stored fails now.
func (d *Dispatcher) pushUnits(ctx context.Context, jobs []*status.OutboxJob) ([]unit, error) {
	var units []unit
	cur := unit{kind: status.JobPush}
	for _, j := range jobs {
		targets := 0
		for _, set := range []bool{j.Condition != "", j.Topic != "", len(j.Tokens) > 0} {
			if set {
				targets++
			}
		}
		if targets != 1 {
			if err := d.finish(ctx, j, status.JobFailed, "push job needs exactly one of condition, topic or tokens"); err != nil {
				return nil, err
			}
			continue
		}
		m, err := notifier.DecodePayload(j.Payload)
		if err != nil {
			if err := d.finish(ctx, j, status.JobFailed, "payload: "+err.Error()); err != nil {
				return nil, err
			}
			continue
		}
		n := max(len(j.Tokens), 1)
		if cur.size > 0 && cur.size+n > maxSendMessages {
			units = append(units, cur)
			cur = unit{kind: status.JobPush}
		}
		switch {
		case j.Condition != "":
			m.Condition = j.Condition
			cur.msgs = append(cur.msgs, m)
		case j.Topic != "":
			m.Topic = j.Topic
			cur.msgs = append(cur.msgs, m)
		default:
			for _, t := range j.Tokens {
				m.Token = t
				cur.msgs = append(cur.msgs, m)
			}
		}
		cur.jobs = append(cur.jobs, j)
		cur.size += n
	}
	if cur.size > 0 {
		units = append(units, cur)
	}
	return units, nil
}

// topicUnits merges topic jobs of the same kind and topic into calls of at most
// maxTopicTokens tokens. Per topic, calls keep the claim's order: a subscribe after an
// unsubscribe of the same topic starts a new call after it, so the last change wins.
func (d *Dispatcher) topicUnits(ctx context.Context, jobs []*status.OutboxJob) ([]unit, error) {
	var units []unit
	open := map[string]int{} // topic -> index in units of its open call
	for _, j := range jobs {
		topic := strings.TrimPrefix(j.Topic, "/topics/")
		if !notifier.ValidTopic(topic) || len(j.Tokens) == 0 {
			if err := d.finish(ctx, j, status.JobFailed, fmt.Sprintf("topic job needs a valid topic and tokens (topic %q, %d tokens)", j.Topic, len(j.Tokens))); err != nil {
				return nil, err
			}
			continue
		}
		i, ok := open[topic]
		if !ok || units[i].kind != j.Kind || units[i].size+len(j.Tokens) > maxTopicTokens {
			units = append(units, unit{kind: j.Kind, topic: topic})
			i = len(units) - 1
			open[topic] = i
		}
		units[i].jobs = append(units[i].jobs, j)
		units[i].size += len(j.Tokens)
	}
	return units, nil
}

// runPush sends one push unit and settles each of its jobs.
func (d *Dispatcher) runPush(ctx context.Context, u unit) error {
	res, err := d.cfg.Sender.Send(ctx, u.msgs)
	if err == nil && len(res) != len(u.msgs) {
		err = fmt.Errorf("sender returned %d results for %d messages", len(res), len(u.msgs))
	}
	if err != nil {
		return d.unitFailed(ctx, u, err)
	}
	outs := make([]outcome, len(u.jobs))
	var dead []string
	off := 0
	for k, j := range u.jobs {
		o := &outs[k]
		if len(j.Tokens) == 0 { // a topic or condition push: no per-device result
			r := res[off]
			off++
			class := r.Class
			if class == notifier.ClassDeleteToken {
				class = notifier.ClassPayload // cannot be about a token; not worth retrying
			}
			if class == notifier.ClassNone {
				o.acked = 1
			} else {
				o.tally.add(class, errText(r.Err), "", r.RetryAfter)
				o.remaining = class == notifier.ClassRetry || class == notifier.ClassAuth
			}
			continue
		}
		kept := make([]string, 0)
		for _, tok := range j.Tokens {
			r := res[off]
			off++
			switch r.Class {
			case notifier.ClassNone:
				o.acked++
				continue
			case notifier.ClassDeleteToken:
				o.dead++
				dead = append(dead, tok)
			case notifier.ClassRetry, notifier.ClassAuth:
				kept = append(kept, tok)
			}
			o.tally.add(r.Class, errText(r.Err), tok, r.RetryAfter)
		}
		o.failed = len(j.Tokens) - o.acked - len(kept)
		o.remaining = len(kept) > 0
		j.Tokens = kept
	}
	d.prune(ctx, dead)
	for k, j := range u.jobs {
		d.stats.messagesSent.Add(int64(outs[k].acked))
		if err := d.conclude(ctx, j, &outs[k]); err != nil {
			return err
		}
	}
	return nil
}

// runTopic makes one Subscribe or Unsubscribe call for a merged unit and settles its jobs.
// A token in several jobs of the unit is sent once and its result shared.
func (d *Dispatcher) runTopic(ctx context.Context, u unit) error {
	tokens := make([]string, 0, u.size)
	seen := make(map[string]int, u.size)
	for _, j := range u.jobs {
		for _, t := range j.Tokens {
			if _, ok := seen[t]; !ok {
				seen[t] = len(tokens)
				tokens = append(tokens, t)
			}
		}
	}
	call, op := d.cfg.Sender.Subscribe, "subscribe"
	if u.kind == status.JobUnsubscribe {
		call, op = d.cfg.Sender.Unsubscribe, "unsubscribe"
	}
	res, err := call(ctx, u.topic, tokens)
	if err == nil && len(res) != len(tokens) {
		err = fmt.Errorf("sender returned %d results for %d tokens", len(res), len(tokens))
	}
	if err != nil {
		return d.unitFailed(ctx, u, fmt.Errorf("%s %s: %w", op, u.topic, err))
	}
	outs := make([]outcome, len(u.jobs))
	var dead []string
	pruned := map[string]bool{}
	for k, j := range u.jobs {
		o := &outs[k]
		kept := make([]string, 0)
		for _, tok := range j.Tokens {
			r := res[seen[tok]]
			switch r.Class {
			case notifier.ClassNone:
				o.acked++
				continue
			case notifier.ClassDeleteToken:
				o.dead++
				if !pruned[tok] {
					pruned[tok] = true
					dead = append(dead, tok)
				}
			case notifier.ClassRetry, notifier.ClassAuth:
				kept = append(kept, tok)
			}
			o.tally.add(r.Class, fmt.Sprintf("%s %s: %s", op, u.topic, r.Err), tok, 0)
		}
		o.failed = len(j.Tokens) - o.acked - len(kept)
		o.remaining = len(kept) > 0
		j.Tokens = kept
	}
	d.prune(ctx, dead)
	for k, j := range u.jobs {
		d.stats.topicChanges.Add(int64(outs[k].acked))
		if err := d.conclude(ctx, j, &outs[k]); err != nil {
			return err
		}
	}
	return nil
}

// unitFailed settles the jobs of a unit whose call could not be attempted at all: handed
// back untouched when ctx ended (shutdown must not burn attempts), retried otherwise.
func (d *Dispatcher) unitFailed(ctx context.Context, u unit, err error) error {
	for _, j := range u.jobs {
		if ctx.Err() != nil {
			if err := d.release(ctx, j); err != nil {
				return err
			}
			continue
		}
		o := outcome{remaining: true}
		o.tally.add(notifier.ClassRetry, err.Error(), "", 0)
		if err := d.conclude(ctx, j, &o); err != nil {
			return err
		}
	}
	return nil
}

// prune deletes the devices of dead tokens. A failure is only logged: the tokens are out
// of their jobs already, and the next push to them finds them dead again.
func (d *Dispatcher) prune(ctx context.Context, dead []string) {
	if len(dead) == 0 {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	n, err := d.cfg.Queue.DeleteDevices(sctx, dead)
	if err != nil {
		d.log.WarnContext(ctx, "outbox: delete dead devices", "tokens", len(dead), "first", notifier.RedactToken(dead[0]), "err", err)
		return
	}
	d.stats.tokensPruned.Add(int64(len(dead)))
	d.log.InfoContext(ctx, "outbox: pruned dead device tokens", "tokens", len(dead), "devices_deleted", n, "first", notifier.RedactToken(dead[0]))
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

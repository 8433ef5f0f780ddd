package dispatch

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/status"
)

// maxTopicTokens is what one Instance ID call accepts.
const maxTopicTokens = 1000

// process delivers one claim: expired and malformed jobs are settled at once; topic
// changes go first (a device subscribing and a push to its topic in one claim), in merged
// calls; then the pushes, in Sends of at most SendBatch messages, each job's progress saved
// after every Send it had messages in. While it works, its leases are renewed.
func (d *Dispatcher) process(ctx context.Context, claimedAt time.Time, jobs []status.OutboxJob) error {
	lease := d.keepLeases(ctx, claimedAt, jobs)
	defer lease.close()
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
	units, err := d.topicUnits(ctx, topics)
	if err != nil {
		return err
	}
	for i, u := range units {
		if !lease.canStart(ctx) {
			for _, rest := range units[i:] {
				for _, j := range rest.jobs {
					if err := d.release(ctx, j); err != nil {
						return err
					}
				}
			}
			for _, j := range pushes {
				if err := d.release(ctx, j); err != nil {
					return err
				}
			}
			return ctx.Err()
		}
		if err := d.runTopic(ctx, u); err != nil {
			return err
		}
	}
	states, err := d.pushStates(ctx, pushes)
	if err != nil {
		return err
	}
	return d.runPushes(ctx, lease, states)
}

// pushState is one push job of a claim as it is being sent: its message, its tokens not
// sent yet in this attempt, those to retry, and what the attempt did so far.
type pushState struct {
	j       *status.OutboxJob
	msg     notifier.Message
	todo    []string // token jobs: not sent yet in this attempt
	kept    []string // token jobs: sent, to be retried
	pending bool     // topic or condition jobs: not sent yet in this attempt
	started bool     // the attempt has begun (j.Attempts counts it)
	lastErr string   // j.LastError before the attempt, kept if it is handed back
	retry   bool     // topic or condition jobs: to be retried
	tally   tally
	gone    bool // superseded, or the lease lost: not ours to send any more
}

func (st *pushState) done() bool { return st.gone || len(st.todo) == 0 && !st.pending }

// pushStates decodes each push job; a job that cannot be sent as stored fails now.
func (d *Dispatcher) pushStates(ctx context.Context, jobs []*status.OutboxJob) ([]*pushState, error) {
	var out []*pushState
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
		st := &pushState{j: j, msg: m}
		switch {
		case j.Condition != "":
			st.msg.Condition, st.pending = j.Condition, true
		case j.Topic != "":
			st.msg.Topic, st.pending = j.Topic, true
		default:
			st.todo = slices.Clone(j.Tokens)
		}
		out = append(out, st)
	}
	return out, nil
}

// segment is what one job has in a Send: tokens (token jobs) or its one message.
type segment struct {
	st     *pushState
	tokens []string
}

// nextSend packs the next Send from the jobs' unsent messages, oldest job first, and
// counts the attempt of each job it starts.
func (d *Dispatcher) nextSend(states []*pushState) ([]segment, []notifier.Message) {
	var segs []segment
	var msgs []notifier.Message
	for _, st := range states {
		room := d.cfg.SendBatch - len(msgs)
		if room == 0 {
			break
		}
		if st.done() {
			continue
		}
		if !st.started {
			st.started, st.lastErr = true, st.j.LastError
			st.j.Attempts++
		}
		if st.pending {
			st.pending = false
			segs = append(segs, segment{st: st})
			msgs = append(msgs, st.msg)
			continue
		}
		n := min(room, len(st.todo))
		seg := segment{st: st, tokens: st.todo[:n:n]}
		st.todo = st.todo[n:]
		for _, t := range seg.tokens {
			m := st.msg
			m.Token = t
			msgs = append(msgs, m)
		}
		segs = append(segs, seg)
	}
	return segs, msgs
}

// runPushes sends the claim's pushes Send after Send, saving every job a Send touched right
// after it: finished (sent, failed, or to retry after a backoff) once its last message
// was sent, otherwise its progress — acknowledged tokens out of the job — under the lease.
func (d *Dispatcher) runPushes(ctx context.Context, lease *leaseKeeper, states []*pushState) error {
	for {
		if !lease.canStart(ctx) {
			return d.handBack(ctx, states)
		}
		segs, msgs := d.nextSend(states)
		if len(msgs) == 0 {
			return nil
		}
		res, err := d.cfg.Sender.Send(ctx, msgs)
		if err == nil && len(res) != len(msgs) {
			err = fmt.Errorf("sender returned %d results for %d messages", len(res), len(msgs))
		}
		if err != nil {
			if ctx.Err() != nil { // nothing of this Send was attempted
				for _, s := range segs {
					if s.tokens == nil {
						s.st.pending = true
					} else {
						s.st.todo = append(s.tokens, s.st.todo...)
					}
				}
				return d.handBack(ctx, states)
			}
			res = make([]notifier.Result, len(msgs))
			for i := range res {
				res[i] = notifier.Result{Err: err, Class: notifier.ClassRetry}
			}
		}
		dead := d.apply(segs, res)
		d.prune(ctx, dead)
		var touched []*pushState
		for _, s := range segs {
			if !slices.Contains(touched, s.st) {
				touched = append(touched, s.st)
			}
		}
		for _, st := range touched {
			var err error
			if st.done() {
				err = d.concludePush(ctx, st)
			} else {
				err = d.saveProgress(ctx, st, lease)
			}
			if err != nil {
				return err
			}
		}
	}
}

// apply records a Send's results on its jobs and returns the tokens FCM reported dead.
func (d *Dispatcher) apply(segs []segment, res []notifier.Result) []string {
	var dead []string
	off := 0
	for _, s := range segs {
		st, j := s.st, s.st.j
		if s.tokens == nil { // a topic or condition push: no per-device result
			r := res[off]
			off++
			class := r.Class
			if class == notifier.ClassDeleteToken {
				class = notifier.ClassPayload // cannot be about a token; not worth retrying
			}
			switch class {
			case notifier.ClassNone:
				j.Sent++
				continue
			case notifier.ClassRetry, notifier.ClassAuth:
				st.retry = true
			}
			st.tally.add(class, errText(r.Err), "", r.RetryAfter)
			continue
		}
		for _, tok := range s.tokens {
			r := res[off]
			off++
			switch r.Class {
			case notifier.ClassNone:
				j.Sent++
				continue
			case notifier.ClassDeleteToken:
				j.Failed++
				dead = append(dead, tok)
			case notifier.ClassRetry, notifier.ClassAuth:
				st.kept = append(st.kept, tok)
			default:
				j.Failed++
			}
			st.tally.add(r.Class, errText(r.Err), tok, r.RetryAfter)
		}
	}
	acked := 0
	for _, r := range res {
		if r.Class == notifier.ClassNone {
			acked++
		}
	}
	d.stats.messagesSent.Add(int64(acked))
	return dead
}

// saveProgress saves what the attempt of an unfinished job did so far: acknowledged and
// dead tokens are out of the job, the rest (to retry, and not sent yet) in it, the lease
// kept. A crash now sends only those again.
func (d *Dispatcher) saveProgress(ctx context.Context, st *pushState, lease *leaseKeeper) error {
	j := st.j
	j.Tokens = append(slices.Clone(st.kept), st.todo...)
	j.LastError = st.tally.String() // so far: staff see an attempt in trouble while it runs
	j.LeaseOwner, j.LeaseUntil = d.cfg.Owner, lease.leaseUntil()
	j.UpdatedAt = d.cfg.Clock.Now()
	gone, err := d.save(ctx, j)
	st.gone = gone
	return err
}

// concludePush settles a job whose every message was sent in this attempt.
func (d *Dispatcher) concludePush(ctx context.Context, st *pushState) error {
	if st.gone {
		return nil
	}
	j := st.j
	j.Tokens = st.kept
	return d.conclude(ctx, j, &outcome{remaining: len(st.kept) > 0 || st.retry, tally: st.tally})
}

// handBack ends the claim early (shutdown, or the lease running out): every job not done
// is saved as it stands — pending, due as before, its lease cleared — and a job whose
// attempt had begun does not count it.
func (d *Dispatcher) handBack(ctx context.Context, states []*pushState) error {
	for _, st := range states {
		if st.done() {
			continue // concluded, or not ours any more
		}
		if st.started {
			st.j.Attempts--
			st.j.LastError = st.lastErr
		}
		st.j.Tokens = append(slices.Clone(st.kept), st.todo...)
		if err := d.release(ctx, st.j); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// unit is one topic-management call and the jobs whose progress it decides.
type unit struct {
	kind  status.JobKind
	jobs  []*status.OutboxJob
	topic string
	size  int
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
		return d.topicFailed(ctx, u, fmt.Errorf("%s %s: %w", op, u.topic, err))
	}
	var dead []string
	pruned := map[string]bool{}
	outs := make([]outcome, len(u.jobs))
	for k, j := range u.jobs {
		o := &outs[k]
		kept := make([]string, 0)
		acked := 0
		for _, tok := range j.Tokens {
			r := res[seen[tok]]
			switch r.Class {
			case notifier.ClassNone:
				acked++
				continue
			case notifier.ClassDeleteToken:
				j.Failed++
				if !pruned[tok] {
					pruned[tok] = true
					dead = append(dead, tok)
				}
			case notifier.ClassRetry, notifier.ClassAuth:
				kept = append(kept, tok)
			default:
				j.Failed++
			}
			o.tally.add(r.Class, fmt.Sprintf("%s %s: %s", op, u.topic, r.Err), tok, 0)
		}
		j.Sent += acked
		j.Attempts++
		d.stats.topicChanges.Add(int64(acked))
		o.remaining = len(kept) > 0
		j.Tokens = kept
	}
	d.prune(ctx, dead)
	for k, j := range u.jobs {
		if err := d.conclude(ctx, j, &outs[k]); err != nil {
			return err
		}
	}
	return nil
}

// topicFailed settles the jobs of a topic call that could not be attempted at all: handed
// back untouched when ctx ended (shutdown must not burn attempts), retried otherwise.
func (d *Dispatcher) topicFailed(ctx context.Context, u unit, err error) error {
	for _, j := range u.jobs {
		if ctx.Err() != nil {
			if err := d.release(ctx, j); err != nil {
				return err
			}
			continue
		}
		j.Attempts++
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

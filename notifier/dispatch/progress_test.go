package dispatch_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/status"
)

// deadQueue is a dispatcher's view of the queue that ends when its process is killed:
// after kill, no call of that dispatcher reaches the store any more (no save, no lease
// renewal) — what kill -9 does.
type deadQueue struct {
	dispatch.Queue
	dead atomic.Bool
}

var errKilled = errors.New("process killed")

func (q *deadQueue) Save(ctx context.Context, j *status.OutboxJob, owner string) error {
	if q.dead.Load() {
		return errKilled
	}
	return q.Queue.Save(ctx, j, owner)
}

func (q *deadQueue) ExtendLeases(ctx context.Context, owner string, ids []int64, until time.Time) (int, error) {
	if q.dead.Load() {
		return 0, errKilled
	}
	return q.Queue.ExtendLeases(ctx, owner, ids, until)
}

// TestKillMidJobResendsOnlyUnacknowledged (issue 18, defect 5): a dispatcher killed in the
// middle of a 500-token job — FCM has answered 200 for the first 120 tokens — leaves the
// job so that the dispatcher taking it over sends only what FCM had not acknowledged. It
// used to save progress once per 500-token Send while the SDK sends 50 at a time, so a
// kill re-sent up to 450 tokens FCM had accepted; now progress is saved after every
// Send of SendBatch (50), so at most the Send in flight is sent again.
func TestKillMidJobResendsOnlyUnacknowledged(t *testing.T) {
	fake, real := setupFCM(t)
	mq := newMemQueue()
	clock := status.NewManualClock(t0)
	all := tokens("kill", 500)
	id := mq.add(tokenJob(t, all...))[0]

	// The first dispatcher's FCM acknowledges 120 messages, then its process is killed:
	// whatever it was sending never reaches FCM.
	q := &deadQueue{Queue: mq}
	hung := make(chan struct{})
	t.Cleanup(func() { close(hung) })
	var forwarded atomic.Int64
	sender := &scriptSender{hook: func(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
		if room := 120 - forwarded.Load(); room < int64(len(msgs)) {
			if room > 0 {
				_, _ = real.Send(ctx, msgs[:room]) // acknowledged, and then the kill
				forwarded.Add(room)
			}
			q.dead.Store(true)
			<-hung
			return nil, errKilled
		}
		forwarded.Add(int64(len(msgs)))
		return real.Send(ctx, msgs)
	}}
	first := dispatch.New(dispatch.Config{Owner: "first", Sender: sender, Queue: q, Clock: clock, Log: discard()})
	go func() { _, _ = first.Drain(context.Background()) }()
	deadline := time.Now().Add(5 * time.Second)
	for !q.dead.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the first dispatcher never reached the kill")
		}
		time.Sleep(time.Millisecond)
	}
	if j := mq.job(t, id); j.Sent != 100 || len(j.Tokens) != 400 || j.LeaseOwner != "first" {
		t.Fatalf("job as the killed dispatcher left it: sent %d, %d tokens left, owner %q; want 100 sent, 400 left",
			j.Sent, len(j.Tokens), j.LeaseOwner)
	}

	// Once its lease runs out, another dispatcher takes the job over.
	clock.Advance(dispatch.DefaultLease)
	second := dispatch.New(dispatch.Config{Owner: "second", Sender: real, Queue: mq, Clock: clock, Log: discard()})
	if n, err := second.Drain(waitCtx(t)); err != nil || n != 1 {
		t.Fatalf("second dispatcher: %d jobs, %v", n, err)
	}
	counts := perToken(fake)
	again := 0
	for _, tok := range all {
		switch counts[tok] {
		case 1:
		case 2:
			again++
		default:
			t.Fatalf("token %s sent %d times", tok, counts[tok])
		}
	}
	// Only the 20 FCM acknowledged in the Send the kill cut short go out twice — never
	// one of the 100 whose acknowledgement was saved.
	if again != 20 {
		t.Errorf("%d tokens sent twice, want the 20 of the Send in flight at the kill", again)
	}
	for _, tok := range all[:100] {
		if counts[tok] != 1 {
			t.Errorf("token %s, acknowledged and saved, sent again", tok)
		}
	}
	if j := mq.job(t, id); j.Status != status.JobSent || j.Sent != 500 || j.Attempts != 2 {
		t.Errorf("job after the takeover: %+v", j)
	}
}

// TestSupersededWhileSending (issue 18, defect 5): a newer update superseding a job the
// dispatcher is sending stops it after the Send under way — it is not counted as a lease
// lost to another dispatcher, which there is none of.
func TestSupersededWhileSending(t *testing.T) {
	sender := &scriptSender{}
	e := newEnv(t, sender, nil)
	id := e.q.add(tokenJob(t, tokens("s", 150)...))[0]
	sender.hook = func(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
		if len(sender.calls) == 2 {
			e.q.supersede(id) // a newer update of the incident is posted meanwhile
		}
		return make([]notifier.Result, len(msgs)), nil
	}
	e.drain(t)
	if got := sender.sends(); got != 2 {
		t.Errorf("%d Sends, want 2: nothing after the job was superseded", got)
	}
	s := e.d.Stats()
	if s.LeasesLost != 0 || s.JobsSuperseded != 1 {
		t.Errorf("stats %+v: want the job counted superseded, no lease lost", s)
	}
	if j := e.q.job(t, id); j.Status != status.JobSuperseded {
		t.Errorf("job %+v", j)
	}
	if strings.Contains(e.logs.String(), "lease lost") {
		t.Errorf("a superseded job logged as a lost lease:\n%s", e.logs.String())
	}
}

// TestAttemptVisibleWhileFCMFails (issue 18, defect 5): while FCM refuses a large job's
// messages, its attempt and the error show in the job as it goes, not only when the whole
// job is done ("pending, attempts 0, last_error null" while FCM was down).
func TestAttemptVisibleWhileFCMFails(t *testing.T) {
	fake, real := setupFCM(t)
	fake.FailNext(1000, 429, 0) // overloaded: every send refused
	var mu sync.Mutex
	var seen []status.OutboxJob
	var e *env
	sender := &scriptSender{hook: func(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
		mu.Lock()
		seen = append(seen, e.q.job(t, 1)) // what /deliveries would show now
		mu.Unlock()
		return real.Send(ctx, msgs)
	}}
	e = newEnv(t, sender, nil)
	e.q.add(tokenJob(t, tokens("busy", 200)...))
	e.drain(t)
	if len(seen) != 4 {
		t.Fatalf("%d Sends, want 4", len(seen))
	}
	if mid := seen[1]; mid.Attempts != 1 || !strings.Contains(mid.LastError, "retry (50)") {
		t.Errorf("during the attempt: attempts %d, last error %q; want the attempt and FCM's error", mid.Attempts, mid.LastError)
	}
	j := e.q.job(t, 1)
	if j.Status != status.JobPending || j.Attempts != 1 || !strings.Contains(j.LastError, "retry (200)") || len(j.Tokens) != 200 {
		t.Errorf("after the attempt: %+v", j)
	}
}

// TestHeartbeatKeepsLeaseOfLiveDispatcher: a send slower than the whole lease does not
// let another dispatcher take the job — the heartbeat renews it — while a dead
// dispatcher's job is free as soon as its lease ends.
func TestHeartbeatKeepsLeaseOfLiveDispatcher(t *testing.T) {
	fake, real := setupFCM(t)
	mq := newMemQueue()
	// A second, not less: the heartbeat (a third of the lease) must be late by two thirds of
	// it before b may claim, which a loaded CI machine never makes it, while 300 ms did.
	lease := time.Second
	id := mq.add(tokenJob(t, tokens("hb", 10)...))[0]
	sending := make(chan struct{})
	slow := &scriptSender{hook: func(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
		close(sending)
		time.Sleep(4 * lease) // FCM is slow today
		return real.Send(ctx, msgs)
	}}
	a := dispatch.New(dispatch.Config{Owner: "a", Sender: slow, Queue: mq, Lease: lease, Log: discard()})
	b := dispatch.New(dispatch.Config{Owner: "b", Sender: real, Queue: mq, Lease: lease, Log: discard()})
	done := make(chan error, 1)
	go func() { _, err := a.Drain(context.Background()); done <- err }()
	<-sending
	for range 6 {
		time.Sleep(lease / 2)
		if n, err := b.Drain(waitCtx(t)); err != nil || n != 0 {
			t.Fatalf("b took a job whose live owner renews its lease (%d jobs, %v)", n, err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if j := mq.job(t, id); j.Status != status.JobSent || fake.Accepted() != 10 {
		t.Errorf("job %+v, accepted %d", j, fake.Accepted())
	}
	if mq.extendCalls() == 0 {
		t.Error("no lease renewal during a send longer than the lease")
	}
	counts := perToken(fake)
	if !slices.ContainsFunc(tokens("hb", 10), func(tok string) bool { return counts[tok] == 1 }) {
		t.Errorf("sends %v", counts)
	}
}

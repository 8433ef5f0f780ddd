package dispatch_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/status"
)

// startRun runs e.d.Run until the test ends (or stop is called) and waits for it to return.
func startRun(t *testing.T, e *env) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		e.d.Run(ctx)
		close(done)
	}()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

// eventually polls cond every few milliseconds for up to 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestExpiredLeaseReclaimed(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	id := e.q.add(tokenJob(t, tokens("d", 3)...))[0]
	// Another dispatcher claimed the job and died.
	if jobs, err := e.q.Claim(context.Background(), t0, "dead-owner", 2*time.Minute, 10); err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v, %v", jobs, err)
	}
	if n := e.drain(t); n != 0 || fake.Requests() != 0 {
		t.Fatalf("took a job under a live lease (%d jobs)", n)
	}
	e.clock.Advance(2 * time.Minute)
	if n := e.drain(t); n != 1 {
		t.Fatalf("processed %d jobs after the lease ran out", n)
	}
	if j := e.q.job(t, id); j.Status != status.JobSent || j.LeaseOwner != "" || fake.Accepted() != 3 {
		t.Errorf("job %+v, accepted %d", j, fake.Accepted())
	}
}

// TestSaveFailureKeepsLease: the store dies after a send; the job keeps its lease and is
// sent again once the lease runs out (at-least-once), never lost.
func TestSaveFailureKeepsLease(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	id := e.q.add(tokenJob(t, tokens("d", 3)...))[0]
	e.q.failNextSaves(1)
	if _, err := e.d.Drain(waitCtx(t)); err == nil || !strings.Contains(err.Error(), "save job 1") {
		t.Fatalf("drain error %v", err)
	}
	if j := e.q.job(t, id); j.Status != status.JobPending || j.LeaseOwner != "test" || fake.Accepted() != 3 {
		t.Fatalf("job %+v", j)
	}
	e.clock.Advance(dispatch.DefaultLease)
	e.drain(t)
	if j := e.q.job(t, id); j.Status != status.JobSent || fake.Accepted() != 6 {
		t.Errorf("job %+v, accepted %d", j, fake.Accepted())
	}
}

func TestWakeSendsPromptly(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, func(c *dispatch.Config) { c.Poll = time.Hour })
	startRun(t, e)
	// Run found nothing and asked when the next job is due: it is (about to be) asleep
	// for an hour.
	eventually(t, "the first idle wait", func() bool { return e.q.nextDueCalls() >= 1 })
	e.q.add(tokenJob(t, "wake-device-000001"))
	e.d.Wake()
	if err := fake.WaitForMessages(waitCtx(t), 1); err != nil {
		t.Fatalf("the job did not go out after Wake: %v", err)
	}
	for range 100 { // never blocks, with or without a waiting Run
		e.d.Wake()
	}
}

func TestRunSurvivesQueueErrors(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, func(c *dispatch.Config) { c.Poll = time.Hour })
	e.d.SetQueueBackoff(10*time.Millisecond, 40*time.Millisecond)
	e.q.add(tokenJob(t, "patient-device-00001"))
	e.q.setFail(status.Errorf(status.EUNAVAILABLE, "database is locked"), 0)
	startRun(t, e)
	time.Sleep(300 * time.Millisecond)
	// Backing off 10, 20, 40, 40 … ms: about 9 claims in 300ms; a spinning loop makes thousands.
	if n := e.q.claimCalls(); n < 3 || n > 15 {
		t.Errorf("%d claims in 300ms while the queue failed", n)
	}
	e.q.setFail(nil, 0)
	if err := fake.WaitForMessages(waitCtx(t), 1); err != nil {
		t.Fatalf("no send after the queue recovered: %v", err)
	}
	eventually(t, "the job saved", func() bool { return e.q.job(t, 1).Status == status.JobSent })
	logs := e.logs.String()
	if !strings.Contains(logs, "queue failing") || !strings.Contains(logs, "queue recovered") {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestCancellationDoesNotBurnAttempts cancels the context during a send: the progress made
// is saved, the attempt is not counted and the lease is cleared, so the next run (after a
// restart) picks the jobs up at once.
func TestCancellationDoesNotBurnAttempts(t *testing.T) {
	t.Run("before anything was sent", func(t *testing.T) {
		fake, real := setupFCM(t)
		started := make(chan struct{})
		sender := &scriptSender{hook: func(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
			close(started)
			<-ctx.Done()
			return real.Send(ctx, msgs) // the real Sender's answer to a cancelled context
		}}
		e := newEnv(t, sender, nil)
		id := e.q.add(tokenJob(t, tokens("d", 3)...))[0]
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { _, err := e.d.Drain(ctx); errc <- err }()
		<-started
		cancel()
		if err := <-errc; err != context.Canceled {
			t.Errorf("drain error %v", err)
		}
		j := e.q.job(t, id)
		if j.Status != status.JobPending || j.Attempts != 0 || j.LeaseOwner != "" || !j.LeaseUntil.IsZero() ||
			!j.NextAttemptAt.Equal(t0) || len(j.Tokens) != 3 || fake.Requests() != 0 {
			t.Errorf("job %+v", j)
		}
		if e.d.Stats().JobsReleased != 1 {
			t.Errorf("stats %+v", e.d.Stats())
		}
	})
	t.Run("halfway through a claim", func(t *testing.T) {
		fake, real := setupFCM(t)
		ctx, cancel := context.WithCancel(context.Background())
		sender := &scriptSender{hook: func(sctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
			// Half gets through, then shutdown: the rest come back as the real Sender
			// reports messages it did not attempt.
			half := len(msgs) / 2
			res, err := real.Send(sctx, msgs[:half])
			if err != nil {
				return nil, err
			}
			cancel()
			for range msgs[half:] {
				res = append(res, notifier.Result{Err: sctx.Err(), Class: notifier.ClassRetry})
			}
			return res, nil
		}}
		e := newEnv(t, sender, nil)
		a, b := tokens("a", 400), tokens("b", 400) // 16 Sends of 50
		ids := e.q.add(tokenJob(t, a...), tokenJob(t, b...))
		if _, err := e.d.Drain(ctx); err != context.Canceled {
			t.Errorf("drain error %v", err)
		}
		ja, jb := e.q.job(t, ids[0]), e.q.job(t, ids[1])
		if ja.Status != status.JobPending || ja.Attempts != 0 || ja.Sent != 25 || !slices.Equal(ja.Tokens, a[25:]) ||
			ja.LeaseOwner != "" || !ja.NextAttemptAt.Equal(t0) || ja.LastError != "" {
			t.Errorf("first job %+v", ja)
		}
		if jb.Status != status.JobPending || jb.Attempts != 0 || jb.Sent != 0 || len(jb.Tokens) != 400 || jb.LeaseOwner != "" {
			t.Errorf("second job %+v", jb)
		}
		if sender.sends() != 1 || fake.Accepted() != 25 {
			t.Errorf("%d sends, %d accepted", sender.sends(), fake.Accepted())
		}
		// After a "restart", the rest goes out, and nothing twice.
		restarted := dispatch.New(dispatch.Config{Sender: real, Queue: e.q, Clock: e.clock, Log: discard()})
		if _, err := restarted.Drain(waitCtx(t)); err != nil {
			t.Fatal(err)
		}
		counts := perToken(fake)
		for _, tok := range append(slices.Clone(a), b...) {
			if counts[tok] != 1 {
				t.Fatalf("token %s sent %d times", tok, counts[tok])
			}
		}
		if ja, jb := e.q.job(t, ids[0]), e.q.job(t, ids[1]); ja.Status != status.JobSent || ja.Attempts != 1 || jb.Status != status.JobSent {
			t.Errorf("after the restart: %+v / %+v", ja, jb)
		}
	})
}

func TestPushesShareSends(t *testing.T) {
	sender := &scriptSender{}
	e := newEnv(t, sender, nil)
	e.q.add(
		status.OutboxJob{Kind: status.JobPush, Condition: "'a' in topics", Payload: payload(t)},
		status.OutboxJob{Kind: status.JobPush, Topic: "candor.all.en", Payload: payload(t)},
		status.OutboxJob{Kind: status.JobPush, Condition: "'b' in topics", Payload: payload(t)},
		tokenJob(t, tokens("a", 200)...),
		tokenJob(t, tokens("b", 400)...), // would make 603: a Send of its own
	)
	e.drain(t)
	// Sends of SendBatch messages, the three one-message pushes in the first with 47 tokens.
	if got := sender.sendSizes(); !slices.Equal(got, append(slices.Repeat([]int{50}, 12), 3)) {
		t.Errorf("send sizes %v", got)
	}
	if s := e.d.Stats(); s.JobsSent != 5 || s.MessagesSent != 603 {
		t.Errorf("stats %+v", s)
	}
}

// TestLeaseRunningOut: once three quarters of the lease have passed without a renewal, no
// new send starts; the rest of the claim is handed back — the job under way with its
// progress, its attempt not counted — and sent by the next claim, nothing twice.
func TestLeaseRunningOut(t *testing.T) {
	sender := &scriptSender{}
	var clock *status.ManualClock
	slow := true
	sender.hook = func(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
		if slow {
			clock.Advance(50 * time.Second) // a slow send, and no renewal meanwhile
			slow = false
		}
		return make([]notifier.Result, len(msgs)), nil
	}
	e := newEnv(t, sender, func(c *dispatch.Config) { c.Lease = time.Minute })
	clock = e.clock
	ids := e.q.add(tokenJob(t, tokens("a", 100)...), tokenJob(t, tokens("b", 100)...))
	if n := e.drain(t); n != 4 {
		t.Errorf("processed %d claimed jobs, want 4 (both handed back and claimed again)", n)
	}
	for _, id := range ids {
		if j := e.q.job(t, id); j.Status != status.JobSent || j.Attempts != 1 || j.Sent != 100 {
			t.Errorf("job %+v", j)
		}
	}
	if s := e.d.Stats(); s.JobsReleased != 2 || s.MessagesSent != 200 || sender.sends() != 4 {
		t.Errorf("stats %+v, %d sends", s, sender.sends())
	}
}

// TestLeaseLostProgressNotSaved: a dispatcher whose send outlived its lease, while another
// claimed the job and delivered it, leaves that one's record alone.
func TestLeaseLostProgressNotSaved(t *testing.T) {
	sender := &scriptSender{}
	e := newEnv(t, sender, nil)
	id := e.q.add(tokenJob(t, tokens("d", 3)...))[0]
	sender.hook = func(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
		// While this send hangs the lease runs out, and another dispatcher claims the job
		// and records it delivered.
		e.clock.Advance(dispatch.DefaultLease + time.Second)
		jobs, err := e.q.Claim(ctx, e.clock.Now(), "other", dispatch.DefaultLease, 10)
		if err != nil || len(jobs) != 1 {
			t.Errorf("the other dispatcher's claim: %v, %v", jobs, err)
			return nil, err
		}
		done := jobs[0]
		done.Status, done.Tokens, done.Sent, done.LeaseOwner, done.LeaseUntil = status.JobSent, nil, 3, "", time.Time{}
		if err := e.q.Save(ctx, &done, "other"); err != nil {
			t.Errorf("the other dispatcher's save: %v", err)
		}
		return nil, status.Errorf(status.EUNAVAILABLE, "fcm: deadline exceeded")
	}
	e.drain(t)
	if j := e.q.job(t, id); j.Status != status.JobSent || j.Sent != 3 || j.Attempts != 0 {
		t.Fatalf("the late dispatcher overwrote the job: %+v", j)
	}
	if got := e.d.Stats().LeasesLost; got != 1 {
		t.Fatalf("LeasesLost = %d, want 1", got)
	}
	if !strings.Contains(e.logs.String(), "lease lost") {
		t.Error("no log line about the lost lease")
	}
}

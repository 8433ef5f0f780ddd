package dispatch_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/status"
)

func tokens(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-device-%05d", prefix, i)
	}
	return out
}

func TestTokenBatchSuccess(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	a, b := tokens("a", 300), tokens("b", 300) // 600 messages: two Sends
	ids := e.q.add(tokenJob(t, a...), tokenJob(t, b...))
	if n := e.drain(t); n != 2 {
		t.Fatalf("processed %d jobs", n)
	}
	counts := perToken(fake)
	for _, tok := range append(slices.Clone(a), b...) {
		if counts[tok] != 1 {
			t.Fatalf("token %s sent %d times", tok, counts[tok])
		}
	}
	if len(counts) != 600 {
		t.Errorf("%d distinct tokens sent", len(counts))
	}
	for _, id := range ids {
		j := e.q.job(t, id)
		if j.Status != status.JobSent || j.Sent != 300 || j.Failed != 0 || len(j.Tokens) != 0 ||
			j.Attempts != 1 || j.LeaseOwner != "" || !j.LeaseUntil.IsZero() || !j.DoneAt.Equal(t0) ||
			!j.UpdatedAt.Equal(t0) || j.LastError != "" {
			t.Errorf("job %d: %+v", id, j)
		}
	}
	m := fake.Messages()[0]
	if m.Title != "Messenger: outage" || m.Android.CollapseKey != "incident-42" || m.Android.TTL != time.Hour || m.Data["incident_id"] != "42" {
		t.Errorf("payload not carried: %+v", m)
	}
	if s := e.d.Stats(); s.JobsSent != 2 || s.MessagesSent != 600 {
		t.Errorf("stats %+v", s)
	}
}

// TestTokenClasses sends one job per FCM answer and checks what becomes of the job and its
// token; no log line may carry a full token.
func TestTokenClasses(t *testing.T) {
	tests := []struct {
		token      string
		wantStatus status.JobStatus
		keep       bool // token kept for a retry
		deleted    bool // device deleted
		wantErr    string
	}{
		{"good-device-000001", status.JobSent, false, false, ""},
		{"unregistered-dev-000002", status.JobSent, false, true, "delete_token (1)"},
		{"invalid-device-000003", status.JobSent, false, true, "delete_token (1)"},
		{"mismatch-device-000004", status.JobSent, false, true, "delete_token (1)"},
		{"quota-device-000005", status.JobPending, true, false, "retry (1)"},
		{"internal-device-000006", status.JobPending, true, false, "retry (1)"},
		{"authfail-device-000007", status.JobPending, true, false, "auth (1)"},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			fake, sender := setupFCM(t)
			e := newEnv(t, sender, nil)
			id := e.q.add(tokenJob(t, tt.token))[0]
			e.drain(t)
			j := e.q.job(t, id)
			if j.Status != tt.wantStatus || !strings.HasPrefix(j.LastError, tt.wantErr) {
				t.Errorf("status %s, last error %q", j.Status, j.LastError)
			}
			if got := len(j.Tokens) == 1; got != tt.keep {
				t.Errorf("tokens left %v", j.Tokens)
			}
			if got := len(e.q.deletedTokens()) == 1; got != tt.deleted {
				t.Errorf("deleted %v", e.q.deletedTokens())
			}
			wantFailed := 0
			if tt.deleted {
				wantFailed = 1
			}
			if j.Failed != wantFailed || j.Sent != fake.Accepted() {
				t.Errorf("sent %d failed %d (fake accepted %d)", j.Sent, j.Failed, fake.Accepted())
			}
			if strings.Contains(e.logs.String(), tt.token) || strings.Contains(j.LastError, tt.token) {
				t.Errorf("full token in logs or last error:\n%s", e.logs.String())
			}
			if strings.HasPrefix(tt.token, "authfail") && !strings.Contains(e.logs.String(), "APNs or web-push credentials") {
				t.Errorf("no operator alert:\n%s", e.logs.String())
			}
		})
	}
}

func TestDeadTokensPruned(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	good := tokens("good", 5)
	dead := []string{"invalid-device-00001", "mismatch-device-00002", "unregistered-device-03"}
	id := e.q.add(tokenJob(t, append(slices.Clone(good), dead...)...))[0]
	e.drain(t)
	j := e.q.job(t, id)
	if j.Status != status.JobSent || j.Sent != 5 || j.Failed != 3 || len(j.Tokens) != 0 {
		t.Errorf("job %+v", j)
	}
	if got := e.q.deletedTokens(); !slices.Equal(got, dead) {
		t.Errorf("deleted %v, want %v", got, dead)
	}
	if fake.Accepted() != 5 || e.d.Stats().TokensPruned != 3 {
		t.Errorf("accepted %d, stats %+v", fake.Accepted(), e.d.Stats())
	}
}

func TestQuotaRetryAfterHonoured(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil) // base backoff 100ms: only Retry-After explains a 1s wait
	quota := []string{"quota-device-000001", "quota-device-000002"}
	id := e.q.add(tokenJob(t, append(tokens("ok", 4), quota...)...))[0]
	e.drain(t)
	j := e.q.job(t, id)
	if j.Status != status.JobPending || !slices.Equal(j.Tokens, quota) || j.Sent != 4 || j.Attempts != 1 {
		t.Fatalf("job %+v", j)
	}
	if j.NextAttemptAt.Before(t0.Add(time.Second)) {
		t.Errorf("next attempt %s, before Retry-After", j.NextAttemptAt.Sub(t0))
	}
	if !strings.Contains(j.LastError, "retry (2)") || !strings.Contains(j.LastError, "quot…0001") {
		t.Errorf("last error %q", j.LastError)
	}
	// Not due before Retry-After; due after.
	e.clock.Advance(999 * time.Millisecond)
	if n := e.drain(t); n != 0 {
		t.Errorf("claimed %d jobs before Retry-After", n)
	}
	e.clock.Advance(time.Millisecond)
	e.drain(t)
	if fake.Accepted() != 4 {
		t.Errorf("acknowledged tokens sent again: accepted %d", fake.Accepted())
	}
}

// TestRetryDoesNotResendAcknowledged fails a few whole requests (429 with Retry-After) of a
// token batch, then retries: every token reaches FCM exactly once.
func TestRetryDoesNotResendAcknowledged(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	all := tokens("dev", 40)
	id := e.q.add(tokenJob(t, all...))[0]
	fake.FailNext(3, 429, time.Second)
	e.drain(t)
	j := e.q.job(t, id)
	if j.Status != status.JobPending || len(j.Tokens) != 3 || j.Sent != 37 || !j.NextAttemptAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("after the first attempt: %+v", j)
	}
	e.clock.Advance(time.Second)
	e.drain(t)
	j = e.q.job(t, id)
	if j.Status != status.JobSent || j.Sent != 40 || j.Attempts != 2 || len(j.Tokens) != 0 {
		t.Errorf("after the retry: %+v", j)
	}
	counts := perToken(fake)
	for _, tok := range all {
		if counts[tok] != 1 {
			t.Errorf("token %s sent %d times", tok, counts[tok])
		}
	}
}

func TestConditionRetryThenSuccess(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	cond := "'candor.all.en' in topics || 'candor.c.api.en' in topics"
	id := e.q.add(status.OutboxJob{Kind: status.JobPush, Condition: cond, Payload: payload(t), NextAttemptAt: t0})[0]
	fake.FailNext(1, 500, 0)
	e.drain(t)
	j := e.q.job(t, id)
	// Attempt 1: step 100ms, equal jitter at 0.5: 50ms + 25ms.
	if j.Status != status.JobPending || j.Attempts != 1 || !j.NextAttemptAt.Equal(t0.Add(75*time.Millisecond)) ||
		!strings.HasPrefix(j.LastError, "retry (1): ") {
		t.Fatalf("after the 500: %+v", j)
	}
	e.clock.Advance(75 * time.Millisecond)
	e.drain(t)
	j = e.q.job(t, id)
	if j.Status != status.JobSent || j.Sent != 1 || j.Attempts != 2 || j.LastError != "" {
		t.Errorf("after the retry: %+v", j)
	}
	if msgs := fake.Messages(); len(msgs) != 1 || msgs[0].Condition != cond {
		t.Errorf("messages %+v", msgs)
	}
}

func TestPayloadErrorsFailWithoutRetry(t *testing.T) {
	big := strings.Repeat("x", 3000) // over the 2048-byte topic limit, under 4096
	enc := func(m notifier.Message) []byte {
		b, err := notifier.EncodePayload(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name     string
		job      status.OutboxJob
		requests int // send requests that reached the fake
		wantErr  string
	}{
		{"topic payload too big", status.OutboxJob{Topic: "candor.all.en", Payload: enc(notifier.Message{Body: big, TTL: time.Hour})},
			0, "payload (1): "},
		{"token payload rejected by FCM", status.OutboxJob{Tokens: tokens("t", 3), Payload: enc(notifier.Message{Title: "t", TTL: time.Hour, Data: map[string]string{"from": "x"}})},
			3, "payload (3): "},
		{"undecodable payload", status.OutboxJob{Topic: "candor.all.en", Payload: []byte("{")}, 0, "payload: decode payload"},
		{"two targets", status.OutboxJob{Topic: "candor.all.en", Tokens: tokens("t", 1), Payload: payload(t)}, 0, "push job needs exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, sender := setupFCM(t)
			e := newEnv(t, sender, nil)
			job := tt.job
			job.Kind, job.NextAttemptAt = status.JobPush, t0
			id := e.q.add(job)[0]
			e.drain(t)
			j := e.q.job(t, id)
			if j.Status != status.JobFailed || !strings.HasPrefix(j.LastError, tt.wantErr) || j.DoneAt.IsZero() {
				t.Errorf("status %s, last error %q", j.Status, j.LastError)
			}
			if fake.Requests() != tt.requests || fake.Accepted() != 0 || len(e.q.deletedTokens()) != 0 {
				t.Errorf("requests %d, accepted %d, deleted %v", fake.Requests(), fake.Accepted(), e.q.deletedTokens())
			}
			e.clock.Advance(time.Hour)
			if n := e.drain(t); n != 0 || fake.Requests() != tt.requests {
				t.Errorf("failed job tried again")
			}
		})
	}
}

func TestExpiredJobNotSent(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	job := tokenJob(t, tokens("late", 2)...)
	job.ExpiresAt = t0.Add(-time.Second)
	id := e.q.add(job)[0]
	e.drain(t)
	j := e.q.job(t, id)
	if j.Status != status.JobExpired || !j.DoneAt.Equal(t0) || j.LeaseOwner != "" || fake.Requests() != 0 {
		t.Errorf("job %+v, requests %d", j, fake.Requests())
	}
	if e.d.Stats().JobsExpired != 1 {
		t.Errorf("stats %+v", e.d.Stats())
	}
}

func TestBackoffAndMaxAttempts(t *testing.T) {
	tests := []struct {
		name       string
		rand       float64
		retryAfter time.Duration
		want       []time.Duration // wait after attempts 1, 2, …; the last attempt fails the job
	}{
		// base 2s, max 10s: steps 2, 4, 8, 10, 10.
		{"no jitter", 0, 0, []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second}},
		{"full jitter", 0.999999, 0, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second}},
		{"retry-after wins", 0.5, 7 * time.Second, []time.Duration{7 * time.Second, 7 * time.Second, 7 * time.Second, 7500 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sender := &scriptSender{result: notifier.Result{Class: notifier.ClassRetry, Err: fmt.Errorf("unavailable"), RetryAfter: tt.retryAfter}}
			e := newEnv(t, sender, func(c *dispatch.Config) {
				c.BaseBackoff, c.MaxBackoff, c.MaxAttempts = 2*time.Second, 10*time.Second, 5
				c.Rand = func() float64 { return tt.rand }
			})
			id := e.q.add(tokenJob(t, tokens("d", 2)...))[0]
			for i, want := range tt.want {
				before := e.clock.Now()
				e.drain(t)
				j := e.q.job(t, id)
				if got := j.NextAttemptAt.Sub(before); j.Attempts != i+1 || got.Round(time.Millisecond) != want {
					t.Fatalf("attempt %d: waits %s, want %s (job %+v)", i+1, got, want, j)
				}
				e.clock.Set(j.NextAttemptAt)
			}
			e.drain(t)
			j := e.q.job(t, id)
			if j.Status != status.JobFailed || j.Attempts != 5 || j.Failed != 2 || j.DoneAt.IsZero() ||
				!strings.HasPrefix(j.LastError, "gave up after 5 attempts: retry (2): ") {
				t.Errorf("job %+v", j)
			}
			if sender.sends() != 5 {
				t.Errorf("%d sends", sender.sends())
			}
			if s := e.d.Stats(); s.JobsRetried != 4 || s.JobsFailed != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestLastErrorBounded(t *testing.T) {
	long := strings.Repeat("장애 ", 400) // multi-byte, far over the bound
	sender := &scriptSender{result: notifier.Result{Class: notifier.ClassRetry, Err: fmt.Errorf("%s", long)}}
	e := newEnv(t, sender, nil)
	id := e.q.add(tokenJob(t, tokens("d", 3)...))[0]
	e.drain(t)
	j := e.q.job(t, id)
	if len(j.LastError) > 600+len("…") || !utf8.ValidString(j.LastError) || !strings.HasPrefix(j.LastError, "retry (3): 장애") {
		t.Errorf("last error (%d bytes) %q", len(j.LastError), j.LastError)
	}
}

package dispatch_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/candorstatus/candor/status"
)

func topicJob(kind status.JobKind, topic string, tokens ...string) status.OutboxJob {
	return status.OutboxJob{Kind: kind, Topic: topic, Tokens: tokens, NextAttemptAt: t0, CreatedAt: t0}
}

const topicEN = "candor.all.en"

func TestTopicJobsMerged(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	ids := e.q.add(
		topicJob(status.JobSubscribe, topicEN, "device-token-000001"),
		topicJob(status.JobSubscribe, topicEN, "device-token-000002"),
		topicJob(status.JobSubscribe, "candor.c.api.ko", "device-token-000009"),
		topicJob(status.JobSubscribe, topicEN, "device-token-000003", "device-token-000001"),
		topicJob(status.JobSubscribe, topicEN, "unregistered-token-04"),
	)
	e.drain(t)
	if n := fake.TopicRequests(); n != 2 {
		t.Errorf("%d topic requests, want 2 (one per topic)", n)
	}
	want := []string{"device-token-000001", "device-token-000002", "device-token-000003"}
	if got := fake.Subscribers(topicEN); !slices.Equal(got, want) {
		t.Errorf("subscribers %v", got)
	}
	if got := fake.Subscribers("candor.c.api.ko"); len(got) != 1 {
		t.Errorf("api subscribers %v", got)
	}
	if got := e.q.deletedTokens(); !slices.Equal(got, []string{"unregistered-token-04"}) {
		t.Errorf("deleted %v", got)
	}
	for i, id := range ids {
		j := e.q.job(t, id)
		// The last job's only token was dead: done, with nothing subscribed.
		wantSent, wantFailed := []int{1, 1, 1, 2, 0}[i], []int{0, 0, 0, 0, 1}[i]
		if j.Status != status.JobSent || j.Sent != wantSent || j.Failed != wantFailed || len(j.Tokens) != 0 || j.DoneAt.IsZero() {
			t.Errorf("job %d: %+v", i, j)
		}
	}
	if s := e.d.Stats(); s.TopicChanges != 5 || s.TokensPruned != 1 || s.JobsSent != 5 {
		t.Errorf("stats %+v", s)
	}
}

func TestTopicCallsSplitAt1000(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
		calls int
	}{
		{"three of 400", []int{400, 400, 400}, 2},
		{"1000 then 1", []int{1000, 1}, 2},
		{"exactly 1000", []int{500, 300, 200}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, sender := setupFCM(t)
			e := newEnv(t, sender, nil)
			total := 0
			for i, n := range tt.sizes {
				e.q.add(topicJob(status.JobSubscribe, topicEN, tokens(string(rune('a'+i)), n)...))
				total += n
			}
			e.drain(t)
			if fake.TopicRequests() != tt.calls || len(fake.Subscribers(topicEN)) != total {
				t.Errorf("%d calls, %d subscribers", fake.TopicRequests(), len(fake.Subscribers(topicEN)))
			}
		})
	}
}

// TestTopicChangesKeepOrder: subscribe, unsubscribe, subscribe of one device in one claim
// must leave it subscribed, so the calls cannot be merged across the unsubscribe.
func TestTopicChangesKeepOrder(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	tok := "device-token-000001"
	e.q.add(
		topicJob(status.JobSubscribe, topicEN, tok),
		topicJob(status.JobUnsubscribe, topicEN, tok),
		topicJob(status.JobSubscribe, topicEN, tok),
	)
	e.drain(t)
	if got := fake.Subscribers(topicEN); !slices.Equal(got, []string{tok}) || fake.TopicRequests() != 3 {
		t.Errorf("subscribers %v after %d calls", got, fake.TopicRequests())
	}
}

func TestTopicRetry(t *testing.T) {
	fake, sender := setupFCM(t)
	e := newEnv(t, sender, nil)
	ids := e.q.add(
		topicJob(status.JobSubscribe, topicEN, "device-token-000001", "internal-token-0002"),
		topicJob(status.JobUnsubscribe, "candor.c.api.en", "device-token-000003"),
		topicJob(status.JobSubscribe, "bad topic name", "device-token-000004"),
	)
	fake.FailNextTopic(1, 500) // the first call (the subscribe) fails whole
	e.drain(t)
	sub, unsub, bad := e.q.job(t, ids[0]), e.q.job(t, ids[1]), e.q.job(t, ids[2])
	if sub.Status != status.JobPending || len(sub.Tokens) != 2 || sub.Attempts != 1 || !strings.HasPrefix(sub.LastError, "retry (2): subscribe "+topicEN) {
		t.Errorf("subscribe job after the outage: %+v", sub)
	}
	if unsub.Status != status.JobSent || unsub.Sent != 1 {
		t.Errorf("unsubscribe job: %+v", unsub)
	}
	if bad.Status != status.JobFailed || !strings.Contains(bad.LastError, "valid topic") {
		t.Errorf("bad topic job: %+v", bad)
	}
	e.clock.Set(sub.NextAttemptAt)
	e.drain(t)
	sub = e.q.job(t, ids[0])
	// internal- tokens keep failing per token: only they stay.
	if sub.Status != status.JobPending || !slices.Equal(sub.Tokens, []string{"internal-token-0002"}) || sub.Sent != 1 || sub.Attempts != 2 {
		t.Errorf("subscribe job after the retry: %+v", sub)
	}
	if got := fake.Subscribers(topicEN); !slices.Equal(got, []string{"device-token-000001"}) {
		t.Errorf("subscribers %v", got)
	}
	if !sub.NextAttemptAt.After(e.clock.Now()) {
		t.Errorf("no backoff: next %s", sub.NextAttemptAt)
	}
}

package metrics

import (
	"context"
	"time"

	"github.com/candorstatus/candor/notifier"
)

// Sender wraps a push sender so that each call is timed and each message's outcome
// counted. Subscriber emails report under their own channel (MailSender).
func (m *Metrics) Sender(s notifier.Sender) notifier.Sender { return &timedSender{s: s, m: m} }

type timedSender struct {
	s notifier.Sender
	m *Metrics
}

const push = "push"

func (t *timedSender) Send(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
	start := time.Now()
	res, err := t.s.Send(ctx, msgs)
	t.m.send.WithLabelValues(push, "send").Observe(time.Since(start).Seconds())
	if err != nil {
		t.m.sendResults.WithLabelValues(push, "send", "error").Add(float64(len(msgs)))
		return res, err
	}
	for _, r := range res {
		t.m.sendResults.WithLabelValues(push, "send", resultOutcome(r.Err != nil, r.Class)).Inc()
	}
	return res, nil
}

func (t *timedSender) Subscribe(ctx context.Context, topic string, tokens []string) ([]notifier.TopicResult, error) {
	return t.topic(ctx, "subscribe", t.s.Subscribe, topic, tokens)
}

func (t *timedSender) Unsubscribe(ctx context.Context, topic string, tokens []string) ([]notifier.TopicResult, error) {
	return t.topic(ctx, "unsubscribe", t.s.Unsubscribe, topic, tokens)
}

func (t *timedSender) topic(ctx context.Context, op string,
	call func(context.Context, string, []string) ([]notifier.TopicResult, error), topic string, tokens []string) ([]notifier.TopicResult, error) {
	start := time.Now()
	res, err := call(ctx, topic, tokens)
	t.m.send.WithLabelValues(push, op).Observe(time.Since(start).Seconds())
	if err != nil {
		t.m.sendResults.WithLabelValues(push, op, "error").Add(float64(len(tokens)))
		return res, err
	}
	for _, r := range res {
		t.m.sendResults.WithLabelValues(push, op, resultOutcome(r.Err != "", r.Class)).Inc()
	}
	return res, nil
}

// resultOutcome names a message's outcome: ok, or its error class.
func resultOutcome(failed bool, class notifier.ErrorClass) string {
	if !failed {
		return "ok"
	}
	if class == notifier.ClassNone {
		return "other"
	}
	return class.String()
}

// ObserveWebhook records one webhook request under channel "webhook", op "send":
// outcome ok, retry or failed.
func (m *Metrics) ObserveWebhook(took time.Duration, outcome string) {
	m.send.WithLabelValues("webhook", "send").Observe(took.Seconds())
	m.sendResults.WithLabelValues("webhook", "send", outcome).Inc()
}

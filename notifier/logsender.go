package notifier

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
)

// LogSender is the Sender used when FCM is not configured: it logs what it would send and
// reports success, so the outbox and the staff console work the same on a laptop. It never
// logs a full device token.
type LogSender struct {
	Log *slog.Logger
	n   atomic.Int64
}

// NewLogSender returns a LogSender writing to log (slog.Default() when nil).
func NewLogSender(log *slog.Logger) *LogSender {
	if log == nil {
		log = slog.Default()
	}
	return &LogSender{Log: log}
}

var _ Sender = (*LogSender)(nil)

func (s *LogSender) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Send logs each message and reports it delivered with a "log/<n>" id; a message that FCM
// would reject is reported as ClassPayload, as FCM would.
func (s *LogSender) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := make([]Result, len(msgs))
	for i, m := range msgs {
		if err := m.Validate(); err != nil {
			res[i] = Result{Err: err, Class: ClassPayload}
			s.logger().WarnContext(ctx, "push rejected", "target", m.Target(), "err", err)
			continue
		}
		res[i].MessageID = "log/" + strconv.FormatInt(s.n.Add(1), 10)
		s.logger().InfoContext(ctx, "push (not sent: FCM not configured)",
			"id", res[i].MessageID, "target", m.Target(), "title", m.Title, "body", m.Body,
			"collapse_key", m.CollapseKey, "ttl", m.TTL, "high", m.High, "kind", m.Data["kind"])
	}
	return res, nil
}

// Subscribe logs the subscription and reports every token subscribed.
func (s *LogSender) Subscribe(ctx context.Context, topic string, tokens []string) ([]TopicResult, error) {
	return s.topic(ctx, "subscribe", topic, tokens)
}

// Unsubscribe logs the unsubscription and reports every token unsubscribed.
func (s *LogSender) Unsubscribe(ctx context.Context, topic string, tokens []string) ([]TopicResult, error) {
	return s.topic(ctx, "unsubscribe", topic, tokens)
}

func (s *LogSender) topic(ctx context.Context, op, topic string, tokens []string) ([]TopicResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !ValidTopic(topic) {
		return nil, errInvalidTopic(topic)
	}
	res := make([]TopicResult, len(tokens))
	for i, t := range tokens {
		res[i].Token = t
	}
	attrs := []any{"op", op, "topic", topic, "tokens", len(tokens)}
	if len(tokens) > 0 {
		attrs = append(attrs, "first", RedactToken(tokens[0]))
	}
	s.logger().InfoContext(ctx, "topic change (not sent: FCM not configured)", attrs...)
	return res, nil
}

// RedactToken shortens a device token for logs to its first and last four characters,
// "abcd…wxyz"; tokens too short to shorten safely are hidden entirely.
func RedactToken(t string) string {
	r := []rune(t)
	if len(r) <= 12 {
		if len(r) == 0 {
			return ""
		}
		return "…"
	}
	return string(r[:4]) + "…" + string(r[len(r)-4:])
}

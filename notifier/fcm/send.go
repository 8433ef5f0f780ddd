package fcm

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"firebase.google.com/go/v4/messaging"

	"github.com/candorstatus/candor/notifier"
)

// Batch limits of the SDK (it rejects larger calls before sending anything).
const (
	maxSendBatch  = 500
	maxTopicBatch = 1000
)

// defaultTTL applies to a Message whose TTL is unset (FCM would read 0 as "now or never").
const defaultTTL = time.Hour

// Send sends msgs with SendEach, 500 at a time, one after another: the SDK already runs 50
// requests at once per call, and several calls in parallel were measured slower, not
// faster. Results align with msgs; each failed message is classified before its error is
// wrapped (the SDK's Is* helpers use type assertions, so Result.Class is what to act on).
// A message FCM would reject is failed alone (ClassPayload) instead of failing its batch.
// The error is non-nil only when ctx ended before anything was attempted; messages not
// attempted because ctx ended later are ClassRetry with ctx's error.
func (s *Sender) Send(ctx context.Context, msgs []notifier.Message) ([]notifier.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := make([]notifier.Result, len(msgs))
	now := s.now()
	for start := 0; start < len(msgs); start += maxSendBatch {
		end := min(start+maxSendBatch, len(msgs))
		if err := ctx.Err(); err != nil {
			for i := start; i < len(msgs); i++ {
				res[i] = notifier.Result{Err: err, Class: notifier.ClassRetry}
			}
			break
		}
		s.sendBatch(ctx, msgs[start:end], res[start:end], now)
	}
	return res, nil
}

func (s *Sender) sendBatch(ctx context.Context, msgs []notifier.Message, res []notifier.Result, now time.Time) {
	batch := make([]*messaging.Message, 0, len(msgs))
	idx := make([]int, 0, len(msgs))
	for i, m := range msgs {
		if err := m.Validate(); err != nil {
			res[i] = notifier.Result{Err: fmt.Errorf("fcm message for %s: %w", m.Target(), err), Class: notifier.ClassPayload}
			continue
		}
		batch = append(batch, toFCM(m, now))
		idx = append(idx, i)
	}
	if len(batch) == 0 {
		return
	}
	br, err := s.client.SendEach(ctx, batch)
	if err != nil {
		// The SDK rejected the call locally (an invalid message slipped past Validate):
		// nothing of this batch was sent, and resending it unchanged cannot help.
		for _, i := range idx {
			res[i] = notifier.Result{Err: fmt.Errorf("fcm send batch: %w", err), Class: notifier.ClassPayload}
		}
		return
	}
	for j, r := range br.Responses {
		i := idx[j]
		if r.Success {
			res[i] = notifier.Result{MessageID: r.MessageID}
			continue
		}
		class, after := Classify(r.Error)
		res[i] = notifier.Result{
			Err:        fmt.Errorf("fcm send to %s: %w", msgs[i].Target(), r.Error),
			Class:      class,
			RetryAfter: after,
		}
	}
}

// toFCM maps a Message onto every platform FCM reaches, so each collapses, expires and
// prioritizes the same way:
//   - Android: collapse_key, priority, ttl, and the notification tag (the tray entry is
//     replaced, not stacked, even when collapse_key cannot act because it was delivered);
//   - APNs: apns-collapse-id, apns-expiration (absolute unix time), apns-priority 10/5;
//   - web push: the Topic header (collapses), TTL in seconds, Urgency, notification tag.
func toFCM(m notifier.Message, now time.Time) *messaging.Message {
	ttl := m.TTL
	if ttl <= 0 {
		ttl = defaultTTL
	}
	prio, apnsPrio, urgency := "normal", "5", "normal"
	if m.High {
		prio, apnsPrio, urgency = "high", "10", "high"
	}
	apns := map[string]string{
		"apns-expiration": strconv.FormatInt(now.Add(ttl).Unix(), 10),
		"apns-priority":   apnsPrio,
	}
	web := map[string]string{
		"TTL":     strconv.FormatInt(int64(ttl/time.Second), 10),
		"Urgency": urgency,
	}
	var webNotif *messaging.WebpushNotification
	if m.CollapseKey != "" {
		apns["apns-collapse-id"] = apnsCollapseID(m.CollapseKey)
		web["Topic"] = WebPushTopic(m.CollapseKey)
		webNotif = &messaging.WebpushNotification{Tag: m.CollapseKey}
	}
	out := &messaging.Message{
		Token:        m.Token,
		Topic:        m.Topic,
		Condition:    m.Condition,
		Data:         m.Data,
		Notification: &messaging.Notification{Title: m.Title, Body: m.Body},
		Android: &messaging.AndroidConfig{
			CollapseKey:  m.CollapseKey,
			Priority:     prio,
			TTL:          &ttl,
			Notification: &messaging.AndroidNotification{Tag: m.CollapseKey},
		},
		APNS:    &messaging.APNSConfig{Headers: apns},
		Webpush: &messaging.WebpushConfig{Headers: web, Notification: webNotif},
	}
	if m.AnalyticsLabel != "" {
		out.FCMOptions = &messaging.FCMOptions{AnalyticsLabel: m.AnalyticsLabel}
	}
	return out
}

var webTopicPattern = regexp.MustCompile(`^[A-Za-z0-9\-_]{1,32}$`)

// WebPushTopic derives the web-push Topic header from a collapse key. RFC 8030 allows at
// most 32 characters of the URL-safe base64 alphabet: a key that already fits is used as
// is (readable: "incident-42"), any other becomes 32 characters of its SHA-256 in
// unpadded URL-safe base64, stable per key.
func WebPushTopic(key string) string {
	if webTopicPattern.MatchString(key) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:32]
}

// apnsCollapseID keeps the collapse key within APNs' 64-byte limit.
func apnsCollapseID(key string) string {
	if len(key) <= 64 {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

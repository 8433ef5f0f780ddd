package notifier

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// payload is the stored form of a Message without its target: an outbox job's Payload.
// Its JSON field names are a storage format — jobs written by one release are sent by the
// next — so rename nothing; add fields as optional ones.
type payload struct {
	Title          string            `json:"title,omitempty"`
	Body           string            `json:"body,omitempty"`
	Data           map[string]string `json:"data,omitempty"`
	CollapseKey    string            `json:"collapse_key,omitempty"`
	TTLSeconds     int64             `json:"ttl_seconds,omitempty"`
	High           bool              `json:"high,omitempty"`
	AnalyticsLabel string            `json:"analytics_label,omitempty"`
}

// EncodePayload encodes m without its target (Token, Topic and Condition are dropped) for
// an outbox job. The TTL is stored in whole seconds, rounded up so a sub-second remainder
// never turns into FCM's "now or never" 0. Equal messages encode to equal bytes (map keys
// are sorted).
func EncodePayload(m Message) ([]byte, error) {
	if m.TTL < 0 {
		return nil, fmt.Errorf("encode payload: negative ttl %s", m.TTL)
	}
	p := payload{
		Title: m.Title, Body: m.Body, Data: m.Data, CollapseKey: m.CollapseKey,
		TTLSeconds: int64((m.TTL + time.Second - 1) / time.Second),
		High:       m.High, AnalyticsLabel: m.AnalyticsLabel,
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	return b, nil
}

// DecodePayload decodes what EncodePayload wrote into a Message with no target; the caller
// sets one. Unknown fields are ignored, so an older dispatcher still sends jobs a newer
// release wrote.
func DecodePayload(b []byte) (Message, error) {
	if len(b) == 0 {
		return Message{}, errors.New("decode payload: empty")
	}
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return Message{}, fmt.Errorf("decode payload: %w", err)
	}
	if p.TTLSeconds < 0 || p.TTLSeconds > int64(MaxTTL/time.Second) {
		return Message{}, fmt.Errorf("decode payload: ttl %ds outside [0, %s]", p.TTLSeconds, MaxTTL)
	}
	return Message{
		Title: p.Title, Body: p.Body, Data: p.Data, CollapseKey: p.CollapseKey,
		TTL:  time.Duration(p.TTLSeconds) * time.Second,
		High: p.High, AnalyticsLabel: p.AnalyticsLabel,
	}, nil
}

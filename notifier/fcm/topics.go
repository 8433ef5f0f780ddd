package fcm

import (
	"context"
	"fmt"
	"strings"

	"firebase.google.com/go/v4/messaging"

	"github.com/candorstatus/candor/notifier"
)

// Subscribe adds tokens to topic, 1000 per call (Instance ID's limit). Results align with
// tokens; see notifier.Sender for the error contract.
func (s *Sender) Subscribe(ctx context.Context, topic string, tokens []string) ([]notifier.TopicResult, error) {
	return s.manage(ctx, "subscribe", s.client.SubscribeToTopic, topic, tokens)
}

// Unsubscribe removes tokens from topic, 1000 per call.
func (s *Sender) Unsubscribe(ctx context.Context, topic string, tokens []string) ([]notifier.TopicResult, error) {
	return s.manage(ctx, "unsubscribe", s.client.UnsubscribeFromTopic, topic, tokens)
}

type topicCall func(ctx context.Context, tokens []string, topic string) (*messaging.TopicManagementResponse, error)

func (s *Sender) manage(ctx context.Context, op string, call topicCall, topic string, tokens []string) ([]notifier.TopicResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	topic = strings.TrimPrefix(topic, "/topics/")
	if !notifier.ValidTopic(topic) {
		return nil, fmt.Errorf("%s: invalid topic name %q", op, topic)
	}
	res := make([]notifier.TopicResult, len(tokens))
	// The SDK rejects a whole call for one empty token; fail that one alone.
	idx := make([]int, 0, len(tokens))
	for i, t := range tokens {
		res[i].Token = t
		if t == "" {
			res[i].Err, res[i].Class = "empty token", notifier.ClassDeleteToken
			continue
		}
		idx = append(idx, i)
	}
	for start := 0; start < len(idx); start += maxTopicBatch {
		chunk := idx[start:min(start+maxTopicBatch, len(idx))]
		if err := ctx.Err(); err != nil {
			for _, i := range idx[start:] {
				res[i].Err, res[i].Class = err.Error(), notifier.ClassRetry
			}
			break
		}
		batch := make([]string, len(chunk))
		for j, i := range chunk {
			batch[j] = tokens[i]
		}
		resp, err := call(ctx, batch, topic)
		if err != nil {
			class, _ := Classify(err)
			msg := fmt.Sprintf("%s %s: %v", op, topic, err)
			for _, i := range chunk {
				res[i].Err, res[i].Class = msg, class
			}
			continue
		}
		for _, e := range resp.Errors {
			if e.Index < 0 || e.Index >= len(chunk) {
				continue
			}
			i := chunk[e.Index]
			res[i].Err, res[i].Class = e.Reason, topicClass(e.Reason)
		}
	}
	return res, nil
}

// topicClass maps an Instance ID per-token reason: NOT_FOUND and INVALID_ARGUMENT mean the
// token is dead; anything else (INTERNAL, TOO_MANY_TOPICS, RESOURCE_EXHAUSTED …) is worth
// another try later.
func topicClass(reason string) notifier.ErrorClass {
	switch reason {
	case "NOT_FOUND", "INVALID_ARGUMENT":
		return notifier.ClassDeleteToken
	}
	return notifier.ClassRetry
}

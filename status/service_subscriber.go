package status

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// SubscribeInput is what the subscribe form (or staff) sends.
type SubscribeInput struct {
	Email      string
	Lang       string
	Components []string // component ids; empty: everything
}

// EmailJobEvent values of an email job that is about a subscription rather than an update.
const (
	EmailEventConfirm = "confirm" // the double opt-in confirmation
	EmailEventManage  = "manage"  // an already-confirmed address asked again: its preferences link
)

// SubscriptionPayload is the payload of a confirm or manage email job: the subscriber is
// read (and the token made) when the email is sent, so no link token is ever stored in
// clear, not even in the outbox.
type SubscriptionPayload struct {
	SubscriberID string `json:"subscriber_id"`
}

// normalizeSubscription validates in against the components that exist and returns the
// normalised address, language and component list (["*"] for everything).
func normalizeSubscription(tx Tx, in SubscribeInput) (string, string, []string, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return "", "", nil, err
	}
	if !slices.Contains(Locales, in.Lang) {
		return "", "", nil, fieldError("lang", "must be one of ko, en", "Choose Korean (ko) or English (en).")
	}
	comps, err := subscriptionComponents(tx, in.Components)
	if err != nil {
		return "", "", nil, err
	}
	return email, in.Lang, comps, nil
}

func subscriptionComponents(tx Tx, ids []string) ([]string, error) {
	if len(ids) == 0 || slices.Contains(ids, AllComponents) {
		return []string{AllComponents}, nil
	}
	if len(ids) > MaxDeviceComponents {
		return nil, fieldError("components", "too many", "Too many components.")
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if slices.Contains(out, id) {
			continue
		}
		if _, err := tx.Component(id); ErrorCode(err) == ENOTFOUND {
			return nil, fieldError("components", "unknown component "+id, "There is no component "+id+".")
		} else if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// subscriptionJob is the outbox job that mails a subscriber its confirmation (or manage) link.
func subscriptionJob(event, subscriberID string, now time.Time) (OutboxJob, error) {
	payload, err := json.Marshal(SubscriptionPayload{SubscriberID: subscriberID})
	if err != nil {
		return OutboxJob{}, err
	}
	return OutboxJob{Kind: JobEmail, Event: event, Payload: payload, Status: JobPending, NextAttemptAt: now,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(ConfirmTTL)}, nil
}

// SubscribeEmail records a subscription that waits for its confirmation and queues the
// confirmation email — or, for an address already confirmed, an email with its
// preferences link, changing nothing. An address gets at most one such email per
// ConfirmEvery: sent reports whether one was queued now. The answer is the same whether
// the address was known or not, so the form reveals nobody's subscription.
func (s *Service) SubscribeEmail(ctx context.Context, in SubscribeInput) (sent bool, err error) {
	err = s.write(ctx, Op{Actor: Actor{Kind: ActorSystem, Name: "subscribe-form"}}, func(tx Tx, now time.Time) (change, error) {
		email, lng, comps, err := normalizeSubscription(tx, in)
		if err != nil {
			return change{}, err
		}
		sub, err := tx.SubscriberByEmail(email)
		event := EmailEventConfirm
		switch {
		case ErrorCode(err) == ENOTFOUND:
			sub = &Subscriber{ID: NewID(), Email: email, CreatedAt: now}
		case err != nil:
			return change{}, err
		case sub.Confirmed():
			event = EmailEventManage
		}
		if !sub.ConfirmSentAt.IsZero() && now.Sub(sub.ConfirmSentAt) < ConfirmEvery {
			return change{}, nil
		}
		if !sub.Confirmed() { // what the form says now is what will be confirmed
			sub.Lang, sub.Components = lng, comps
		}
		sub.ConfirmSentAt, sub.UpdatedAt = now, now
		if err := tx.PutSubscriber(sub); err != nil {
			return change{}, err
		}
		job, err := subscriptionJob(event, sub.ID, now)
		if err != nil {
			return change{}, err
		}
		if err := tx.InsertJobs([]OutboxJob{job}); err != nil {
			return change{}, fmt.Errorf("queue confirmation: %w", err)
		}
		sent = true
		return change{jobs: true}, nil
	})
	return sent, err
}

// linkInvalid is the answer to a link that is unknown, used up, expired or for another purpose.
func linkInvalid() error {
	return Errorf(ENOTFOUND, "This link is not valid any more.")
}

// tokenSubscriber resolves a link token of one of purposes to its subscriber.
func tokenSubscriber(tx Tx, token string, now time.Time, purposes ...TokenPurpose) (*Subscriber, *SubscriberToken, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, linkInvalid()
	}
	k, err := tx.SubscriberToken(HashLinkToken(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, linkInvalid()
	}
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(purposes, k.Purpose) || !now.Before(k.ExpiresAt) {
		return nil, nil, linkInvalid()
	}
	sub, err := tx.Subscriber(k.SubscriberID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, linkInvalid()
	}
	return sub, k, err
}

// ConfirmSubscription confirms the subscription a confirmation link names; its
// confirmation links are used up. ENOTFOUND for an unknown, used or expired link.
func (s *Service) ConfirmSubscription(ctx context.Context, token string) (*Subscriber, error) {
	var out *Subscriber
	err := s.write(ctx, Op{Actor: Actor{Kind: ActorSystem, Name: "subscribe-form"}}, func(tx Tx, now time.Time) (change, error) {
		sub, _, err := tokenSubscriber(tx, token, now, TokenConfirm)
		if err != nil {
			return change{}, err
		}
		if !sub.Confirmed() {
			sub.ConfirmedAt, sub.UpdatedAt = now, now
			if err := tx.PutSubscriber(sub); err != nil {
				return change{}, err
			}
		}
		if _, err := tx.DeleteSubscriberTokens(sub.ID, TokenConfirm); err != nil {
			return change{}, err
		}
		out = sub
		return change{}, nil
	})
	return out, err
}

// SubscriberByLink returns the subscriber a preferences link names; ENOTFOUND for an
// unknown or expired link.
func (s *Service) SubscriberByLink(ctx context.Context, token string) (*Subscriber, error) {
	var out *Subscriber
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, _, err = tokenSubscriber(tx, token, s.now(), TokenManage)
		return err
	})
	return out, err
}

// UpdateSubscription changes the language and components of the subscriber a preferences
// link names (in.Email is ignored).
func (s *Service) UpdateSubscription(ctx context.Context, token string, in SubscribeInput) (*Subscriber, error) {
	var out *Subscriber
	err := s.write(ctx, Op{Actor: Actor{Kind: ActorSystem, Name: "subscribe-form"}}, func(tx Tx, now time.Time) (change, error) {
		sub, _, err := tokenSubscriber(tx, token, now, TokenManage)
		if err != nil {
			return change{}, err
		}
		if !slices.Contains(Locales, in.Lang) {
			return change{}, fieldError("lang", "must be one of ko, en", "Choose Korean (ko) or English (en).")
		}
		comps, err := subscriptionComponents(tx, in.Components)
		if err != nil {
			return change{}, err
		}
		sub.Lang, sub.Components, sub.UpdatedAt = in.Lang, comps, now
		if err := tx.PutSubscriber(sub); err != nil {
			return change{}, err
		}
		out = sub
		return change{}, nil
	})
	return out, err
}

// Unsubscribe deletes the subscriber an unsubscribe or preferences link names, with
// everything stored about it. ENOTFOUND for an unknown or expired link — also when the
// address was deleted already, so a second click answers like the first.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	return s.write(ctx, Op{Actor: Actor{Kind: ActorSystem, Name: "unsubscribe"}}, func(tx Tx, now time.Time) (change, error) {
		sub, _, err := tokenSubscriber(tx, token, now, TokenUnsubscribe, TokenManage)
		if err != nil {
			return change{}, err
		}
		return change{}, tx.DeleteSubscriber(sub.ID)
	})
}

// AddSubscriber adds a confirmed subscriber on staff's word (audited); ECONFLICT when the
// address is subscribed already.
func (s *Service) AddSubscriber(ctx context.Context, op Op, in SubscribeInput) (*Subscriber, error) {
	var out *Subscriber
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		sub, err := addSubscriber(tx, op, in, now)
		if err != nil {
			return change{}, err
		}
		out = sub
		return change{resource: sub.ID, audit: &AuditEntry{Action: "subscriber.add", Target: sub.ID, Detail: RedactEmail(sub.Email)}}, nil
	})
	return out, err
}

func addSubscriber(tx Tx, op Op, in SubscribeInput, now time.Time) (*Subscriber, error) {
	email, lng, comps, err := normalizeSubscription(tx, in)
	if err != nil {
		return nil, err
	}
	if _, err := tx.SubscriberByEmail(email); err == nil {
		return nil, Errorf(ECONFLICT, "That address is subscribed already.")
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	sub := &Subscriber{ID: NewID(), Email: email, Lang: lng, Components: comps, ConfirmedAt: now,
		AddedBy: op.Actor.Name, CreatedAt: now, UpdatedAt: now}
	if sub.AddedBy == "" {
		sub.AddedBy = string(op.Actor.Kind)
	}
	return sub, tx.PutSubscriber(sub)
}

// ImportResult counts what ImportSubscribers did, with the problem of each row it skipped
// (by row number, from 1).
type ImportResult struct {
	Added    int
	Existing int
	Problems map[int]string
}

// MaxSubscriberImport bounds one import.
const MaxSubscriberImport = 50000

// ImportSubscribers adds confirmed subscribers on staff's word, in one transaction and
// one audit entry: addresses already subscribed are counted and left as they are, invalid
// rows are reported and skipped.
func (s *Service) ImportSubscribers(ctx context.Context, op Op, rows []SubscribeInput) (*ImportResult, error) {
	if len(rows) > MaxSubscriberImport {
		return nil, fieldError("rows", "too many", fmt.Sprintf("At most %d addresses per import.", MaxSubscriberImport))
	}
	var res *ImportResult
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		res = &ImportResult{Problems: map[int]string{}}
		for i, in := range rows {
			_, err := addSubscriber(tx, op, in, now)
			switch {
			case err == nil:
				res.Added++
			case ErrorCode(err) == ECONFLICT:
				res.Existing++
			case ErrorCode(err) == EINVALID:
				res.Problems[i+1] = ErrorMessage(err)
			default:
				return change{}, err
			}
		}
		return change{audit: &AuditEntry{Action: "subscriber.import",
			Detail: fmt.Sprintf("%d added, %d existing, %d skipped", res.Added, res.Existing, len(res.Problems))}}, nil
	})
	return res, err
}

// RemoveSubscriber deletes a subscriber on staff's word (audited); ENOTFOUND if absent.
func (s *Service) RemoveSubscriber(ctx context.Context, op Op, id string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		sub, err := tx.Subscriber(id)
		if err != nil {
			return change{}, err
		}
		if err := tx.DeleteSubscriber(id); err != nil {
			return change{}, err
		}
		return change{resource: id, audit: &AuditEntry{Action: "subscriber.remove", Target: id, Detail: RedactEmail(sub.Email)}}, nil
	})
}

// Subscribers returns a page of subscribers (see SubscriberFilter).
func (s *Service) Subscribers(ctx context.Context, f SubscriberFilter) ([]Subscriber, error) {
	var out []Subscriber
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Subscribers(f)
		return err
	})
	return out, err
}

// SubscriberCounts counts confirmed subscribers per component ("*": everything).
func (s *Service) SubscriberCounts(ctx context.Context) ([]SubscriberCount, error) {
	var out []SubscriberCount
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.SubscriberCounts()
		return err
	})
	return out, err
}

// SweepLinkTokens deletes the link tokens that have expired, and the subscribers and public
// webhook endpoints nobody confirmed while their link worked, and returns how many rows it
// deleted.
func (s *Service) SweepLinkTokens(ctx context.Context) (int, error) {
	var n int
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		// Addresses nobody confirmed within the link's life are forgotten (privacy: an
		// address typed into the form by someone else is not kept), before their tokens.
		gone, err := tx.DeleteUnconfirmedSubscribers(now.Add(-ConfirmTTL), now)
		if err != nil {
			return err
		}
		// So are webhooks subscribed from the page whose contact never confirmed them.
		hooks, err := tx.DeleteUnconfirmedWebhooks(now.Add(-ConfirmTTL), now)
		if err != nil {
			return err
		}
		hookTokens, err := tx.DeleteWebhookTokensExpiredBefore(now)
		if err != nil {
			return err
		}
		n, err = tx.DeleteSubscriberTokensExpiredBefore(now)
		n += gone + hooks + hookTokens
		return err
	})
	return n, err
}

package status

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Webhooks the public subscribes from the status page. They reuse the email subscribers'
// double opt-in: the endpoint is stored disabled and pending, its contact address gets a
// confirmation link (a random token stored as a hash, made when the email is sent), and
// nothing reaches the URL before that link is followed. Every email about the endpoint
// and every statuspage body sent to it carry its removal link (WebhookRemoveToken).

// Email job events about webhook endpoints (the email dispatcher sends them).
const (
	EmailEventWebhookConfirm  = "webhook_confirm"  // a public endpoint's confirmation link
	EmailEventWebhookManage   = "webhook_manage"   // subscribed again once confirmed: its removal link
	EmailEventWebhookDisabled = "webhook_disabled" // disabled after failing: its contact is told
)

// WebhookMailPayload is the payload of an email job about one endpoint: the endpoint is
// read (and any token made) when the email is sent, so no link token is in the outbox.
type WebhookMailPayload struct {
	EndpointID string `json:"endpoint_id"`
	// Reason is why the endpoint was disabled (EmailEventWebhookDisabled only).
	Reason string `json:"reason,omitempty"`
}

// WebhookDisabledMailTTL is how long the email telling a contact its endpoint was
// disabled may wait for the mail server: later than that, staff have seen the console.
const WebhookDisabledMailTTL = 7 * 24 * time.Hour

// WebhookEmailJob is the outbox email job of event about endpoint endpointID.
func WebhookEmailJob(event, endpointID, reason string, now time.Time) (OutboxJob, error) {
	payload, err := json.Marshal(WebhookMailPayload{EndpointID: endpointID, Reason: reason})
	if err != nil {
		return OutboxJob{}, err
	}
	ttl := ConfirmTTL
	if event == EmailEventWebhookDisabled {
		ttl = WebhookDisabledMailTTL
	}
	return OutboxJob{Kind: JobEmail, Event: event, Payload: payload, Status: JobPending, NextAttemptAt: now,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(ttl)}, nil
}

// PublicWebhookInput is what the status page's webhook form sends.
type PublicWebhookInput struct {
	URL          string
	ContactEmail string
	Lang         string
	Format       WebhookFormat // "": statuspage
	Components   []string      // empty: everything
}

// SubscribeWebhook records a webhook the public subscribed, disabled until its contact
// confirms, and queues the confirmation email. The URL passes the same checks as staff's
// (ValidateWebhookURL and the server-side request forgery guard): EINVALID with field
// "url" otherwise, and "email", "lang", "format" or "components" for those fields. The same
// URL subscribed again by the same contact is not duplicated: while pending its choices
// are replaced and the confirmation sent again; once confirmed the contact is mailed its
// removal link. A contact address gets at most one such email per ConfirmEvery: sent
// reports whether one was queued now. The answer does not tell whether the URL or the
// address was known.
func (s *Service) SubscribeWebhook(ctx context.Context, in PublicWebhookInput) (sent bool, err error) {
	email, err := NormalizeEmail(in.ContactEmail)
	if err != nil {
		return false, err
	}
	if !slices.Contains(Locales, in.Lang) {
		return false, fieldError("lang", "must be one of ko, en", "Choose Korean (ko) or English (en).")
	}
	if in.Format == "" {
		in.Format = FormatStatuspage
	}
	if !in.Format.Valid() {
		return false, fieldError("format", "invalid", fmt.Sprintf("The format must be one of %s.", JoinNames(WebhookFormats)))
	}
	url := strings.TrimSpace(in.URL)
	if err := s.checkURL(ctx, url); err != nil { // resolves the host: outside the transaction
		return false, err
	}
	op := Op{Actor: Actor{Kind: ActorSystem, Name: "subscribe-form"}}
	err = s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		comps, err := subscriptionComponents(tx, in.Components)
		if err != nil {
			return change{}, err
		}
		all, err := tx.WebhookEndpoints()
		if err != nil {
			return change{}, err
		}
		var e *WebhookEndpoint
		var lastSent time.Time
		for i := range all {
			if !all[i].Public || all[i].ContactEmail != email {
				continue
			}
			if all[i].ConfirmSentAt.After(lastSent) {
				lastSent = all[i].ConfirmSentAt
			}
			if all[i].URL == url {
				e = &all[i]
			}
		}
		if !lastSent.IsZero() && now.Sub(lastSent) < ConfirmEvery {
			return change{}, nil // the address had its email this hour: the form cannot mail-bomb it
		}
		event := EmailEventWebhookConfirm
		switch {
		case e == nil:
			e = &WebhookEndpoint{ID: NewID(), URL: url, Public: true, ContactEmail: email, Events: slices.Clone(WebhookEvents),
				Secret: NewWebhookSecret(), DisabledAt: now, DisabledReason: PendingReason, CreatedAt: now}
		case !e.Pending():
			event = EmailEventWebhookManage
		}
		if e.Pending() { // what the form says now is what will be confirmed
			e.Lang, e.Format, e.Components = in.Lang, in.Format, comps
		}
		e.ConfirmSentAt, e.UpdatedAt = now, now
		if err := tx.PutWebhookEndpoint(e); err != nil {
			return change{}, err
		}
		job, err := WebhookEmailJob(event, e.ID, "", now)
		if err != nil {
			return change{}, err
		}
		if err := tx.InsertJobs([]OutboxJob{job}); err != nil {
			return change{}, fmt.Errorf("queue webhook confirmation: %w", err)
		}
		sent = true
		return change{jobs: true, resource: e.ID, audit: &AuditEntry{Action: "webhook.subscribe", Target: e.ID,
			Detail: redactURL(e.URL) + " for " + RedactEmail(email)}}, nil
	})
	return sent, err
}

// ConfirmWebhook enables the public endpoint a confirmation link names and returns it with
// its signing secret — the one time the secret is shown; its confirmation links are used
// up. ENOTFOUND for an unknown, used or expired link, or an endpoint removed since.
func (s *Service) ConfirmWebhook(ctx context.Context, token string) (*WebhookEndpoint, error) {
	var out *WebhookEndpoint
	op := Op{Actor: Actor{Kind: ActorSystem, Name: "subscribe-form"}}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if token == "" || len(token) > 100 {
			return change{}, linkInvalid()
		}
		k, err := tx.WebhookToken(HashLinkToken(token))
		if ErrorCode(err) == ENOTFOUND || err == nil && !now.Before(k.ExpiresAt) {
			return change{}, linkInvalid()
		} else if err != nil {
			return change{}, err
		}
		e, err := tx.WebhookEndpoint(k.EndpointID)
		if ErrorCode(err) == ENOTFOUND {
			return change{}, linkInvalid()
		} else if err != nil {
			return change{}, err
		}
		if e.Pending() {
			e.ConfirmedAt, e.DisabledAt, e.DisabledReason, e.UpdatedAt = now, time.Time{}, "", now
			if err := tx.PutWebhookEndpoint(e); err != nil {
				return change{}, err
			}
		}
		if _, err := tx.DeleteWebhookTokens(e.ID); err != nil {
			return change{}, err
		}
		out = e
		return change{resource: e.ID, audit: &AuditEntry{Action: "webhook.confirm", Target: e.ID, Detail: redactURL(e.URL)}}, nil
	})
	return out, err
}

// removableWebhook resolves a removal link to its public endpoint; ENOTFOUND otherwise.
func removableWebhook(tx Tx, id, token string) (*WebhookEndpoint, error) {
	if id == "" || token == "" || len(token) > 100 {
		return nil, linkInvalid()
	}
	e, err := tx.WebhookEndpoint(id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, linkInvalid()
	} else if err != nil {
		return nil, err
	}
	if !e.Public || !ValidWebhookRemoveToken(e, token) {
		return nil, linkInvalid()
	}
	return e, nil
}

// WebhookByRemoveLink returns the public endpoint a removal link names, its secret left
// out; ENOTFOUND for a link that is wrong or whose endpoint is gone.
func (s *Service) WebhookByRemoveLink(ctx context.Context, id, token string) (*WebhookEndpoint, error) {
	var out *WebhookEndpoint
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = removableWebhook(tx, id, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Secret = ""
	return out, nil
}

// EnableWebhookByLink turns a public endpoint that was turned off after failing back on,
// from its removal link: its contact has mended the receiver. Its failure count starts
// again; what was not delivered while it was off stays undelivered. An endpoint already on
// answers like the first click did. ENOTFOUND for a wrong link; ECONFLICT when staff
// turned it off (theirs to undo) or it still waits for its confirmation.
func (s *Service) EnableWebhookByLink(ctx context.Context, id, token string) (*WebhookEndpoint, error) {
	var out *WebhookEndpoint
	op := Op{Actor: Actor{Kind: ActorSystem, Name: "webhook-contact"}}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		e, err := removableWebhook(tx, id, token)
		if err != nil {
			return change{}, err
		}
		out = e
		switch {
		case e.Pending():
			return change{}, Errorf(ECONFLICT, "Webhook %s waits for its contact to confirm it by email.", e.ID)
		case !e.Disabled():
			return change{}, nil
		case !e.FailedOff():
			return change{}, Errorf(ECONFLICT, "Webhook %s was turned off by staff; only they can turn it on again.", e.ID)
		}
		e.DisabledAt, e.DisabledReason, e.FailingSince, e.Failures, e.UpdatedAt = time.Time{}, "", time.Time{}, 0, now
		if err := tx.PutWebhookEndpoint(e); err != nil {
			return change{}, err
		}
		return change{resource: e.ID, audit: &AuditEntry{Action: "webhook.enable", Target: e.ID, Detail: redactURL(e.URL) + " by its contact"}}, nil
	})
	if err != nil {
		return nil, err
	}
	out.Secret = ""
	return out, nil
}

// RemoveWebhookByLink deletes the public endpoint a removal link names with whatever was
// still owed to it. ENOTFOUND for a wrong link — also when it was removed already, so a
// second click answers like the first.
func (s *Service) RemoveWebhookByLink(ctx context.Context, id, token string) error {
	op := Op{Actor: Actor{Kind: ActorSystem, Name: "unsubscribe"}}
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		e, err := removableWebhook(tx, id, token)
		if err != nil {
			return change{}, err
		}
		if err := tx.DeleteWebhookEndpoint(e.ID); err != nil {
			return change{}, err
		}
		return change{resource: e.ID, audit: &AuditEntry{Action: "webhook.unsubscribe", Target: e.ID, Detail: redactURL(e.URL)}}, nil
	})
}

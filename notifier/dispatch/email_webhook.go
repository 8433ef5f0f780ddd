package dispatch

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/status"
)

// webhookMail produces the one email of a job about a webhook endpoint, to its contact,
// unless it is moot: the endpoint is gone or has no contact, a confirmation is asked of
// one confirmed already, or the endpoint said to be disabled was enabled again since. A
// confirmation's link token is made here, in the transaction that reads the endpoint, and
// only its hash stored. A crash between the server accepting the email and the job being
// saved sends it once more (with a fresh link).
func (r *jobRun) webhookMail(ctx context.Context, p status.WebhookMailPayload) (stopped, gone bool, err error) {
	e := r.e
	now := e.cfg.Clock.Now()
	var hook *status.WebhookEndpoint
	var token string
	err = e.store.Write(ctx, func(tx status.Tx) error {
		h, err := tx.WebhookEndpoint(p.EndpointID)
		if status.ErrorCode(err) == status.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case h.ContactEmail == "":
			return nil
		case r.j.Event == status.EmailEventWebhookConfirm && !h.Pending():
			return nil
		case r.j.Event == status.EmailEventWebhookDisabled && (!h.Disabled() || h.Pending()):
			return nil
		}
		if r.j.Event == status.EmailEventWebhookConfirm {
			tok, hash := status.NewLinkToken()
			if err := tx.PutWebhookToken(&status.WebhookToken{Hash: hash, EndpointID: h.ID, CreatedAt: now,
				ExpiresAt: now.Add(status.ConfirmTTL)}); err != nil {
				return err
			}
			token = tok
		}
		hook = h
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return true, false, nil
		}
		return false, false, fmt.Errorf("prepare webhook email of job %d: %w", r.j.ID, err)
	}
	if hook == nil {
		return false, false, nil
	}
	remove := webhook.RemoveLink(e.cfg.PublicURL, hook)
	w := email.WebhookMail{Page: e.cfg.PageName, Fallback: e.cfg.DefaultLang, Locale: hook.Lang, URL: hook.URL,
		RemoveLink: remove, Reason: p.Reason}
	switch r.j.Event {
	case status.EmailEventWebhookConfirm:
		w.Link = e.link(webhook.ConfirmPath, token, hook.Lang)
	case status.EmailEventWebhookManage:
		w.Link = remove
	default:
		w.Link = strings.TrimRight(e.cfg.PublicURL, "/") + "/?" + url.Values{"lang": {hook.Lang}}.Encode()
	}
	c, err := email.BuildWebhookMail(r.j.Event, w)
	if err != nil {
		return false, false, err
	}
	m := email.Mail{From: e.cfg.From, To: hook.ContactEmail, Subject: c.Subject, Text: c.Text, HTML: c.HTML, Lang: hook.Lang,
		MessageID: email.MessageID(r.j.ID, hook.ID, email.Domain(e.cfg.From))}
	if !r.queue(ctx, task{mail: m}) {
		return true, false, nil
	}
	return false, false, nil
}

package email

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// WebhookMail is what an email about one webhook endpoint says beside its kind (one of
// status.EmailEventWebhook*).
type WebhookMail struct {
	Page     lang.Text
	Fallback lang.Lang
	Locale   string // the endpoint's language
	URL      string // the endpoint's URL: only its host is written (a chat URL's path is a credential)
	// Link is the email's button: the confirmation link (confirm), the removal link
	// (manage) or the status page (disabled).
	Link string
	// RemoveLink is the endpoint's removal link ("" for staff endpoints, which staff remove).
	RemoveLink string
	Reason     string // why it was disabled (disabled)
}

// WebhookHost is the part of an endpoint URL an email or a page may show: its host.
func WebhookHost(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "…"
}

// BuildWebhookMail writes an email about a webhook endpoint to its contact, in the
// endpoint's language: its confirmation (status.EmailEventWebhookConfirm), its removal link
// when it was subscribed again (status.EmailEventWebhookManage), or that it was disabled
// after failing (status.EmailEventWebhookDisabled). Every one offers the removal link of a
// public endpoint.
func BuildWebhookMail(event string, w WebhookMail) (Content, error) {
	l := lang.Of(w.Locale)
	name, _ := w.Page.Pick(l, w.Fallback)
	host := WebhookHost(w.URL)
	v := subscriptionView{Lang: string(l), Page: name, Link: w.Link, RemoveLink: w.RemoveLink,
		RemoveText: wording.T(l, "email.webhook.remove")}
	switch event {
	case status.EmailEventWebhookConfirm:
		v.Title = wording.Tf(l, "email.webhook.confirm.subject", name)
		v.Body = wording.Tf(l, "email.webhook.confirm.body", name, host)
		v.Button = wording.T(l, "email.webhook.confirm.button")
		v.Note = wording.T(l, "email.webhook.confirm.note")
	case status.EmailEventWebhookManage:
		v.Title = wording.Tf(l, "email.webhook.manage.subject", name)
		v.Body = wording.Tf(l, "email.webhook.manage.body", name, host)
		v.Button = wording.T(l, "email.webhook.remove")
		v.Note = wording.T(l, "email.manage.note")
		v.RemoveLink = "" // it is the button
	case status.EmailEventWebhookDisabled:
		v.Title = wording.Tf(l, "email.webhook.disabled.subject", name, host)
		v.Body = wording.Tf(l, "email.webhook.disabled.body", name, host, w.Reason)
		v.Extra = wording.Tf(l, "email.webhook.disabled.staff", name)
		v.Button = wording.T(l, "email.webhook.page")
		if w.RemoveLink != "" { // its contact turns it back on from its removal page
			v.Extra = wording.T(l, "email.webhook.disabled.public")
			v.Button, v.Link, v.RemoveLink = wording.T(l, "email.webhook.manage"), w.RemoveLink, ""
		}
	default:
		return Content{}, fmt.Errorf("unknown webhook email %q", event)
	}
	h, err := render(subscriptionHTML(v))
	if err != nil {
		return Content{}, err
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%s\n\n%s\n\n", v.Title, v.Body)
	if v.Extra != "" {
		text.WriteString(v.Extra + "\n\n")
	}
	fmt.Fprintf(&text, "%s:\n%s\n\n", v.Button, v.Link)
	if v.Note != "" {
		text.WriteString(v.Note + "\n")
	}
	if v.RemoveLink != "" {
		fmt.Fprintf(&text, "\n%s:\n%s\n", v.RemoveText, v.RemoveLink)
	}
	return Content{Subject: v.Title, Text: text.String(), HTML: h}, nil
}

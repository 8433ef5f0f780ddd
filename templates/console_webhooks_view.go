package templates

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/candorstatus/candor/status"
)

// WebhooksView is the console's list of webhook endpoints with the form to add one. Secret
// is set only on the page answering a create: it is shown once.
type WebhooksView struct {
	ConsolePage
	Hooks   []status.WebhookEndpoint
	Form    WebhookForm
	Errors  FormErrors
	Problem string
	Secret  string
	Created string // the new endpoint's id
}

// WebhookForm is what staff typed into the new-endpoint form.
type WebhookForm struct {
	URL, Description, ContactEmail, Components, Lang, Format string
	Events                                                   []string
}

// WebhookView is one endpoint with its recent deliveries; Secret is set on the page
// answering a rotation.
type WebhookView struct {
	ConsolePage
	Hook       status.WebhookEndpoint
	Deliveries []status.WebhookDelivery
	Secret     string
}

func webhookHref(id string) string { return "/admin/webhooks/" + url.PathEscape(id) }

// hookURL shows an endpoint URL without its query and with a long path cut: Slack's and
// Discord's URLs carry their token in the path.
func hookURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(malformed)"
	}
	p := u.EscapedPath()
	if len(p) > 24 {
		p = p[:24] + "…"
	}
	return u.Scheme + "://" + u.Host + p
}

func eventChecked(f WebhookForm, ev status.WebhookEvent) bool {
	return slices.Contains(f.Events, string(ev))
}

func hookComponents(ids []string) string {
	if slices.Contains(ids, status.AllComponents) {
		return "all"
	}
	return strings.Join(ids, ", ")
}

func hookEvents(evs []status.WebhookEvent) string {
	if len(evs) == len(status.WebhookEvents) {
		return "all events"
	}
	s := make([]string, len(evs))
	for i, e := range evs {
		s[i] = string(e)
	}
	return strings.Join(s, ", ")
}

func deliveryHTTP(d status.WebhookDelivery) string {
	if d.LastStatus == 0 {
		return "—"
	}
	return strconv.Itoa(d.LastStatus)
}

func deliveryLatency(d status.WebhookDelivery) string {
	if d.Attempts == 0 {
		return "—"
	}
	return strconv.FormatInt(d.LastLatency.Milliseconds(), 10) + " ms"
}

// hookHost names an endpoint by its description, else its host: the dashboard is read by
// every role, and a Slack or Discord URL's path is a credential.
func hookHost(h status.WebhookEndpoint) string {
	if h.Description != "" {
		return h.Description
	}
	if u, err := url.Parse(h.URL); err == nil {
		return u.Host
	}
	return h.ID
}

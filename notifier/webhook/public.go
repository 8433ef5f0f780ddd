package webhook

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/candorstatus/candor/status"
)

// Paths of the public webhook pages (handlers serves them; emails and bodies link to them).
const (
	ConfirmPath = "/subscribe/webhook/confirm"
	RemovePath  = "/subscribe/webhook/remove"
)

// RemoveLink is the absolute removal link of a public endpoint: the page that deletes it,
// keyed by status.WebhookRemoveToken. "" for a staff endpoint (staff remove those).
func RemoveLink(publicURL string, e *status.WebhookEndpoint) string {
	if !e.Public {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + RemovePath + "?" +
		url.Values{"id": {e.ID}, "token": {status.WebhookRemoveToken(e)}, "lang": {e.Lang}}.Encode()
}

// unsubscribePrefix is how every statuspage body starts: Meta is the first field and
// Unsubscribe its first (see IncidentBody, ComponentBody, TestBody).
var unsubscribePrefix = []byte(`{"meta":{"unsubscribe":`)

// Personalize returns the body a public endpoint receives: a statuspage body's
// "meta.unsubscribe" (written once for every endpoint of a format and language, pointing
// at the staff console) replaced by the endpoint's own removal link. Other bodies, and
// every body to a staff endpoint, are returned as they are.
func Personalize(body []byte, e *status.WebhookEndpoint, publicURL string) []byte {
	if !e.Public || e.Format != status.FormatStatuspage || !bytes.HasPrefix(body, unsubscribePrefix) {
		return body
	}
	rest := body[len(unsubscribePrefix):]
	dec := json.NewDecoder(bytes.NewReader(rest))
	var old string
	if err := dec.Decode(&old); err != nil {
		return body
	}
	link, err := json.Marshal(RemoveLink(publicURL, e))
	if err != nil {
		return body
	}
	out := make([]byte, 0, len(body)+len(link))
	out = append(out, unsubscribePrefix...)
	out = append(out, link...)
	return append(out, rest[dec.InputOffset():]...)
}

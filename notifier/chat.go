package notifier

import (
	"net/url"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// ChatText is what a chat message (Slack, Discord) about an event says, in one language:
// the same words as the push — the title naming the service and the state, the honest
// restoration lines — without a phone's length limits.
type ChatText struct {
	Title      string
	State      string // what happened ("Major outage", "Resolved", …)
	Status     string // the incident's or maintenance's status, worded ("" when unknown)
	Impact     string // the impact, worded ("" for maintenance)
	Text       string // the latest update's text, whole
	Lines      []string
	Components string // affected components, listed
	URL        string // the public page of the incident or maintenance
}

// Chat writes ev for a chat message in language locale.
func Chat(ev Event, locale string) ChatText {
	l := lang.Of(locale)
	c := clock{l: l, loc: ev.Location, now: ev.Now}
	if c.loc == nil {
		c.loc = time.UTC
	}
	text, _ := ev.Message.Map(strings.TrimSpace).Pick(l, ev.fallback())
	if text == "" {
		text = defaultText(ev, l)
	}
	page, _ := ev.PageName.Pick(l, ev.fallback())
	inc, _ := ev.Title.Pick(l, ev.fallback())
	state := stateText(ev, l)
	out := ChatText{Title: buildTitle(page, state, inc, 240), State: state, Text: text, Lines: statusLines(ev, c),
		Components: componentList(ev.Components, l, ev.fallback()),
		URL:        strings.TrimRight(ev.PublicURL, "/") + pagePath(ev.Kind) + url.PathEscape(ev.IncidentID) + "?lang=" + string(l)}
	if ev.Kind.Maintenance() {
		out.Status = wording.OrRaw(l, "maint."+ev.Status, ev.Status)
	} else {
		if s := status.IncidentStatus(ev.Status); s.Valid() {
			out.Status = wording.OrRaw(l, "istatus."+ev.Status, ev.Status)
		}
		out.Impact = wording.OrRaw(l, "impact."+ev.Impact, ev.Impact)
	}
	return out
}

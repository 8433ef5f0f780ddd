package webhook

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/statuspagev2"
	"github.com/candorstatus/candor/wording"
)

// Meta is Statuspage's "meta" object. Candor's endpoints are registered by staff, so
// unsubscribe points at where staff manage them.
type Meta struct {
	Unsubscribe   string `json:"unsubscribe"`
	Documentation string `json:"documentation"`
	GeneratedAt   string `json:"generated_at"`
}

// PageStatus is the "page" object of a subscriber payload: the page and its overall status.
type PageStatus struct {
	ID                string `json:"id"`
	StatusIndicator   string `json:"status_indicator"`
	StatusDescription string `json:"status_description"`
}

// writeSide is what Statuspage's incident object carries in webhooks beyond the public API
// (its Manage API's fields). Candor has no such settings; they are sent with the values
// that mean "not used", so receivers that index them keep working.
type writeSide struct {
	Backfilled                    bool    `json:"backfilled"`
	ImpactOverride                *string `json:"impact_override"`
	PostmortemBody                *string `json:"postmortem_body"`
	PostmortemBodyLastUpdatedAt   *string `json:"postmortem_body_last_updated_at"`
	PostmortemIgnored             bool    `json:"postmortem_ignored"`
	PostmortemNotifiedSubscribers bool    `json:"postmortem_notified_subscribers"`
	PostmortemNotifiedTwitter     bool    `json:"postmortem_notified_twitter"`
	PostmortemPublishedAt         *string `json:"postmortem_published_at"`
	ScheduledRemindPrior          bool    `json:"scheduled_remind_prior"`
	ScheduledRemindedAt           *string `json:"scheduled_reminded_at"`
	ScheduledAutoInProgress       bool    `json:"scheduled_auto_in_progress"`
	ScheduledAutoCompleted        bool    `json:"scheduled_auto_completed"`
}

// IncidentObject is the incident of an incident event: /api/v2's incident (Candor's "eta"
// included) plus the write-side fields.
type IncidentObject struct {
	snapshot.V2Incident
	writeSide
}

// MaintenanceObject is the incident of a maintenance event: /api/v2's scheduled
// maintenance plus the write-side fields.
type MaintenanceObject struct {
	snapshot.V2Maintenance
	writeSide
}

// IncidentBody is what an incident or maintenance event sends in the statuspage format.
type IncidentBody struct {
	Meta     Meta       `json:"meta"`
	Page     PageStatus `json:"page"`
	Incident any        `json:"incident"` // *IncidentObject or *MaintenanceObject
}

// ComponentUpdate is Statuspage's record of one component status change.
type ComponentUpdate struct {
	CreatedAt     string `json:"created_at"`
	NewStatus     string `json:"new_status"`
	OldStatus     string `json:"old_status"`
	ID            string `json:"id"`
	ComponentID   string `json:"component_id"`
	ComponentType string `json:"component_type"` // always "Component"
}

// ComponentBody is what a component event sends in the statuspage format.
type ComponentBody struct {
	Meta            Meta                   `json:"meta"`
	Page            PageStatus             `json:"page"`
	ComponentUpdate ComponentUpdate        `json:"component_update"`
	Component       statuspagev2.Component `json:"component"`
}

// TestBody is what "send test event" sends in the statuspage format: neither "incident"
// nor "component_update", so Statuspage receivers ignore it, and a "test" object saying
// what it is.
type TestBody struct {
	Meta Meta       `json:"meta"`
	Page PageStatus `json:"page"`
	Test struct {
		Message string `json:"message"`
	} `json:"test"`
}

// NewIncidentBody returns the statuspage body of an incident event.
func NewIncidentBody(meta Meta, page PageStatus, inc snapshot.V2Incident) IncidentBody {
	return IncidentBody{Meta: meta, Page: page, Incident: &IncidentObject{V2Incident: inc}}
}

// NewMaintenanceBody returns the statuspage body of a maintenance event.
func NewMaintenanceBody(meta Meta, page PageStatus, m snapshot.V2Maintenance) IncidentBody {
	return IncidentBody{Meta: meta, Page: page, Incident: &MaintenanceObject{V2Maintenance: m}}
}

// Slack's and Discord's limits, in characters.
const (
	slackHeaderMax   = 150
	slackSectionMax  = 3000
	slackFallbackMax = 4000
	discordTitleMax  = 256
	discordDescMax   = 4096
	discordFieldMax  = 1024
)

// cut shortens s to at most n runes, with an ellipsis when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning to, so staff text
// cannot form links or mentions (<!channel>).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

type slackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackBlock struct {
	Type     string         `json:"type"`
	Text     *slackText     `json:"text,omitempty"`
	Fields   []slackText    `json:"fields,omitempty"`
	Elements []slackElement `json:"elements,omitempty"`
}

type slackElement struct {
	Type string `json:"type"`
	Text any    `json:"text,omitempty"` // a string (context mrkdwn) or a slackText (button)
	URL  string `json:"url,omitempty"`
}

// SlackMessage is a Slack incoming-webhook body: blocks, and text as the fallback that
// notifications and old clients show.
type SlackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// Slack writes t as a Slack message in language l.
func Slack(t notifier.ChatText, l lang.Lang) SlackMessage {
	body := t.Text
	if len(t.Lines) > 0 {
		body += "\n" + strings.Join(t.Lines, "\n")
	}
	fallback := cut(t.Title+"\n"+body+"\n"+t.URL, slackFallbackMax)
	blocks := []slackBlock{{Type: "header", Text: &slackText{Type: "plain_text", Text: cut(t.Title, slackHeaderMax), Emoji: true}}}
	var fields []slackText
	if t.Status != "" {
		fields = append(fields, slackText{Type: "mrkdwn", Text: "*" + wording.T(l, "status.label") + "*\n" + slackEscape(t.Status)})
	}
	if t.Impact != "" {
		fields = append(fields, slackText{Type: "mrkdwn", Text: "*" + wording.T(l, "impact.label") + "*\n" + slackEscape(t.Impact)})
	}
	if len(fields) > 0 {
		blocks = append(blocks, slackBlock{Type: "section", Fields: fields})
	}
	blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: cut(slackEscape(body), slackSectionMax)}})
	if t.Components != "" {
		blocks = append(blocks, slackBlock{Type: "context", Elements: []slackElement{{Type: "mrkdwn",
			Text: cut(slackEscape(wording.T(l, "webhook.components")+": "+t.Components), slackSectionMax)}}})
	}
	if t.URL != "" {
		blocks = append(blocks, slackBlock{Type: "actions", Elements: []slackElement{{Type: "button",
			Text: slackText{Type: "plain_text", Text: wording.T(l, "webhook.open")}, URL: t.URL}}})
	}
	return SlackMessage{Text: fallback, Blocks: blocks}
}

// DiscordEmbed is one Discord embed.
type DiscordEmbed struct {
	Title       string         `json:"title"`
	URL         string         `json:"url,omitempty"`
	Description string         `json:"description"`
	Color       int            `json:"color"`
	Fields      []DiscordField `json:"fields,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
}

// DiscordField is a name and value shown in an embed.
type DiscordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

// DiscordMessage is a Discord webhook body. AllowedMentions is empty so no staff text
// pings anyone (@everyone included).
type DiscordMessage struct {
	Content         string         `json:"content"`
	Embeds          []DiscordEmbed `json:"embeds"`
	AllowedMentions struct {
		Parse []string `json:"parse"`
	} `json:"allowed_mentions"`
}

// Embed colours by what the message is about.
const (
	colorCritical = 0xD93F0B
	colorMajor    = 0xE67E22
	colorMinor    = 0xF1C40F
	colorInfo     = 0x3498DB
	colorResolved = 0x2ECC71
)

// Discord writes t as a Discord message in language l; severity picks the colour
// ("critical", "major", "minor", "resolved", anything else: information).
func Discord(t notifier.ChatText, l lang.Lang, severity string, at time.Time) DiscordMessage {
	desc := t.Text
	if len(t.Lines) > 0 {
		desc += "\n\n" + strings.Join(t.Lines, "\n")
	}
	e := DiscordEmbed{Title: cut(t.Title, discordTitleMax), URL: t.URL, Description: cut(desc, discordDescMax),
		Color: colorInfo, Timestamp: at.UTC().Format(time.RFC3339)}
	switch severity {
	case "critical":
		e.Color = colorCritical
	case "major":
		e.Color = colorMajor
	case "minor":
		e.Color = colorMinor
	case "resolved":
		e.Color = colorResolved
	}
	if t.Status != "" {
		e.Fields = append(e.Fields, DiscordField{Name: wording.T(l, "status.label"), Value: cut(t.Status, discordFieldMax), Inline: true})
	}
	if t.Impact != "" {
		e.Fields = append(e.Fields, DiscordField{Name: wording.T(l, "impact.label"), Value: cut(t.Impact, discordFieldMax), Inline: true})
	}
	if t.Components != "" {
		e.Fields = append(e.Fields, DiscordField{Name: wording.T(l, "webhook.components"), Value: cut(t.Components, discordFieldMax)})
	}
	m := DiscordMessage{Embeds: []DiscordEmbed{e}}
	m.AllowedMentions.Parse = []string{}
	return m
}

// encode marshals a body; every type here encodes (no channels, funcs or NaN floats
// outside site's own guarded ones).
func encode(v any) ([]byte, error) { return json.Marshal(v) }

package webhook

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// DocumentationURL is the "meta.documentation" link of statuspage bodies.
const DocumentationURL = "https://github.com/candorstatus/candor#webhooks-and-chat"

// Planner renders an event once per format and language its endpoints need, stores each
// rendering as a message and queues one delivery per endpoint, all inside the write
// transaction (it implements status.WebhookPlanner). The statuspage body uses the same
// incident and component objects as /api/v2, built by the same snapshot.Builder.
type Planner struct {
	Builder *snapshot.Builder
}

func (p *Planner) cfg() snapshot.Config { return p.Builder.Config() }

// meta is the "meta" object at now.
func (p *Planner) meta(now time.Time) Meta {
	return Meta{Unsubscribe: strings.TrimRight(p.cfg().PublicURL, "/") + "/admin/webhooks", Documentation: DocumentationURL,
		GeneratedAt: p.Builder.V2Time(now)}
}

// pageState reads what every body describes beside its event: the components, the page's
// settings and its overall status, as the write leaves them.
func (p *Planner) pageState(tx status.Tx) ([]status.Component, snapshot.Config, PageStatus, error) {
	comps, err := tx.Components()
	if err != nil {
		return nil, snapshot.Config{}, PageStatus{}, err
	}
	cfg := p.cfg()
	page, err := pageStatus(tx, cfg.PageID, comps)
	return comps, cfg, page, err
}

// pageStatus is the page's overall status as the write leaves it.
func pageStatus(tx status.Tx, pageID string, comps []status.Component) (PageStatus, error) {
	open, err := tx.Incidents(status.IncidentFilter{Status: "open", StateOnly: true})
	if err != nil {
		return PageStatus{}, err
	}
	o := status.OverallStatus(comps, open)
	return PageStatus{ID: pageID, StatusIndicator: o.Indicator, StatusDescription: o.Description}, nil
}

// audience returns the enabled endpoints that want ev about any of components (all nil:
// read them).
func audience(tx status.Tx, all []status.WebhookEndpoint, ev status.WebhookEvent, components []string) ([]status.WebhookEndpoint, error) {
	if all == nil {
		var err error
		if all, err = tx.WebhookEndpoints(); err != nil {
			return nil, fmt.Errorf("load webhooks: %w", err)
		}
	}
	var out []status.WebhookEndpoint
	for _, e := range all {
		if e.Wants(ev, components) {
			out = append(out, e)
		}
	}
	return out, nil
}

// render is one rendering of an event: format and language to body.
type render func(format status.WebhookFormat, l lang.Lang) ([]byte, error)

// queue stores the messages the endpoints need (rendered once per format and language)
// and one delivery per endpoint.
func queue(tx status.Tx, endpoints []status.WebhookEndpoint, ev status.WebhookEvent, subject string, now time.Time, fn render) ([]status.WebhookDelivery, error) {
	type key struct {
		f status.WebhookFormat
		l string
	}
	msgs := map[key]string{}
	ds := make([]status.WebhookDelivery, 0, len(endpoints))
	for _, e := range endpoints {
		k := key{e.Format, e.Lang}
		id, ok := msgs[k]
		if !ok {
			body, err := fn(e.Format, lang.Of(e.Lang))
			if err != nil {
				return nil, fmt.Errorf("render %s webhook (%s, %s): %w", ev, e.Format, e.Lang, err)
			}
			m := &status.WebhookMessage{ID: status.NewWebhookMessageID(), Event: ev, SubjectID: subject, Format: e.Format,
				Lang: e.Lang, Body: body, CreatedAt: now}
			if err := tx.InsertWebhookMessage(m); err != nil {
				return nil, err
			}
			id, msgs[k] = m.ID, m.ID
		}
		ds = append(ds, status.WebhookDelivery{EndpointID: e.ID, MessageID: id, Status: status.JobPending,
			NextAttemptAt: now, CreatedAt: now, UpdatedAt: now})
	}
	if err := tx.InsertWebhookDeliveries(ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// incidentComponents is every component an incident holds or any of its entries changed.
func incidentComponents(inc *status.Incident) []string {
	ids := inc.ComponentIDs()
	for _, u := range inc.Updates {
		for _, ch := range u.Components {
			if !slices.Contains(ids, ch.ComponentID) {
				ids = append(ids, ch.ComponentID)
			}
		}
	}
	return ids
}

// PlanIncidentWebhooks implements status.WebhookPlanner.
func (p *Planner) PlanIncidentWebhooks(tx status.Tx, ev status.PushEvent) (bool, error) {
	event := status.IncidentWebhookEvent(ev.Kind)
	all, err := tx.WebhookEndpoints()
	if err != nil || !slices.ContainsFunc(all, func(e status.WebhookEndpoint) bool { return !e.Disabled() && slices.Contains(e.Events, event) }) {
		return false, err
	}
	// The whole timeline, as the write leaves it (the write may hold only its last entry).
	inc, err := tx.Incident(ev.Incident.ID)
	if err != nil {
		return false, err
	}
	endpoints, err := audience(tx, all, event, incidentComponents(inc))
	if err != nil || len(endpoints) == 0 {
		return false, err
	}
	comps, cfg, page, err := p.pageState(tx)
	if err != nil {
		return false, err
	}
	np := &notifier.Planner{PageName: cfg.PageName, DefaultLang: cfg.DefaultLang, PublicURL: cfg.PublicURL, Location: cfg.Location}
	chat := np.IncidentEvent(status.PushEvent{Kind: ev.Kind, Incident: ev.Incident, Update: ev.Update, Now: ev.Now})
	chat.Components = componentNames(comps, ev.Incident.ComponentIDs(), ev.Update)
	severity := string(inc.Impact)
	if !inc.Open() {
		severity = "resolved"
	}
	_, err = queue(tx, endpoints, event, inc.ID, ev.Now, func(f status.WebhookFormat, l lang.Lang) ([]byte, error) {
		switch f {
		case status.FormatSlack:
			return encode(Slack(notifier.Chat(chat, string(l)), l))
		case status.FormatDiscord:
			return encode(Discord(notifier.Chat(chat, string(l)), l, severity, ev.Now))
		}
		v2 := p.Builder.V2Incident(inc, comps, p.Builder.ETAJSON(inc, ev.Now, l), l)
		return encode(NewIncidentBody(p.meta(ev.Now), page, v2))
	})
	return err == nil, err
}

// componentNames names the components an entry concerns, for chat texts.
func componentNames(comps []status.Component, ids []string, u *status.Update) []lang.Text {
	names := map[string]lang.Text{}
	if u != nil {
		for _, ch := range u.Components {
			names[ch.ComponentID] = ch.Name
			if !slices.Contains(ids, ch.ComponentID) {
				ids = append(ids, ch.ComponentID)
			}
		}
	}
	for _, c := range comps {
		names[c.ID] = c.Name
	}
	out := make([]lang.Text, 0, len(ids))
	for _, id := range ids {
		if n, ok := names[id]; ok {
			out = append(out, n)
		}
	}
	return out
}

// maintenanceEvents maps the maintenance push kinds that are webhook events.
var maintenanceEvents = map[string]status.WebhookEvent{
	"maintenance_scheduled": status.EventMaintenanceScheduled,
	"maintenance_started":   status.EventMaintenanceStarted,
	"maintenance_completed": status.EventMaintenanceCompleted,
}

// PlanMaintenanceWebhooks implements status.WebhookPlanner.
func (p *Planner) PlanMaintenanceWebhooks(tx status.Tx, ev status.MaintenanceEvent) (bool, error) {
	event, ok := maintenanceEvents[ev.Kind]
	if !ok {
		return false, nil
	}
	m := ev.Maintenance
	endpoints, err := audience(tx, nil, event, m.Components)
	if err != nil || len(endpoints) == 0 {
		return false, err
	}
	comps, cfg, page, err := p.pageState(tx)
	if err != nil {
		return false, err
	}
	chat := notifier.Event{Kind: notifier.Kind(ev.Kind), PageName: cfg.PageName, DefaultLang: cfg.DefaultLang, PublicURL: cfg.PublicURL,
		Location: cfg.Location, Now: ev.Now, IncidentID: m.ID, Title: m.Title, Status: string(m.Status), Impact: "maintenance",
		Message: ev.Update.Message, StartsAt: m.ScheduledFor, EndsAt: m.ScheduledUntil,
		Components: componentNames(comps, m.Components, nil)}
	severity := "maintenance"
	if event == status.EventMaintenanceCompleted {
		severity = "resolved"
	}
	names := map[string]lang.Text{}
	for _, c := range comps {
		names[c.ID] = c.Name
	}
	_, err = queue(tx, endpoints, event, m.ID, ev.Now, func(f status.WebhookFormat, l lang.Lang) ([]byte, error) {
		switch f {
		case status.FormatSlack:
			return encode(Slack(notifier.Chat(chat, string(l)), l))
		case status.FormatDiscord:
			return encode(Discord(notifier.Chat(chat, string(l)), l, severity, ev.Now))
		}
		v2 := p.Builder.V2Maintenance(m, comps, names, ev.Now, l)
		return encode(NewMaintenanceBody(p.meta(ev.Now), page, v2))
	})
	return err == nil, err
}

// PlanComponentWebhooks implements status.WebhookPlanner: one event per component.
func (p *Planner) PlanComponentWebhooks(tx status.Tx, evs []status.ComponentEvent) (bool, error) {
	all, err := tx.WebhookEndpoints()
	if err != nil || !slices.ContainsFunc(all, func(e status.WebhookEndpoint) bool {
		return !e.Disabled() && slices.Contains(e.Events, status.EventComponentStatus)
	}) {
		return false, err
	}
	_, _, page, err := p.pageState(tx)
	if err != nil {
		return false, err
	}
	queued := false
	for _, ev := range evs {
		c := ev.Component
		endpoints, err := audience(tx, all, status.EventComponentStatus, []string{c.ID})
		if err != nil {
			return false, err
		}
		if len(endpoints) == 0 {
			continue
		}
		update := ComponentUpdate{CreatedAt: p.Builder.V2Time(ev.Now), NewStatus: string(c.Status), OldStatus: string(ev.Old),
			ID: status.NewID(), ComponentID: c.ID, ComponentType: "Component"}
		_, err = queue(tx, endpoints, status.EventComponentStatus, c.ID, ev.Now, func(f status.WebhookFormat, l lang.Lang) ([]byte, error) {
			if f == status.FormatStatuspage {
				return encode(ComponentBody{Meta: p.meta(ev.Now), Page: page, ComponentUpdate: update, Component: p.Builder.V2Component(*c, l)})
			}
			t := p.componentChat(c, ev.Old, l)
			if f == status.FormatSlack {
				return encode(Slack(t, l))
			}
			return encode(Discord(t, l, componentSeverity(c.Status), ev.Now))
		})
		if err != nil {
			return false, err
		}
		queued = true
	}
	return queued, nil
}

// componentChat is a component event's chat text: "API: Major outage", was Operational.
func (p *Planner) componentChat(c *status.Component, old status.ComponentStatus, l lang.Lang) notifier.ChatText {
	cfg := p.cfg()
	page, _ := cfg.PageName.Pick(l, cfg.DefaultLang)
	name, _ := c.Name.Pick(l, cfg.DefaultLang)
	now := wording.OrRaw(l, "component."+string(c.Status), string(c.Status))
	was := wording.OrRaw(l, "component."+string(old), string(old))
	title := wording.Tf(l, "webhook.component", name, now)
	if page != "" {
		title = page + " · " + title
	}
	return notifier.ChatText{Title: title, State: now, Text: wording.Tf(l, "webhook.was", was),
		URL: strings.TrimRight(cfg.PublicURL, "/") + "/?lang=" + string(l)}
}

func componentSeverity(s status.ComponentStatus) string {
	switch s {
	case status.MajorOutage:
		return "critical"
	case status.PartialOutage:
		return "major"
	case status.DegradedPerformance:
		return "minor"
	case status.Operational:
		return "resolved"
	}
	return "maintenance"
}

// PlanTestWebhook implements status.WebhookPlanner.
func (p *Planner) PlanTestWebhook(tx status.Tx, e *status.WebhookEndpoint, now time.Time) (*status.WebhookDelivery, error) {
	_, cfg, page, err := p.pageState(tx)
	if err != nil {
		return nil, err
	}
	ds, err := queue(tx, []status.WebhookEndpoint{*e}, status.EventTest, e.ID, now, func(f status.WebhookFormat, l lang.Lang) ([]byte, error) {
		name, _ := cfg.PageName.Pick(l, cfg.DefaultLang)
		t := notifier.ChatText{Title: wording.Tf(l, "webhook.test", name), Text: wording.T(l, "webhook.test.body"),
			URL: strings.TrimRight(cfg.PublicURL, "/") + "/?lang=" + string(l)}
		switch f {
		case status.FormatSlack:
			return encode(Slack(t, l))
		case status.FormatDiscord:
			return encode(Discord(t, l, "", now))
		}
		b := TestBody{Meta: p.meta(now), Page: page}
		b.Test.Message = t.Text
		return encode(b)
	})
	if err != nil {
		return nil, err
	}
	return &ds[0], nil
}

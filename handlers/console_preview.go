package handlers

import (
	"maps"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// preview shows what posting would publish: the status page's card rendered by the same
// components and ETA view the public pages use, in every language, and the push a phone
// gets, built by notifier.Build from the event the planner would make. inc is the incident
// as Service.PreviewIncident or PreviewUpdate returned it (nothing stored).
func (s *console) preview(inc *status.Incident, first bool, comps []status.Component) *templates.PreviewView {
	u := inc.LatestUpdate()
	if u == nil {
		return nil
	}
	// The service stamped the previewed entry with its now; reading everything at that
	// moment keeps the card, the push and the warning consistent with each other.
	now := u.CreatedAt
	cfg := s.Builder.Config()
	names := map[string]string{}
	for _, ch := range u.Components {
		names[ch.ComponentID] = ch.Name
	}
	maps.Copy(names, namesOf(comps))

	pv := &templates.PreviewView{Notify: u.Notify, Chance: u.AnnouncedChance, Estimate: u.Estimate, Resolved: !inc.Open()}
	pv.Unlikely = !u.AnnouncedETA.IsZero() && u.AnnouncedChance.Unlikely()
	for _, l := range templates.Langs {
		page := templates.Page{Lang: l, Name: cfg.PageName, PublicURL: cfg.PublicURL, Location: cfg.Location, Path: "/", Now: now}
		pv.Cards = append(pv.Cards, templates.PreviewCard{Page: page, Summary: templates.IncidentSummary{
			Incident: *inc, ETA: s.Builder.ETAView(inc, now, l), ComponentNames: names}})
	}
	if !u.Notify {
		return pv
	}
	planner := notifier.Planner{PageName: cfg.PageName, PublicURL: cfg.PublicURL, Location: cfg.Location}
	ev := planner.IncidentEvent(status.PushEvent{Kind: status.PushKind(first, u), Incident: inc, Update: u, Now: now})
	for _, id := range inc.ComponentIDs() {
		ev.Components = append(ev.Components, names[id])
	}
	for _, l := range status.Locales {
		msg := notifier.Build(ev, l)
		pv.Pushes = append(pv.Pushes, templates.PushPreview{Lang: templates.Lang(l), Title: msg.Title, Body: msg.Body,
			High: msg.High, TTL: msg.TTL})
	}
	return pv
}

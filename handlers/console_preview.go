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
	ev := pushEvent(pushKindOf(first, u), cfg.PageName, cfg.PublicURL, inc, u, names)
	ev.Location = cfg.Location
	for _, l := range status.Locales {
		msg := notifier.Build(ev, l)
		pv.Pushes = append(pv.Pushes, templates.PushPreview{Lang: templates.Lang(l), Title: msg.Title, Body: msg.Body,
			High: msg.High, TTL: msg.TTL})
	}
	return pv
}

// pushEvent is the event notifier.Planner.PlanPush makes for update u of inc; keep the two
// in step so the preview is the push.
func pushEvent(kind notifier.Kind, pageName, publicURL string, inc *status.Incident, u *status.Update, names map[string]string) notifier.Event {
	now := u.CreatedAt
	var eta *status.Estimate
	if e := u.Estimate; e != nil && e.P50.After(now) {
		eta = e
	}
	ev := notifier.Event{Kind: kind, PageName: pageName, PublicURL: publicURL, Now: now,
		IncidentID: inc.ID, Title: inc.Title, Status: string(inc.Status), Impact: string(inc.Impact), Message: u.Message,
		ETA: eta, Announced: inc.AnnouncedETA}
	for _, id := range inc.ComponentIDs() {
		ev.Components = append(ev.Components, names[id])
	}
	return ev
}

// pushKindOf names the push an entry sends, as the service does when it plans it.
func pushKindOf(first bool, u *status.Update) notifier.Kind {
	switch {
	case first:
		return notifier.KindCreated
	case u.Status == status.Resolved:
		return notifier.KindResolved
	}
	return notifier.KindUpdated
}

package handlers

import (
	"fmt"
	"maps"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/email"
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
	names := map[string]lang.Text{}
	for _, ch := range u.Components {
		names[ch.ComponentID] = ch.Name
	}
	maps.Copy(names, namesOf(comps))

	pv := &templates.PreviewView{Notify: u.Notify, Chance: u.AnnouncedChance, Estimate: u.Estimate, Resolved: !inc.Open(),
		Fallbacks: fallbacks(cfg.DefaultLang, textField{"title", inc.Title}, textField{"message", u.Message})}
	if !first {
		pv.Fallbacks = fallbacks(cfg.DefaultLang, textField{"message", u.Message})
	}
	pv.Unlikely = !u.AnnouncedETA.IsZero() && u.AnnouncedChance.Unlikely()
	for _, l := range templates.Langs {
		name, _ := cfg.PageName.Pick(l, cfg.DefaultLang)
		page := templates.Page{Lang: l, DefaultLang: cfg.DefaultLang, Name: name, PublicURL: cfg.PublicURL, Location: cfg.Location, Path: "/", Now: now}
		pv.Cards = append(pv.Cards, templates.PreviewCard{Page: page, Summary: templates.IncidentSummary{
			Incident: *inc, ETA: s.Builder.ETAView(inc, now, l), ComponentNames: names}})
	}
	if !u.Notify {
		return pv
	}
	planner := notifier.Planner{PageName: cfg.PageName, DefaultLang: cfg.DefaultLang, PublicURL: cfg.PublicURL, Location: cfg.Location}
	ev := planner.IncidentEvent(status.PushEvent{Kind: status.PushKind(first, u), Incident: inc, Update: u, Now: now})
	for _, id := range inc.ComponentIDs() {
		ev.Components = append(ev.Components, names[id])
	}
	for _, l := range status.Locales {
		msg := notifier.Build(ev, l)
		pv.Pushes = append(pv.Pushes, templates.PushPreview{Lang: templates.Lang(l), Title: msg.Title, Body: msg.Body,
			High: msg.High, TTL: msg.TTL})
		if c, err := email.BuildUpdate(ev, l); err == nil {
			c = email.Personalize(c, cfg.PublicURL+"/subscription?token=…", cfg.PublicURL+"/unsubscribe?token=…")
			pv.Emails = append(pv.Emails, templates.EmailPreview{Lang: templates.Lang(l), Subject: c.Subject, Text: c.Text})
		}
	}
	return pv
}

// textField is a staff text of the form being previewed, named as in the form.
type textField struct {
	name string
	text lang.Text
}

// fallbacks says, for each text left empty in a language, what that language's readers
// will see instead: posting with one language empty is allowed, but staff should know.
func fallbacks(def lang.Lang, fields ...textField) []string {
	var out []string
	for _, f := range fields {
		if f.text.IsZero() {
			continue
		}
		for _, l := range f.text.Missing() {
			_, shown := f.text.Pick(l, def)
			out = append(out, fmt.Sprintf("The %s has no %s text: %s readers will see the %s one.",
				f.name, langName(l), langName(l), langName(shown)))
		}
	}
	return out
}

func langName(l lang.Lang) string {
	if l == lang.Korean {
		return "Korean"
	}
	return "English"
}

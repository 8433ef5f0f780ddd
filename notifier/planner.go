package notifier

import (
	"fmt"
	"slices"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// Planner decides who gets a push and in what form, inside the write transaction that
// caused it (it implements status.Notifier).
//
// Audience: the devices subscribed to a component the incident affects, or to everything,
// per language. When a language's audience is at most TokenLimit devices the push goes to
// their tokens directly — FCM then reports dead tokens, which are pruned. Larger audiences
// go to FCM topic conditions ("'candor.c.messenger.ko' in topics || …"), one send per
// condition whatever the number of devices, so an outage reaching 40 million devices costs a
// handful of requests and never makes the server iterate tokens.
type Planner struct {
	PageName lang.Text
	// DefaultLang is the language texts fall back to when they have none in a device's.
	DefaultLang lang.Lang
	PublicURL   string
	Location    *time.Location
	TokenLimit  int // default 1000
	// Email plans the email job of each event (nil: no emails), in the same transaction.
	Email EmailPlanner
}

// EmailPlanner plans the email an event owes its subscribers (notifier/email implements
// it): ids are the affected components, updateID the timeline entry announced.
type EmailPlanner interface {
	PlanEmail(tx status.Tx, ev Event, ids []string, updateID string) ([]status.OutboxJob, error)
}

// DefaultTokenLimit is the largest audience sent to tokens directly: two SendEach calls,
// well within a second, and enough for most staff and beta-tester subscriptions.
const DefaultTokenLimit = 1000

// maxTokensPerJob matches SendEach's 500-message limit, so one job is one call.
const maxTokensPerJob = 500

// maxTokensPerTopicCall is the topic-management API's limit.
const maxTokensPerTopicCall = 1000

func (p *Planner) tokenLimit() int {
	if p.TokenLimit > 0 {
		return p.TokenLimit
	}
	return DefaultTokenLimit
}

// PlanPush implements status.Notifier.
func (p *Planner) PlanPush(tx status.Tx, ev status.PushEvent) ([]status.OutboxJob, error) {
	names := map[string]lang.Text{}
	for _, ch := range ev.Update.Components {
		names[ch.ComponentID] = ch.Name
	}
	return p.plan(tx, p.IncidentEvent(ev), ev.Incident.ComponentIDs(), names, ev.Update.ID)
}

// IncidentEvent is what the push for ev says, before its audience is known (Components is
// left for the caller to fill in): the console previews exactly this.
func (p *Planner) IncidentEvent(ev status.PushEvent) Event {
	inc, u := ev.Incident, ev.Update
	var eta *status.Estimate
	if e := u.Estimate; e != nil && e.P50.After(ev.Now) {
		eta = e // a range whose middle has passed is not sent as news
	}
	return Event{Kind: Kind(ev.Kind), PageName: p.PageName, DefaultLang: p.DefaultLang, PublicURL: p.PublicURL,
		Location: p.Location, Now: ev.Now, IncidentID: inc.ID, Title: inc.Title, Status: string(inc.Status),
		Impact: string(inc.Impact), Message: u.Message, ETA: eta, Announced: inc.AnnouncedETA,
		AnnouncedChance: inc.AnnouncedChance(), Start: inc.StartedAt}
}

// PlanMaintenancePush implements status.Notifier.
func (p *Planner) PlanMaintenancePush(tx status.Tx, ev status.MaintenanceEvent) ([]status.OutboxJob, error) {
	m, u := ev.Maintenance, ev.Update
	base := Event{Kind: Kind(ev.Kind), PageName: p.PageName, DefaultLang: p.DefaultLang, PublicURL: p.PublicURL, Location: p.Location, Now: ev.Now,
		IncidentID: m.ID, Title: m.Title, Status: string(m.Status), Impact: "maintenance", Message: u.Message,
		StartsAt: m.ScheduledFor, EndsAt: m.ScheduledUntil}
	return p.plan(tx, base, m.Components, nil, u.ID)
}

// plan finds the audience of components ids per language and writes one job per token
// chunk or topic condition, each carrying the push built in that language.
func (p *Planner) plan(tx status.Tx, base Event, ids []string, names map[string]lang.Text, updateID string) ([]status.OutboxJob, error) {
	comps, err := tx.Components()
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = map[string]lang.Text{}
	}
	for _, c := range comps {
		names[c.ID] = c.Name
	}
	for _, id := range ids {
		base.Components = append(base.Components, names[id])
	}
	var jobs []status.OutboxJob
	for _, lang := range status.Locales {
		tokens, err := tx.DeviceTokens(ids, lang, p.tokenLimit()+1)
		if err != nil {
			return nil, fmt.Errorf("find audience (%s): %w", lang, err)
		}
		if len(tokens) == 0 {
			continue
		}
		msg := Build(base, lang)
		payload, err := EncodePayload(msg)
		if err != nil {
			return nil, fmt.Errorf("encode push: %w", err)
		}
		job := status.OutboxJob{Kind: status.JobPush, IncidentID: base.IncidentID, UpdateID: updateID, Event: string(base.Kind),
			Lang: lang, Payload: payload, Status: status.JobPending, NextAttemptAt: base.Now, CreatedAt: base.Now,
			UpdatedAt: base.Now, ExpiresAt: base.Now.Add(msg.TTL)}
		if len(tokens) <= p.tokenLimit() {
			for chunk := range slices.Chunk(tokens, maxTokensPerJob) {
				j := job
				j.Tokens = chunk
				jobs = append(jobs, j)
			}
			continue
		}
		topics := []string{TopicAll(lang)}
		for _, id := range ids {
			topics = append(topics, TopicFor(id, lang))
		}
		for _, cond := range Conditions(topics) {
			j := job
			j.Condition = cond
			jobs = append(jobs, j)
		}
	}
	if p.Email != nil {
		mails, err := p.Email.PlanEmail(tx, base, ids, updateID)
		if err != nil {
			return nil, fmt.Errorf("plan emails: %w", err)
		}
		jobs = append(jobs, mails...)
	}
	return jobs, nil
}

// deviceTopics is the set of topics a device belongs to.
func deviceTopics(d *status.Device) []string {
	if d == nil {
		return nil
	}
	if d.All() {
		return []string{TopicAll(d.Locale)}
	}
	out := make([]string, 0, len(d.Components))
	for _, c := range d.Components {
		out = append(out, TopicFor(c, d.Locale))
	}
	return out
}

// PlanTopicSync implements status.Notifier: one job per topic gained or lost. The
// dispatcher merges jobs of the same topic into batch calls.
func (p *Planner) PlanTopicSync(prev, next *status.Device, now time.Time) []status.OutboxJob {
	before, after := deviceTopics(prev), deviceTopics(next)
	var jobs []status.OutboxJob
	add := func(kind status.JobKind, topic, token string) {
		jobs = append(jobs, status.OutboxJob{Kind: kind, Topic: topic, Tokens: []string{token}, Status: status.JobPending,
			NextAttemptAt: now, CreatedAt: now, UpdatedAt: now})
	}
	for _, t := range after {
		if !slices.Contains(before, t) {
			add(status.JobSubscribe, t, next.Token)
		}
	}
	for _, t := range before {
		if !slices.Contains(after, t) {
			add(status.JobUnsubscribe, t, prev.Token)
		}
	}
	return jobs
}

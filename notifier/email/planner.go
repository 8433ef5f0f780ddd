package email

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/status"
)

// JobTTL is how long an update's email may wait to be sent: news older than a day is
// history, and the page says it better.
const JobTTL = 24 * time.Hour

// Planner plans one email job per event that has subscribers (it implements
// notifier.EmailPlanner). The job carries the email written in every language; the
// dispatcher walks its audience page by page when it sends, so planning costs the same
// for ten subscribers as for a million.
type Planner struct{}

// PlanEmail implements notifier.EmailPlanner.
func (Planner) PlanEmail(tx status.Tx, ev notifier.Event, ids []string, updateID string) ([]status.OutboxJob, error) {
	any, err := tx.EmailRecipients(0, ids, "", 1)
	if err != nil {
		return nil, fmt.Errorf("find email audience: %w", err)
	}
	if len(any) == 0 {
		return nil, nil
	}
	p, err := UpdatePayload(ev, ids)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode email: %w", err)
	}
	return []status.OutboxJob{{Kind: status.JobEmail, IncidentID: ev.IncidentID, UpdateID: updateID, Event: string(ev.Kind),
		Payload: b, Status: status.JobPending, NextAttemptAt: ev.Now, CreatedAt: ev.Now, UpdatedAt: ev.Now,
		ExpiresAt: ev.Now.Add(JobTTL)}}, nil
}

// UpdatePayload writes ev's email in every language, for components ids.
func UpdatePayload(ev notifier.Event, ids []string) (Payload, error) {
	thread := "incident-" + ev.IncidentID
	if ev.Kind.Maintenance() {
		thread = "maintenance-" + ev.IncidentID
	}
	p := Payload{Thread: thread, Components: slices.Clone(ids), Content: map[string]Content{}}
	for _, l := range status.Locales {
		c, err := BuildUpdate(ev, l)
		if err != nil {
			return Payload{}, err
		}
		p.Content[l] = c
	}
	return p, nil
}

package status

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// DeviceInput registers a device for pushes.
type DeviceInput struct {
	Token      string
	Platform   Platform
	Locale     string
	Components []string
}

func (s *Service) validateDevice(tx Tx, in *DeviceInput) error {
	p := Problems{}
	if !validToken(in.Token) {
		p.Add("token", "is not an FCM registration token")
	}
	if !in.Platform.Valid() {
		p.Add("platform", "must be one of %s", joinValues(Platforms))
	}
	if !slices.Contains(Locales, in.Locale) {
		p.Add("locale", "must be one of ko, en")
	}
	switch n := len(in.Components); {
	case n == 0:
		p.Add("components", `must list component ids, or ["*"] for everything`)
	case n > MaxDeviceComponents:
		p.Add("components", "must list at most %d components", MaxDeviceComponents)
	}
	if err := p.Err(); err != nil {
		return err
	}
	comps, err := tx.Components()
	if err != nil {
		return err
	}
	known := map[string]bool{AllComponents: true}
	for _, c := range comps {
		known[c.ID] = true
	}
	var unknown []string
	for _, id := range in.Components {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		p.Add("components", "unknown component id(s): %v", unknown)
		return p.Err()
	}
	slices.Sort(in.Components)
	in.Components = slices.Compact(in.Components)
	if slices.Contains(in.Components, AllComponents) {
		in.Components = []string{AllComponents} // everything covers the rest
	}
	return nil
}

// RegisterDevice adds or updates a device (idempotent by token) and queues the FCM topic
// subscription changes it implies. created reports whether the token was new.
func (s *Service) RegisterDevice(ctx context.Context, op Op, in DeviceInput) (d *Device, created bool, err error) {
	err = s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if err := s.validateDevice(tx, &in); err != nil {
			return change{}, err
		}
		prev, err := tx.Device(in.Token)
		switch {
		case ErrorCode(err) == ENOTFOUND:
			prev, created = nil, true
		case err != nil:
			return change{}, err
		}
		d = &Device{Token: in.Token, Platform: in.Platform, Locale: in.Locale, Components: in.Components,
			CreatedAt: now, UpdatedAt: now}
		if prev != nil {
			d.CreatedAt = prev.CreatedAt
		}
		if err := tx.PutDevice(d); err != nil {
			return change{}, err
		}
		return s.topicSync(tx, prev, d, now)
	})
	return d, created, err
}

// DeleteDevice forgets a device and queues its topic unsubscriptions.
func (s *Service) DeleteDevice(ctx context.Context, op Op, token string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		prev, err := tx.Device(token)
		if err != nil {
			return change{}, err
		}
		if _, err := tx.DeleteDevices([]string{token}); err != nil {
			return change{}, err
		}
		return s.topicSync(tx, prev, nil, now)
	})
}

func (s *Service) topicSync(tx Tx, prev, next *Device, now time.Time) (change, error) {
	if s.notifier == nil {
		return change{}, nil
	}
	jobs := s.notifier.PlanTopicSync(prev, next, now)
	if len(jobs) == 0 {
		return change{}, nil
	}
	if err := tx.InsertJobs(jobs); err != nil {
		return change{}, fmt.Errorf("queue topic subscriptions: %w", err)
	}
	return change{jobs: true}, nil
}

// planPush queues the pushes an entry owes, in the caller's transaction. Pending pushes of
// the incident's earlier entries are superseded: the phone should get the news, not history.
func (s *Service) planPush(tx Tx, kind string, inc *Incident, u *Update, now time.Time) (bool, error) {
	hooked, err := s.planIncidentWebhooks(tx, kind, inc, u, now)
	if err != nil {
		return false, err
	}
	if s.notifier == nil || !u.Notify {
		return hooked, nil
	}
	jobs, err := s.notifier.PlanPush(tx, PushEvent{Kind: kind, Incident: inc, Update: u, Now: now})
	if err != nil {
		return false, fmt.Errorf("plan pushes: %w", err)
	}
	if len(jobs) == 0 {
		return hooked, nil
	}
	if _, err := tx.SupersedeJobs(inc.ID, u.ID, now); err != nil {
		return false, err
	}
	if err := tx.InsertJobs(jobs); err != nil {
		return false, fmt.Errorf("queue pushes: %w", err)
	}
	return true, nil
}

// PushKind names the event an update announces (first: the entry that opened the
// incident): what its push says, and what the console's preview shows.
func PushKind(first bool, u *Update) string {
	switch {
	case first:
		return "created"
	case u.Kind == KindSystem && !u.Missed.IsZero():
		return "eta_missed"
	case u.Status == Resolved:
		return "resolved"
	}
	return "updated"
}

// Deliveries returns the outbox jobs of an incident or a maintenance, oldest first.
func (s *Service) Deliveries(ctx context.Context, incidentID string) ([]OutboxJob, error) {
	var jobs []OutboxJob
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.Incident(incidentID); ErrorCode(err) == ENOTFOUND {
			if _, err := tx.Maintenance(incidentID); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		var err error
		jobs, err = tx.Jobs(JobFilter{IncidentID: incidentID})
		return err
	})
	return jobs, err
}

// FailedDeliveries returns the most recent outbox jobs that gave up, newest first, so staff
// see which pushes did not reach phones and why.
func (s *Service) FailedDeliveries(ctx context.Context, limit int) ([]OutboxJob, error) {
	var jobs []OutboxJob
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		jobs, err = tx.Jobs(JobFilter{Status: JobFailed})
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.Reverse(jobs)
	if len(jobs) > limit {
		jobs = jobs[:limit]
	}
	return jobs, nil
}

// JobRetention is how long finished push and email jobs stay listed (an incident's
// deliveries); after it they are deleted, so the outbox does not grow without end.
const JobRetention = 30 * 24 * time.Hour

// SweepJobs deletes push and email jobs finished more than JobRetention ago, a thousand per
// transaction so the single writer is never held long; it returns how many.
func (s *Service) SweepJobs(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		err := s.store.Write(ctx, func(tx Tx) error {
			var err error
			n, err = tx.DeleteJobsBefore(s.now().Add(-JobRetention), 1000)
			return err
		})
		total += n
		if err != nil || n < 1000 {
			return total, err
		}
	}
}

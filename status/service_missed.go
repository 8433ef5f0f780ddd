package status

import (
	"context"
	"fmt"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/wording"
)

// MissedNotifyEvery is the least time between two pushes about an incident running late:
// the timeline records every missed promise, but phones are not buzzed more often.
const MissedNotifyEvery = 15 * time.Minute

// duePromise returns the newest promise made to the public that has passed with the
// incident still open and that no automatic entry has reported yet; zero if none.
func duePromise(inc *Incident, now time.Time) time.Time {
	if !inc.Open() {
		return time.Time{}
	}
	var due time.Time
	if a := inc.AnnouncedETA; !a.IsZero() && !a.After(now) {
		due = a
	}
	if e := inc.LatestEstimate(); e != nil && !e.P90.After(now) && e.P90.After(due) {
		due = e.P90
	}
	if due.IsZero() {
		return due
	}
	for _, u := range inc.Updates {
		if u.Kind == KindSystem && !u.Missed.IsZero() && !u.Missed.Before(due) {
			return time.Time{} // already reported
		}
	}
	return due
}

// CheckMissedETAs is the watchdog: for every open incident whose announced time or last
// published p90 has passed, it appends a system entry saying so, with a fresh estimate
// conditioned on how long the incident has now lasted. It returns how many entries it wrote.
func (s *Service) CheckMissedETAs(ctx context.Context) (int, error) {
	open, _, err := s.Incidents(ctx, IncidentFilter{Status: "open"})
	if err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for i := range open {
		if duePromise(&open[i], now).IsZero() {
			continue
		}
		wrote, err := s.reportMissed(ctx, open[i].ID)
		if err != nil {
			return n, fmt.Errorf("report missed eta of %s: %w", open[i].ID, err)
		}
		if wrote {
			n++
		}
	}
	return n, nil
}

func (s *Service) reportMissed(ctx context.Context, id string) (bool, error) {
	wrote := false
	err := s.write(ctx, Op{Actor: System}, func(tx Tx, now time.Time) (change, error) {
		inc, err := tx.Incident(id)
		if err != nil {
			return change{}, err
		}
		due := duePromise(inc, now) // re-checked inside the transaction: never twice
		if due.IsZero() {
			return change{}, nil
		}
		notify := true
		for _, u := range inc.Updates {
			if u.Kind == KindSystem && !u.Missed.IsZero() && u.Notify && now.Sub(u.CreatedAt) < MissedNotifyEvery {
				notify = false
			}
		}
		u := Update{ID: NewID(), IncidentID: id, Kind: KindSystem, Status: inc.Status, Notify: notify,
			PostedBy: System.Name, CreatedAt: now, Missed: due}
		prev := inc.LatestEstimate()
		inc.Updates = append(inc.Updates, u)
		inc.Derive()
		last := &inc.Updates[len(inc.Updates)-1]
		s.annotate(inc, last, now)
		last.Message = s.missedMessage(inc, due, prev, last.Estimate, now)
		if err := tx.AppendUpdate(last); err != nil {
			return change{}, err
		}
		if err := tx.SaveIncidentState(inc); err != nil {
			return change{}, err
		}
		queued, err := s.planPush(tx, PushKind(false, last), inc, last, now)
		if err != nil {
			return change{}, err
		}
		wrote = true
		s.log.InfoContext(ctx, "restoration promise passed; recorded", "incident", id, "promise", due)
		return change{kind: "incident", id: id, public: true, resource: id, jobs: queued,
			audit: &AuditEntry{Action: "incident.eta_missed", Target: id, Detail: due.UTC().Format(time.RFC3339)}}, nil
	})
	return wrote, err
}

// missedMessage writes the automatic entry in every language: which promise passed, how
// the range moved (it only ever moves later while the phase is unchanged, see Revise), and
// the new range with what it rests on.
func (s *Service) missedMessage(inc *Incident, due time.Time, prev, next *Estimate, now time.Time) lang.Text {
	m := wording.Missed{Announced: !inc.AnnouncedETA.IsZero() && inc.AnnouncedETA.Equal(due), Due: due}
	if prev != nil {
		m.Prev = &wording.RangeFacts{P50: prev.P50, P90: prev.P90}
	}
	if next != nil {
		m.Next = &wording.RangeFacts{P50: next.P50, P90: next.P90, Basis: next.Basis(inc.StartedAt)}
	}
	return wording.Texts(func(l lang.Lang) string { return wording.MissedEntry(l, m, s.loc, now) })
}

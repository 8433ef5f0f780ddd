package status

import (
	"context"
	"fmt"
	"strings"
	"time"
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
		inc.Updates = append(inc.Updates, u)
		inc.Derive()
		last := &inc.Updates[len(inc.Updates)-1]
		s.annotate(inc, last, now)
		last.Message = s.missedMessage(inc, due, last.Estimate, now)
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

// missedMessage writes the automatic entry in Korean and English, like the bilingual
// notices staff post, since a timeline entry has one text for every reader.
func (s *Service) missedMessage(inc *Incident, due time.Time, e *Estimate, now time.Time) string {
	at := s.clockText(due, now)
	var ko, en string
	if !inc.AnnouncedETA.IsZero() && inc.AnnouncedETA.Equal(due) {
		ko = fmt.Sprintf("안내한 복구 예정 시각(%s)이 지났지만 아직 복구되지 않았습니다.", at)
		en = fmt.Sprintf("Restoration is taking longer than announced (expected by %s).", at)
	} else {
		ko = fmt.Sprintf("예상 복구 시각(%s)이 지났지만 아직 복구되지 않았습니다.", at)
		en = fmt.Sprintf("Restoration is taking longer than estimated (expected by %s).", at)
	}
	if e != nil && e.P50.After(now) {
		p50, p90 := s.clockText(e.P50, now), s.clockText(e.P90, now)
		ko += fmt.Sprintf(" 과거 유사 장애 %d건을 바탕으로 다시 계산한 예상 복구 시각은 %s 무렵, 늦어도 %s입니다.", e.Samples, p50, p90)
		en += fmt.Sprintf(" New estimate from %d similar incidents: likely by %s, almost certainly by %s.", e.Samples, p50, p90)
	} else {
		ko += " 복구 시각을 다시 확인하는 대로 알려 드리겠습니다."
		en += " We will share a new time as soon as we have one."
	}
	return strings.Join([]string{ko, en}, "\n")
}

// clockText formats t in the page's zone, with the date when it is not today.
func (s *Service) clockText(t, now time.Time) string {
	lt, ln := t.In(s.loc), now.In(s.loc)
	if lt.YearDay() == ln.YearDay() && lt.Year() == ln.Year() {
		return lt.Format("15:04 MST")
	}
	return lt.Format("2006-01-02 15:04 MST")
}

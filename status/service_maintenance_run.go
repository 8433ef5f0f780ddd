package status

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/wording"
)

// RunMaintenances is the scheduler's maintenance job: it sends due reminders, starts work
// whose time has come (or holds it while an unresolved incident affects its components),
// ends work whose planned end has passed, and says so when work runs late. Every step
// checks the stored state inside its own transaction, so a run after a restart catches up
// on missed moments and nothing happens twice. It returns how many maintenances changed.
func (s *Service) RunMaintenances(ctx context.Context) (int, error) {
	ms, err := s.Maintenances(ctx, MaintenanceFilter{Statuses: []MaintenanceStatus{MaintScheduled, MaintInProgress, MaintVerifying}})
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range ms {
		changed := false
		_, err := s.stepMaintenance(ctx, Op{Actor: System}, ms[i].ID, "maintenance.auto", func(st *maintenanceStep) error {
			before := len(st.m.Updates)
			err := s.advance(ctx, st)
			changed = len(st.m.Updates) > before || st.dirty
			return err
		})
		if err != nil {
			return n, fmt.Errorf("advance maintenance %s: %w", ms[i].ID, err)
		}
		if changed {
			n++
		}
	}
	return n, nil
}

func (s *Service) advance(ctx context.Context, st *maintenanceStep) error {
	m, now := st.m, st.now
	if m.Status == MaintScheduled {
		if now.Before(m.ScheduledFor) {
			return s.remind(st)
		}
		// Risky work waits for its pre-checks, saying so once.
		if pending, _, err := pendingChecks(st.tx, m); err != nil {
			return err
		} else if pending > 0 {
			if u := m.LatestUpdate(); u == nil || u.Event != "checks" {
				s.log.WarnContext(ctx, "maintenance waits for its pre-checks", slog.String("maintenance", m.ID), slog.Int("pending", pending))
				return st.entry(KindSystem, "checks", MaintScheduled, s.maintenanceText(m, "checks", now), false, "")
			}
			return nil
		}
		bl, err := blockers(st.tx, m)
		if err != nil {
			return err
		}
		if len(bl) > 0 {
			if !slices.Equal(bl, m.HeldBy) {
				first := !m.Held()
				m.HeldBy, st.dirty = bl, true
				if first {
					m.HeldSince = now
					s.log.WarnContext(ctx, "maintenance held: unresolved incidents affect its components",
						slog.String("maintenance", m.ID), slog.Any("incidents", bl))
					return st.entry(KindSystem, "held", MaintScheduled, s.maintenanceText(m, "held", now), false, "")
				}
			}
			return nil
		}
		if m.Held() {
			if err := st.entry(KindSystem, "released", MaintScheduled, s.maintenanceText(m, "released", now), false, ""); err != nil {
				return err
			}
		}
		if err := st.start(s.maintenanceText(m, "started", now)); err != nil {
			return err
		}
	}
	if !m.Status.Active() || now.Before(m.ScheduledUntil) {
		return nil
	}
	if m.Status == MaintInProgress {
		if m.AutoComplete {
			return st.finish(MaintCompleted, KindSystem, "completed", s.maintenanceText(m, "completed", now))
		}
		m.Status = MaintVerifying
		if err := st.entry(KindSystem, "verifying", MaintVerifying, s.maintenanceText(m, "verifying", now), false, ""); err != nil {
			return err
		}
	}
	if m.LateNotified.IsZero() {
		m.LateNotified = now
		return st.entry(KindSystem, "late", m.Status, s.maintenanceText(m, "late", now), true, "maintenance_late")
	}
	return nil
}

// remind sends the nearest due reminder; earlier ones missed while Candor was down are
// marked sent without their own push, so a restart sends one reminder, not a burst.
func (s *Service) remind(st *maintenanceStep) error {
	m, now := st.m, st.now
	var due []time.Duration
	for _, d := range m.RemindBefore {
		if !now.Before(m.ScheduledFor.Add(-d)) && !slices.Contains(m.RemindersSent, d) {
			due = append(due, d)
		}
	}
	if len(due) == 0 {
		return nil
	}
	m.RemindersSent = append(m.RemindersSent, due...)
	return st.entry(KindSystem, "reminder", MaintScheduled, s.maintenanceText(m, "reminder", now), true, "maintenance_reminder")
}

// maintenanceText writes an automatic maintenance entry in every language.
func (s *Service) maintenanceText(m *Maintenance, event string, now time.Time) lang.Text {
	return wording.Texts(func(l lang.Lang) string {
		return wording.MaintenanceEntry(l, event, m.ScheduledFor, m.ScheduledUntil, m.OverrideReason, s.loc, now)
	})
}

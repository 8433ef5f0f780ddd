package status

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
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

// maintenanceText writes automatic maintenance entries in Korean and English.
func (s *Service) maintenanceText(m *Maintenance, event string, now time.Time) string {
	from, until := s.clockText(m.ScheduledFor, now), s.clockText(m.ScheduledUntil, now)
	var ko, en string
	switch event {
	case "reminder":
		ko = fmt.Sprintf("점검 예정 안내: %s부터 %s까지 진행됩니다.", from, until)
		en = fmt.Sprintf("Reminder: maintenance is planned from %s to %s.", from, until)
	case "held":
		ko = fmt.Sprintf("해결되지 않은 장애(%s)가 점검 대상 서비스에 영향을 주고 있어 점검을 연기합니다.", strings.Join(m.HeldBy, ", "))
		en = fmt.Sprintf("Maintenance is postponed: unresolved incident(s) %s affect these services.", strings.Join(m.HeldBy, ", "))
	case "released":
		ko = "점검을 막고 있던 장애가 해결되었습니다."
		en = "The incident that held this maintenance is resolved."
	case "started":
		ko = fmt.Sprintf("점검을 시작했습니다. %s까지 진행될 예정입니다.", until)
		en = fmt.Sprintf("Maintenance has started and is planned to end by %s.", until)
	case "verifying":
		ko = "점검 작업을 마치고 결과를 확인하고 있습니다."
		en = "The work is done and is being verified."
	case "completed":
		ko = "점검이 완료되었습니다."
		en = "Maintenance is complete."
	case "late":
		ko = fmt.Sprintf("점검이 예정 종료 시각(%s)을 넘겨 계속되고 있습니다. 완료되는 대로 알려 드리겠습니다.", until)
		en = fmt.Sprintf("Maintenance is running past its planned end (%s). We will let you know when it is complete.", until)
	}
	return ko + "\n" + en
}

package jobs

import (
	"context"
	"time"

	"github.com/candorstatus/candor/status"
)

// Schedules of Candor's periodic jobs.
const (
	// ETAWatchdogSpec checks open incidents every 15 s, so a passed promise is reported
	// well within a minute even if one run is slow or skipped.
	ETAWatchdogSpec = "*/15 * * * * *"
	// MaintenanceSpec advances maintenance every 15 s: reminders, start (or hold), end and
	// overruns each happen within 30 s of their moment.
	MaintenanceSpec = "*/15 * * * * *"
	// OutboxSweepSpec wakes the push dispatcher every 30 s in case a wake-up was missed
	// (jobs written by another process, a retry coming due).
	OutboxSweepSpec = "*/30 * * * * *"
	// IdempotencySweepSpec forgets expired Idempotency-Keys hourly.
	IdempotencySweepSpec = "0 17 * * * *"
	// UptimeRollUpSpec rolls up daily uptime hourly, at minute 5: a run does work only once
	// a day has completed in the page's zone (or a component is new), so this is a daily
	// roll-up shortly after midnight that also catches up within the hour after a restart.
	UptimeRollUpSpec = "0 5 * * * *"
)

// UptimeRollUpTimeout bounds one roll-up; the first one computes up to
// status.UptimeHistoryDays days of every component.
const UptimeRollUpTimeout = 5 * time.Minute

// AddStandard registers the jobs every Candor server runs.
func AddStandard(s *Scheduler, svc *status.Service) error {
	if err := s.Add("eta-watchdog", ETAWatchdogSpec, 30*time.Second, func(ctx context.Context) error {
		_, err := svc.CheckMissedETAs(ctx)
		return err
	}); err != nil {
		return err
	}
	if err := s.Add("maintenance", MaintenanceSpec, 30*time.Second, func(ctx context.Context) error {
		_, err := svc.RunMaintenances(ctx)
		return err
	}); err != nil {
		return err
	}
	if err := s.Add("idempotency-sweep", IdempotencySweepSpec, time.Minute, func(ctx context.Context) error {
		_, err := svc.SweepIdempotency(ctx)
		return err
	}); err != nil {
		return err
	}
	return s.Add("uptime-rollup", UptimeRollUpSpec, UptimeRollUpTimeout, func(ctx context.Context) error {
		_, err := svc.RollUpUptime(ctx)
		return err
	})
}

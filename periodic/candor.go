package periodic

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
	// SignalsSpec applies reported signal states whose hold has passed, and auto-publishes
	// drafts, every 5 s: a 30 s hold takes effect within 35 s of the report.
	SignalsSpec = "*/5 * * * * *"
	// SignalSweepSpec forgets long-resolved signals hourly.
	SignalSweepSpec = "0 23 * * * *"
	// ProbesSpec runs the due probes every 5 s: a probe runs within 5 s of its time (later
	// only while another check of the same run is still waiting for its timeout).
	ProbesSpec = "*/5 * * * * *"
	// ProbeSweepSpec forgets per-minute probe results past their 90 days hourly.
	ProbeSweepSpec = "0 41 * * * *"
)

// ProbesTimeout bounds one probes run: every check ends within status.MaxProbeTimeout.
const ProbesTimeout = 2 * status.MaxProbeTimeout

// AddProbes registers the probes job, which calls run (probe.Runner.Run: it needs the
// network, so the server passes it in), and the sweep of old results.
func AddProbes(s *Scheduler, svc *status.Service, run func(context.Context) error) error {
	if err := s.Add("probes", ProbesSpec, ProbesTimeout, run); err != nil {
		return err
	}
	return s.Add("probe-sweep", ProbeSweepSpec, time.Minute, func(ctx context.Context) error {
		_, err := svc.SweepProbeMinutes(ctx)
		return err
	})
}

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
	if err := s.Add("signals", SignalsSpec, 30*time.Second, func(ctx context.Context) error {
		_, _, err := svc.RunSignals(ctx)
		return err
	}); err != nil {
		return err
	}
	if err := s.Add("signal-sweep", SignalSweepSpec, time.Minute, func(ctx context.Context) error {
		_, err := svc.SweepSignals(ctx)
		return err
	}); err != nil {
		return err
	}
	return s.Add("uptime-rollup", UptimeRollUpSpec, UptimeRollUpTimeout, func(ctx context.Context) error {
		_, err := svc.RollUpUptime(ctx)
		return err
	})
}

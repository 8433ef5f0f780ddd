package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
)

// MaintenanceInput schedules planned work.
type MaintenanceInput struct {
	Title          lang.Text
	Message        lang.Text
	Components     []string
	ScheduledFor   time.Time
	ScheduledUntil time.Time
	Notify         bool
	RemindBefore   []time.Duration // nil: DefaultRemindBefore; empty: none
	AutoComplete   bool
	// PreChecks are the items staff must tick before the work may start.
	PreChecks []string
}

// MaintenanceUpdateInput posts to a maintenance's timeline, optionally moving its status
// forward (in_progress → verifying → completed).
type MaintenanceUpdateInput struct {
	Status  MaintenanceStatus // "": unchanged
	Message lang.Text
	Notify  bool
}

// MaxRemindBefore bounds how early a reminder may go out.
const MaxRemindBefore = 30 * 24 * time.Hour

// Maintenance returns a maintenance with its timeline.
func (s *Service) Maintenance(ctx context.Context, id string) (*Maintenance, error) {
	var m *Maintenance
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		m, err = tx.Maintenance(id)
		return err
	})
	return m, err
}

// Maintenances returns the maintenances matching f.
func (s *Service) Maintenances(ctx context.Context, f MaintenanceFilter) ([]Maintenance, error) {
	var ms []Maintenance
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		ms, err = tx.Maintenances(f)
		return err
	})
	return ms, err
}

func checkComponentsExist(tx Tx, p Problems, ids []string) error {
	comps, err := tx.Components()
	if err != nil {
		return err
	}
	var unknown []string
	for _, id := range ids {
		if !slices.ContainsFunc(comps, func(c Component) bool { return c.ID == id }) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		p.Add("components", "unknown component id(s): %s", strings.Join(unknown, ", "))
	}
	return nil
}

// ScheduleMaintenance announces planned work.
func (s *Service) ScheduleMaintenance(ctx context.Context, op Op, in MaintenanceInput) (*Maintenance, error) {
	now := s.now()
	p := Problems{}
	validateText(p, "title", in.Title, MaxTitleLen, true, SingleLine)
	validateMessage(p, in.Message)
	switch {
	case in.ScheduledFor.IsZero():
		p.Add("scheduled_for", "is required")
	case !in.ScheduledFor.After(now):
		p.Add("scheduled_for", "must be in the future")
	case in.ScheduledFor.After(now.Add(MaxMaintenanceAhead)):
		p.Add("scheduled_for", "must be within a year from now")
	}
	switch {
	case in.ScheduledUntil.IsZero():
		p.Add("scheduled_until", "is required")
	case !in.ScheduledFor.IsZero() && !in.ScheduledUntil.After(in.ScheduledFor):
		p.Add("scheduled_until", "must be after scheduled_for")
	case in.ScheduledUntil.After(now.Add(MaxMaintenanceAhead)):
		p.Add("scheduled_until", "must be within a year from now")
	}
	if in.RemindBefore == nil {
		in.RemindBefore = DefaultRemindBefore
	}
	for _, d := range in.RemindBefore {
		if d < MinRemindBefore || d > MaxRemindBefore {
			p.Add("remind_before", "each must be between 1s and %s", MaxRemindBefore)
		}
	}
	checks := newPreChecks(p, in.PreChecks)
	slices.Sort(in.Components)
	in.Components = slices.Compact(in.Components)
	m := &Maintenance{ID: NewID(), Title: trimText(in.Title), Status: MaintScheduled, Components: in.Components,
		ScheduledFor: in.ScheduledFor.UTC().Truncate(time.Microsecond), ScheduledUntil: in.ScheduledUntil.UTC().Truncate(time.Microsecond),
		Notify: in.Notify, RemindBefore: slices.Clone(in.RemindBefore), AutoComplete: in.AutoComplete, CreatedAt: now, UpdatedAt: now}
	slices.SortFunc(m.RemindBefore, func(a, b time.Duration) int { return int(b - a) })
	m.RemindBefore = slices.Compact(m.RemindBefore)
	err := s.writeAt(ctx, op, now, func(tx Tx, now time.Time) (change, error) {
		if err := checkComponentsExist(tx, p, in.Components); err != nil {
			return change{}, err
		}
		if err := p.Err(); err != nil {
			return change{}, err
		}
		// Reminders whose moment is already past when it is scheduled are not owed.
		for _, d := range m.RemindBefore {
			if !m.ScheduledFor.Add(-d).After(now) {
				m.RemindersSent = append(m.RemindersSent, d)
			}
		}
		u := MaintenanceUpdate{ID: NewID(), MaintenanceID: m.ID, Kind: KindStaff, Status: MaintScheduled,
			Message: trimText(in.Message), Notify: in.Notify, PostedBy: op.Actor.Name, CreatedAt: now}
		m.Updates = []MaintenanceUpdate{u}
		if err := tx.CreateMaintenance(m); err != nil {
			return change{}, err
		}
		if err := tx.PutMaintenanceChecks(m.ID, checks); err != nil {
			return change{}, err
		}
		queued, err := s.planMaintenancePush(tx, "maintenance_scheduled", m, &m.Updates[0], now)
		if err != nil {
			return change{}, err
		}
		return change{kind: "maintenance", id: m.ID, public: true, resource: m.ID, jobs: queued,
			audit: &AuditEntry{Action: "maintenance.schedule", Target: m.ID, Detail: m.Title.String()}}, nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Service) planMaintenancePush(tx Tx, kind string, m *Maintenance, u *MaintenanceUpdate, now time.Time) (bool, error) {
	hooked, err := s.planMaintenanceWebhooks(tx, kind, m, u, now)
	if err != nil {
		return false, err
	}
	pushed, err := s.pushMaintenance(tx, kind, m, u, now)
	return hooked || pushed, err
}

// pushMaintenance queues the pushes a maintenance entry owes (none unless it notifies).
func (s *Service) pushMaintenance(tx Tx, kind string, m *Maintenance, u *MaintenanceUpdate, now time.Time) (bool, error) {
	if s.notifier == nil || !u.Notify {
		return false, nil
	}
	jobs, err := s.notifier.PlanMaintenancePush(tx, MaintenanceEvent{Kind: kind, Maintenance: m, Update: u, Now: now})
	if err != nil {
		return false, fmt.Errorf("plan maintenance pushes: %w", err)
	}
	if len(jobs) == 0 {
		return false, nil
	}
	if _, err := tx.SupersedeJobs(m.ID, u.ID, now); err != nil {
		return false, err
	}
	if err := tx.InsertJobs(jobs); err != nil {
		return false, fmt.Errorf("queue maintenance pushes: %w", err)
	}
	return true, nil
}

// blockers returns the unresolved incidents affecting any of m's components.
func blockers(tx Tx, m *Maintenance) ([]string, error) {
	open, err := tx.Incidents(IncidentFilter{Status: "open", StateOnly: true})
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := range open {
		for _, c := range m.Components {
			if _, ok := open[i].ComponentStatus(c); ok {
				ids = append(ids, open[i].ID)
				break
			}
		}
	}
	return ids, nil
}

// maintenanceStep is one transition of a maintenance inside a transaction.
type maintenanceStep struct {
	svc   *Service
	m     *Maintenance
	tx    Tx
	now   time.Time
	actor Actor
	// push is the kind of the last notifying entry, pushed once at the end.
	push   string
	pushOn *MaintenanceUpdate
	// hook is the step's first entry with an event kind, notifying or not: webhooks
	// announce every step.
	hook   string
	hookOn *MaintenanceUpdate
	// dirty is set when fields changed without a timeline entry.
	dirty bool
}

func (st *maintenanceStep) entry(kind UpdateKind, event string, status MaintenanceStatus, msg lang.Text, notify bool, pushKind string) error {
	u := MaintenanceUpdate{ID: NewID(), MaintenanceID: st.m.ID, Kind: kind, Status: status, Message: msg,
		Notify: notify && st.m.Notify, PostedBy: st.actor.Name, CreatedAt: st.now, Event: event}
	if err := st.tx.AppendMaintenanceUpdate(&u); err != nil {
		return err
	}
	st.m.Updates = append(st.m.Updates, u)
	if u.Notify && pushKind != "" {
		st.push, st.pushOn = pushKind, &st.m.Updates[len(st.m.Updates)-1]
	}
	if pushKind != "" && st.hook == "" {
		st.hook, st.hookOn = pushKind, &u
	}
	return nil
}

// start puts the maintenance in progress and its components under maintenance.
func (st *maintenanceStep) start(msg lang.Text) error {
	m := st.m
	m.PriorStatus = map[string]ComponentStatus{}
	open, err := st.tx.Incidents(IncidentFilter{Status: "open", StateOnly: true})
	if err != nil {
		return err
	}
	for _, id := range m.Components {
		c, err := st.tx.Component(id)
		if ErrorCode(err) == ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		// Remember a status staff set by hand; one an incident explains is not restored.
		held := slices.ContainsFunc(open, func(inc Incident) bool { _, ok := inc.ComponentStatus(id); return ok })
		if !held && c.Status != UnderMaintenance {
			m.PriorStatus[id] = c.Status
		}
	}
	m.Status, m.StartedAt, m.HeldBy, m.HeldSince = MaintInProgress, st.now, nil, time.Time{}
	if err := st.entry(KindSystem, "started", MaintInProgress, msg, true, "maintenance_started"); err != nil {
		return err
	}
	if err := st.tx.SaveMaintenance(m); err != nil {
		return err
	}
	return syncComponents(st.tx, m.Components, st.now)
}

// finish completes (or cancels) the maintenance and returns its components.
//
// Completed work is post-checked first: when its components' probes or signals are not
// healthy, a system entry says the work was completed with problems (pushed instead of
// "complete") and a draft incident opens for staff to publish.
func (st *maintenanceStep) finish(status MaintenanceStatus, kind UpdateKind, event string, msg lang.Text) error {
	m := st.m
	wasActive := m.Status.Active()
	var problems []string
	var statuses map[string]ComponentStatus
	if status == MaintCompleted && wasActive {
		var err error
		if problems, statuses, err = postCheck(st.tx, m); err != nil {
			return err
		}
	}
	m.Status, m.EndedAt = status, st.now
	push := "maintenance_completed"
	if status == MaintCancelled {
		push = "maintenance_cancelled"
	}
	if err := st.entry(kind, event, status, msg, len(problems) == 0, push); err != nil {
		return err
	}
	if len(problems) > 0 {
		text := st.svc.maintenanceText(m, "problems", st.now)
		if err := st.entry(KindSystem, "problems", status, text, true, "maintenance_updated"); err != nil {
			return err
		}
	}
	if err := st.tx.SaveMaintenance(m); err != nil {
		return err
	}
	if !wasActive {
		return nil
	}
	if len(problems) > 0 {
		st.svc.log.Warn("maintenance completed with problems", "maintenance", m.ID, "problems", problems)
		if err := st.svc.openMaintenanceDraft(st.tx, st.actor, m, problems, statuses, st.now); err != nil {
			return err
		}
	}
	return syncComponents(st.tx, m.Components, st.now, m.PriorStatus)
}

// stepMaintenance runs fn on maintenance id in one transaction and pushes its last
// notifying entry.
func (s *Service) stepMaintenance(ctx context.Context, op Op, id, action string, fn func(st *maintenanceStep) error) (*Maintenance, error) {
	var m *Maintenance
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		var err error
		if m, err = tx.Maintenance(id); err != nil {
			return change{}, err
		}
		st := &maintenanceStep{svc: s, m: m, tx: tx, now: now, actor: op.Actor}
		before := len(m.Updates)
		if err := fn(st); err != nil {
			return change{}, err
		}
		if len(m.Updates) == before && !st.dirty {
			return change{}, nil // nothing to do
		}
		m.UpdatedAt = now
		if err := tx.SaveMaintenance(m); err != nil {
			return change{}, err
		}
		queued := false
		if st.hook != "" {
			if queued, err = s.planMaintenanceWebhooks(tx, st.hook, m, st.hookOn, now); err != nil {
				return change{}, err
			}
		}
		if st.push != "" {
			pushed, err := s.pushMaintenance(tx, st.push, m, st.pushOn, now)
			if err != nil {
				return change{}, err
			}
			queued = queued || pushed
		}
		return change{kind: "maintenance", id: m.ID, public: true, resource: m.ID, jobs: queued,
			audit: &AuditEntry{Action: action, Target: m.ID, Detail: string(m.Status)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// StartMaintenance starts scheduled (or held) work now. While an unresolved incident affects
// its components it refuses (ECONFLICT) unless overrideReason says why the risk is worth it;
// the override is recorded in the timeline.
func (s *Service) StartMaintenance(ctx context.Context, op Op, id, overrideReason string) (*Maintenance, error) {
	overrideReason = strings.TrimSpace(overrideReason)
	if len([]rune(overrideReason)) > MaxMessageLen {
		return nil, (Problems{"override_reason": fmt.Sprintf("must be at most %d characters", MaxMessageLen)}).Err()
	}
	if err := CheckText(overrideReason, MultiLine); err != nil {
		return nil, (Problems{"override_reason": err.Error()}).Err()
	}
	return s.stepMaintenance(ctx, op, id, "maintenance.start", func(st *maintenanceStep) error {
		if st.m.Status != MaintScheduled {
			return Errorf(ECONFLICT, "Maintenance %s is %s; only scheduled maintenance can be started.", id, st.m.Status)
		}
		if pending, total, err := pendingChecks(st.tx, st.m); err != nil {
			return err
		} else if pending > 0 { // no override: the checks are the point
			return &Error{Code: ECONFLICT, Message: fmt.Sprintf("%d of %d pre-checks are not done; tick them before starting the work.", pending, total),
				Fields: map[string]string{"pre_checks": fmt.Sprintf("%d of %d not done", pending, total)}}
		}
		bl, err := blockers(st.tx, st.m)
		if err != nil {
			return err
		}
		if len(bl) > 0 {
			if overrideReason == "" {
				return &Error{Code: ECONFLICT, Message: fmt.Sprintf("Unresolved incident(s) %s affect this maintenance's components; "+
					"resolve them first, or start anyway with an override_reason.", strings.Join(bl, ", ")),
					Fields: map[string]string{"override_reason": "required while unresolved incidents affect the components"}}
			}
			st.m.OverrideReason = overrideReason
			msg := s.maintenanceText(st.m, "override", st.now)
			if err := st.entry(KindStaff, "override", MaintScheduled, msg, false, ""); err != nil {
				return err
			}
		}
		return st.start(s.maintenanceText(st.m, "started", st.now))
	})
}

// PostMaintenanceUpdate appends to a maintenance's timeline and moves it forward.
func (s *Service) PostMaintenanceUpdate(ctx context.Context, op Op, id string, in MaintenanceUpdateInput) (*Maintenance, error) {
	p := Problems{}
	validateMessage(p, in.Message)
	if in.Status != "" && (!in.Status.Valid() || in.Status == MaintCancelled) {
		p.Add("status", "must be one of scheduled, in_progress, verifying, completed (cancel with the cancel endpoint)")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	msg := trimText(in.Message)
	return s.stepMaintenance(ctx, op, id, "maintenance.update", func(st *maintenanceStep) error {
		m := st.m
		if m.Status.Done() {
			return Errorf(ECONFLICT, "Maintenance %s is %s; its timeline is closed.", id, m.Status)
		}
		to := in.Status
		if to == "" {
			to = m.Status
		}
		switch {
		case to == m.Status:
			return st.entry(KindStaff, "", m.Status, msg, in.Notify, "maintenance_updated")
		case to == MaintInProgress && m.Status == MaintScheduled:
			return Errorf(ECONFLICT, "Start maintenance with POST /api/v1/maintenances/%s/start, which checks for unresolved incidents.", id)
		case to == MaintVerifying && m.Status == MaintInProgress:
			m.Status = MaintVerifying
			return st.entry(KindStaff, "verifying", MaintVerifying, msg, in.Notify, "maintenance_updated")
		case to == MaintCompleted && m.Status.Active():
			return st.finish(MaintCompleted, KindStaff, "completed", msg)
		}
		return Errorf(ECONFLICT, "Maintenance %s cannot go from %s to %s.", id, m.Status, to)
	})
}

// CancelMaintenance calls off work that has not started.
func (s *Service) CancelMaintenance(ctx context.Context, op Op, id string, message lang.Text) (*Maintenance, error) {
	message = trimText(message)
	p := Problems{}
	validateMessage(p, message)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.stepMaintenance(ctx, op, id, "maintenance.cancel", func(st *maintenanceStep) error {
		if st.m.Status != MaintScheduled {
			return Errorf(ECONFLICT, "Maintenance %s is %s; only scheduled maintenance can be cancelled.", id, st.m.Status)
		}
		return st.finish(MaintCancelled, KindStaff, "cancelled", message)
	})
}

package status

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/wording"
)

// Work control, second part: pre-checks staff tick before risky work may start, and
// post-checks at its end — the components' probes and signals must be healthy, or the
// maintenance reads "completed with problems" and a draft incident opens.

// newPreChecks turns the texts staff list into unticked items, checking them.
func newPreChecks(p Problems, texts []string) []MaintenanceCheck {
	if len(texts) > MaxPreChecks {
		p.Add("pre_checks", "must list at most %d items", MaxPreChecks)
	}
	var out []MaintenanceCheck
	for _, t := range texts {
		t = strings.TrimSpace(t)
		switch n := utf8.RuneCountInString(t); {
		case n == 0:
			continue
		case n > MaxPreCheckText:
			p.Add("pre_checks", "each item must be at most %d characters", MaxPreCheckText)
		}
		if err := CheckText(t, SingleLine); err != nil {
			p.Add("pre_checks", "each item %s", err)
		}
		out = append(out, MaintenanceCheck{ID: newID(8), Text: t})
	}
	return out
}

// MaintenanceChecks returns a maintenance's pre-check list.
func (s *Service) MaintenanceChecks(ctx context.Context, id string) ([]MaintenanceCheck, error) {
	var out []MaintenanceCheck
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.Maintenance(id); err != nil {
			return err
		}
		var err error
		out, err = tx.MaintenanceChecks(id)
		return err
	})
	return out, err
}

// TickMaintenanceCheck ticks (or unticks) one pre-check item of scheduled work, recording
// who did it, in the audit log too. ECONFLICT once the work started.
func (s *Service) TickMaintenanceCheck(ctx context.Context, op Op, id, checkID string, done bool) ([]MaintenanceCheck, error) {
	var out []MaintenanceCheck
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		m, err := tx.Maintenance(id)
		if err != nil {
			return change{}, err
		}
		if m.Status != MaintScheduled {
			return change{}, Errorf(ECONFLICT, "Maintenance %s is %s; pre-checks matter only before it starts.", id, m.Status)
		}
		if out, err = tx.MaintenanceChecks(id); err != nil {
			return change{}, err
		}
		i := -1
		for j := range out {
			if out[j].ID == checkID {
				i = j
			}
		}
		if i < 0 {
			return change{}, Errorf(ENOTFOUND, "Maintenance %s has no pre-check %s.", id, checkID)
		}
		verb := "unticked"
		if done {
			out[i].DoneBy, out[i].DoneAt, verb = op.Actor.Name, now, "ticked"
		} else {
			out[i].DoneBy, out[i].DoneAt = "", time.Time{}
		}
		if err := tx.PutMaintenanceChecks(id, out); err != nil {
			return change{}, err
		}
		return change{resource: id, audit: &AuditEntry{Action: "maintenance.check", Target: id,
			Detail: fmt.Sprintf("%s %q (%d of %d done)", verb, out[i].Text, ChecksDone(out), len(out))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pendingChecks returns how many of m's pre-checks are not ticked, and how many it has.
func pendingChecks(tx Tx, m *Maintenance) (pending, total int, err error) {
	cs, err := tx.MaintenanceChecks(m.ID)
	if err != nil {
		return 0, 0, err
	}
	return len(cs) - ChecksDone(cs), len(cs), nil
}

// postCheck judges m's components at the end of the work: a firing signal or a probe whose
// last check failed is a problem. It returns the problems in words (for staff) and, per
// troubled component, the status the draft should give it.
func postCheck(tx Tx, m *Maintenance) ([]string, map[string]ComponentStatus, error) {
	var problems []string
	statuses := map[string]ComponentStatus{}
	worse := func(id string, st ComponentStatus) {
		if cur, ok := statuses[id]; !ok || st.Worse(cur) {
			statuses[id] = st
		}
	}
	for _, id := range m.Components {
		sigs, err := tx.Signals(SignalFilter{ComponentID: id})
		if err != nil {
			return nil, nil, err
		}
		for _, g := range sigs {
			if g.Firing && g.Damped() { // a probe's own signal is judged with the probe below
				problems = append(problems, fmt.Sprintf("%s: %s alert %s still firing (%s)", id, g.Source, g.Key, g.Summary))
				worse(id, g.Status)
			}
		}
		probes, err := tx.Probes(id)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range probes {
			if p.Enabled && (p.Failing || (!p.LastRunAt.IsZero() && !p.LastOK)) {
				problems = append(problems, fmt.Sprintf("%s: probe %s failing (%s)", id, p.Label(), p.LastError))
				st := p.Status
				if !p.Failing {
					st = DegradedPerformance // one failed check: below its threshold, but not healthy
				}
				worse(id, st)
			}
		}
	}
	return problems, statuses, nil
}

// openMaintenanceDraft opens the draft incident for the problems the post-checks found, and
// attaches the components' firing signals to it.
func (s *Service) openMaintenanceDraft(tx Tx, actor Actor, m *Maintenance, problems []string, statuses map[string]ComponentStatus, now time.Time) error {
	comps, err := tx.Components()
	if err != nil {
		return err
	}
	d := &Draft{ID: NewID(), Status: DraftOpen, Impact: impactFromComponents(statuses), StartedAt: now, Source: "maintenance",
		Summary: strings.Join(problems, "; "), CreatedAt: now, UpdatedAt: now}
	var names []lang.Text
	for _, c := range comps { // display order
		if st, ok := statuses[c.ID]; ok {
			d.Components = append(d.Components, AffectedComponent{ComponentID: c.ID, Status: st})
			names = append(names, c.Name)
		}
	}
	joined := func(l lang.Lang) string {
		var out []string
		for _, n := range names {
			s, _ := n.Pick(l, lang.Korean)
			out = append(out, s)
		}
		return strings.Join(out, ", ")
	}
	d.Title = wording.Texts(func(l lang.Lang) string { return wording.Tf(l, "draft.title", joined(l)) })
	d.Message = wording.Texts(func(l lang.Lang) string { return wording.Tf(l, "draft.m.message", joined(l)) })
	if utf8.RuneCountInString(d.Summary) > MaxSignalSummaryLen {
		d.Summary = string([]rune(d.Summary)[:MaxSignalSummaryLen-1]) + "…"
	}
	if err := tx.PutDraft(d); err != nil {
		return err
	}
	for id := range statuses {
		sigs, err := tx.Signals(SignalFilter{ComponentID: id})
		if err != nil {
			return err
		}
		for i := range sigs {
			if sigs[i].Firing {
				sigs[i].IncidentID, sigs[i].UpdatedAt = d.ID, now
				if err := tx.PutSignal(&sigs[i]); err != nil {
					return err
				}
			}
		}
	}
	return appendAudit(tx, actor, now, "draft.open", d.ID, "maintenance "+m.ID+" post-checks: "+d.Summary)
}

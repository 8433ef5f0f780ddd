package status

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/wording"
)

// PublishInput is what staff change of a draft when publishing it; every zero field keeps
// the draft's pre-filled value.
type PublishInput struct {
	Title   lang.Text
	Message lang.Text
	// Status is the first phase: "" means investigating, or monitoring when the draft's
	// signals have all resolved (what the console suggests).
	Status IncidentStatus
	Impact Impact
	Cause  Cause
	// Components maps component id to status; nil keeps the draft's.
	Components   map[string]ComponentStatus
	AnnouncedETA time.Time
	Notify       bool
}

// DraftDetail is a draft with the signals that belong to it.
type DraftDetail struct {
	Draft
	Signals []Signal
	// Suggested is the phase the signals suggest publishing in: monitoring once they have
	// all resolved, investigating otherwise.
	Suggested IncidentStatus
}

// errNotDue stops an automatic publication whose conditions no longer hold.
var errNotDue = errors.New("draft not due for auto-publishing")

// newDraft makes the draft a firing signal opens: pre-filled from the component's incident
// template, or from Candor's own words in every language when it has none.
func (s *Service) newDraft(tx Tx, g *Signal, now time.Time) (*Draft, error) {
	set, err := monitorSettings(tx, g.ComponentID)
	if err != nil {
		return nil, err
	}
	c, err := tx.Component(g.ComponentID)
	if err != nil {
		return nil, err
	}
	comps := map[string]ComponentStatus{g.ComponentID: g.Status}
	d := &Draft{ID: NewID(), Status: DraftOpen, Impact: impactFromComponents(comps),
		Components: []AffectedComponent{{ComponentID: g.ComponentID, Status: g.Status}},
		StartedAt:  g.BeganAt, Source: g.Source, Summary: g.Summary, CreatedAt: now, UpdatedAt: now}
	d.Title = wording.Texts(func(l lang.Lang) string {
		if name, _ := c.Name.Pick(l, lang.Korean); name != "" {
			return wording.Tf(l, "draft.title", name)
		}
		return wording.T(l, "draft.title0")
	})
	d.Message = wording.Texts(func(l lang.Lang) string {
		if name, _ := c.Name.Pick(l, lang.Korean); name != "" {
			return wording.Tf(l, "draft.message", name)
		}
		return wording.T(l, "draft.message0")
	})
	if set.TemplateID != "" {
		ts, err := tx.Templates()
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.ID == set.TemplateID { // a deleted template leaves Candor's words
				d.Title, d.Message, d.Cause = t.Title, t.Message, t.Cause
				if t.Impact != "" {
					d.Impact = t.Impact
				}
			}
		}
	}
	if set.AutoPublishAfter > 0 {
		d.AutoPublishAt = now.Add(set.AutoPublishAfter)
	}
	return d, nil
}

// Drafts returns the open drafts, newest first, with their signals.
func (s *Service) Drafts(ctx context.Context) ([]DraftDetail, error) {
	var out []DraftDetail
	err := s.store.Read(ctx, func(tx Tx) error {
		drafts, err := tx.Drafts(DraftFilter{Status: DraftOpen})
		if err != nil {
			return err
		}
		sigs, err := tx.Signals(SignalFilter{Attached: true})
		if err != nil {
			return err
		}
		for _, d := range drafts {
			dd := DraftDetail{Draft: d}
			for _, g := range sigs {
				if g.IncidentID == d.ID {
					dd.Signals = append(dd.Signals, g)
				}
			}
			dd.Suggested = suggestedPhase(dd.Signals)
			out = append(out, dd)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	return out, nil
}

// DraftByID returns a draft (open or not) with its signals.
func (s *Service) DraftByID(ctx context.Context, id string) (*DraftDetail, error) {
	var dd *DraftDetail
	err := s.store.Read(ctx, func(tx Tx) error {
		d, err := tx.Draft(id)
		if err != nil {
			return err
		}
		sigs, err := tx.Signals(SignalFilter{IncidentID: id})
		if err != nil {
			return err
		}
		dd = &DraftDetail{Draft: *d, Signals: sigs, Suggested: suggestedPhase(sigs)}
		return nil
	})
	return dd, err
}

func suggestedPhase(sigs []Signal) IncidentStatus {
	if SuggestMonitoring(sigs) {
		return Monitoring
	}
	return Investigating
}

// PublishDraft publishes an open draft as an incident with the draft's id, with staff's
// changes applied: it starts when the signal began, its timeline opens with "detected by
// monitoring at …" at that time, then the published entry, which notifies like any new
// incident. ECONFLICT when the draft was already published or dismissed.
func (s *Service) PublishDraft(ctx context.Context, op Op, id string, in PublishInput) (*Incident, error) {
	return s.publishDraft(ctx, op, id, in, false)
}

func (s *Service) publishDraft(ctx context.Context, op Op, id string, in PublishInput, auto bool) (*Incident, error) {
	var inc *Incident
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		d, sigs, err := openDraft(tx, id)
		if err != nil {
			return change{}, err
		}
		if auto && !autoPublishDue(d, sigs, now) {
			return change{}, errNotDue
		}
		if inc, err = s.buildPublished(tx, op, d, sigs, in, now); err != nil {
			return change{}, err
		}
		if err := tx.CreateIncident(inc); err != nil {
			return change{}, err
		}
		if err := syncComponents(tx, inc.ComponentIDs(), now); err != nil {
			return change{}, err
		}
		d.Status, d.ClosedAt, d.ClosedBy, d.UpdatedAt = DraftPublished, now, op.Actor.Name, now
		if err := tx.PutDraft(d); err != nil {
			return change{}, err
		}
		staff := &inc.Updates[len(inc.Updates)-1]
		queued, err := s.planPush(tx, PushKind(true, staff), inc, staff, now)
		if err != nil {
			return change{}, err
		}
		action := "incident.publish"
		if auto {
			action = "incident.autopublish"
		}
		return change{kind: "incident", id: inc.ID, public: true, resource: inc.ID, jobs: queued,
			audit: &AuditEntry{Action: action, Target: inc.ID, Detail: inc.Title.String()}}, nil
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

// autoPublishDue reports whether a draft publishes itself now: its time has come and a
// signal still holds its component. A problem that went away by itself waits for staff.
func autoPublishDue(d *Draft, sigs []Signal, now time.Time) bool {
	if d.AutoPublishAt.IsZero() || now.Before(d.AutoPublishAt) {
		return false
	}
	for _, g := range sigs {
		if g.Active != "" {
			return true
		}
	}
	return false
}

// PreviewPublish returns the incident PublishDraft would publish, without storing it.
func (s *Service) PreviewPublish(ctx context.Context, op Op, id string, in PublishInput) (*Incident, error) {
	now := s.now()
	var inc *Incident
	err := s.store.Read(ctx, func(tx Tx) error {
		d, sigs, err := openDraft(tx, id)
		if err != nil {
			return err
		}
		inc, err = s.buildPublished(tx, op, d, sigs, in, now)
		return err
	})
	return inc, err
}

// openDraft loads an open draft and its signals; ECONFLICT when it is closed.
func openDraft(tx Tx, id string) (*Draft, []Signal, error) {
	d, err := tx.Draft(id)
	if err != nil {
		return nil, nil, err
	}
	if d.Status != DraftOpen {
		return nil, nil, Errorf(ECONFLICT, "Draft %s was already %s.", id, d.Status)
	}
	sigs, err := tx.Signals(SignalFilter{IncidentID: id})
	if err != nil {
		return nil, nil, err
	}
	return d, sigs, nil
}

// buildPublished makes the incident a draft becomes with in applied, validated like any new
// incident, keeping the draft's id and start. Its timeline opens at the start with
// "detected by monitoring at …", which records what monitoring saw (the draft's components
// and statuses), so uptime counts the outage from when it began. The published entry then
// sets what staff give; without that, it returns to operational the components no signal
// holds any more, so a problem that is already over is published as it stands.
func (s *Service) buildPublished(tx Tx, op Op, d *Draft, sigs []Signal, in PublishInput, now time.Time) (*Incident, error) {
	ni := IncidentInput{Title: in.Title, Message: in.Message, Status: in.Status, Impact: in.Impact, Cause: in.Cause,
		Components: in.Components, AnnouncedETA: in.AnnouncedETA, Notify: in.Notify, StartedAt: d.StartedAt}
	if ni.Title.IsZero() {
		ni.Title = d.Title
	}
	if ni.Message.IsZero() {
		ni.Message = d.Message
	}
	if ni.Status == "" {
		ni.Status = suggestedPhase(sigs)
	}
	if ni.Impact == "" {
		ni.Impact = d.Impact
	}
	if ni.Cause == "" {
		ni.Cause = d.Cause
	}
	if ni.Components == nil {
		ni.Components = map[string]ComponentStatus{}
		for _, c := range d.Components {
			held := false
			for _, g := range sigs {
				held = held || (g.ComponentID == c.ComponentID && g.Active != "")
			}
			if !held {
				ni.Components[c.ComponentID] = Operational
			}
		}
	}
	if ni.StartedAt.After(now) {
		ni.StartedAt = now
	}
	if err := s.validateNew(&ni, now); err != nil {
		return nil, err
	}
	inc, err := s.buildNew(tx, op, ni, now)
	if err != nil {
		return nil, err
	}
	comps, err := tx.Components()
	if err != nil {
		return nil, err
	}
	detected := Update{ID: NewID(), IncidentID: d.ID, Kind: KindSystem, Status: Investigating, PostedBy: System.Name,
		CreatedAt: inc.StartedAt, Message: wording.Texts(func(l lang.Lang) string {
			return wording.Tf(l, "entry.detected", wording.FormatTime(l, inc.StartedAt, s.loc, now))
		})}
	for _, c := range comps { // display order, as componentChanges has it
		for _, a := range d.Components {
			if a.ComponentID == c.ID {
				detected.Components = append(detected.Components, ComponentChange{ComponentID: c.ID, Name: c.Name,
					OldStatus: Operational, NewStatus: a.Status})
			}
		}
	}
	inc.ID = d.ID
	for i := range inc.Updates {
		inc.Updates[i].IncidentID = d.ID
	}
	inc.Updates = append([]Update{detected}, inc.Updates...)
	inc.Derive()
	return inc, nil
}

// DismissDraft closes an open draft without publishing it: staff judged the signal not
// worth an incident. Its signals stay attached to it, so the same alert still firing opens
// no new draft; one that resolves and fires again does.
func (s *Service) DismissDraft(ctx context.Context, op Op, id string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		d, _, err := openDraft(tx, id)
		if err != nil {
			return change{}, err
		}
		d.Status, d.ClosedAt, d.ClosedBy, d.UpdatedAt = DraftDismissed, now, op.Actor.Name, now
		if err := tx.PutDraft(d); err != nil {
			return change{}, err
		}
		return change{resource: id, audit: &AuditEntry{Action: "draft.dismiss", Target: id, Detail: d.Title.String()}}, nil
	})
}

// monitorSettings returns a component's settings, the defaults when none were saved.
func monitorSettings(tx Tx, componentID string) (*MonitorSettings, error) {
	m, err := tx.MonitorSettingsOf(componentID)
	if ErrorCode(err) == ENOTFOUND {
		return &MonitorSettings{ComponentID: componentID}, nil
	}
	return m, err
}

// MonitorSettings returns a component's monitoring settings (the defaults when none were
// saved); ENOTFOUND when the component does not exist.
func (s *Service) MonitorSettings(ctx context.Context, componentID string) (*MonitorSettings, error) {
	var m *MonitorSettings
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.Component(componentID); err != nil {
			return err
		}
		var err error
		m, err = monitorSettings(tx, componentID)
		return err
	})
	return m, err
}

// SaveMonitorSettings stores a component's monitoring settings.
func (s *Service) SaveMonitorSettings(ctx context.Context, op Op, m MonitorSettings) (*MonitorSettings, error) {
	p := Problems{}
	if m.AutoPublishAfter < 0 || m.AutoPublishAfter > MaxAutoPublishAfter {
		p.Add("auto_publish_after", "must be between 0 (never) and %s", MaxAutoPublishAfter)
	} else if m.AutoPublishAfter > 0 && m.AutoPublishAfter < time.Minute {
		p.Add("auto_publish_after", "must be at least 1m, or 0 for never")
	}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if _, err := tx.Component(m.ComponentID); err != nil {
			return change{}, err
		}
		if m.TemplateID != "" {
			ts, err := tx.Templates()
			if err != nil {
				return change{}, err
			}
			found := false
			for _, t := range ts {
				found = found || t.ID == m.TemplateID
			}
			if !found {
				p.Add("template_id", "names no incident template")
			}
		}
		if err := p.Err(); err != nil {
			return change{}, err
		}
		m.UpdatedAt = now
		if err := tx.PutMonitorSettings(&m); err != nil {
			return change{}, err
		}
		// The sparkline is on the home page: a change is a public change.
		return change{kind: "component", id: m.ComponentID, public: true, resource: m.ComponentID,
			audit: &AuditEntry{Action: "component.monitoring", Target: m.ComponentID,
				Detail: fmt.Sprintf("template=%q auto_publish_after=%s sparkline=%t", m.TemplateID, m.AutoPublishAfter, m.Sparkline)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

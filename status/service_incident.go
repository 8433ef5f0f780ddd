package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
)

// IncidentInput opens an incident.
type IncidentInput struct {
	Title   lang.Text
	Impact  Impact // "": derived from the component statuses
	Status  IncidentStatus
	Message lang.Text
	// Components maps component id to the status this incident gives it.
	Components           map[string]ComponentStatus
	AnnouncedETA         time.Time
	Cause                Cause
	UsersAffectedPercent *float64
	Notify               bool
	// StartedAt backdates the start when the fault began before it was posted; zero: now.
	StartedAt time.Time
}

// UpdateInput appends an update to an incident.
type UpdateInput struct {
	Status       IncidentStatus // "": unchanged
	Impact       Impact         // "": unchanged
	Message      lang.Text
	Components   map[string]ComponentStatus
	AnnouncedETA time.Time
	Notify       bool
}

// Incident returns an incident with its timeline.
func (s *Service) Incident(ctx context.Context, id string) (*Incident, error) {
	var inc *Incident
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		inc, err = tx.Incident(id)
		return err
	})
	return inc, err
}

// Incidents returns the incidents matching f and how many match in all.
func (s *Service) Incidents(ctx context.Context, f IncidentFilter) ([]Incident, int, error) {
	var list []Incident
	var total int
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		if list, err = tx.Incidents(f); err != nil {
			return err
		}
		total, err = tx.CountIncidents(f)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list incidents: %w", err)
	}
	return list, total, nil
}

func validateMessage(p Problems, msg lang.Text) {
	validateText(p, "message", msg, MaxMessageLen, true, MultiLine)
}

func validateComponentStatuses(p Problems, m map[string]ComponentStatus) {
	for id, st := range m {
		if !st.Valid() {
			p.Add("components."+id, "status must be one of %s", joinValues(ComponentStatuses))
		}
	}
}

func (s *Service) validateETA(p Problems, eta, now time.Time) {
	switch {
	case eta.IsZero():
	case !eta.After(now):
		p.Add("announced_eta", "must be in the future (it is %s, now is %s)",
			eta.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case eta.After(now.Add(MaxAnnouncedAhead)):
		p.Add("announced_eta", "must be within 30 days from now (it is %s)", eta.UTC().Format(time.RFC3339))
	}
}

// impactFromComponents derives an impact the way Statuspage does when none is given.
func impactFromComponents(m map[string]ComponentStatus) Impact {
	impact := ImpactNone
	for _, st := range m {
		var i Impact
		switch st {
		case MajorOutage:
			i = ImpactCritical
		case PartialOutage:
			i = ImpactMajor
		case DegradedPerformance:
			i = ImpactMinor
		default:
			continue
		}
		if i.Worse(impact) {
			impact = i
		}
	}
	return impact
}

// CreateIncident opens an incident with its first update and sets its components' statuses.
func (s *Service) CreateIncident(ctx context.Context, op Op, in IncidentInput) (*Incident, error) {
	now := s.now()
	if err := s.validateNew(&in, now); err != nil {
		return nil, err
	}
	var inc *Incident
	err := s.writeAt(ctx, op, now, func(tx Tx, now time.Time) (change, error) {
		var err error
		if inc, err = s.buildNew(tx, op, in, now); err != nil {
			return change{}, err
		}
		if err := tx.CreateIncident(inc); err != nil {
			return change{}, err
		}
		if err := syncComponents(tx, inc.ComponentIDs(), now); err != nil {
			return change{}, err
		}
		queued, err := s.planPush(tx, PushKind(true, &inc.Updates[0]), inc, &inc.Updates[0], now)
		if err != nil {
			return change{}, err
		}
		return change{kind: "incident", id: inc.ID, public: true, resource: inc.ID, jobs: queued,
			audit: &AuditEntry{Action: "incident.create", Target: inc.ID, Detail: inc.Title.String()}}, nil
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

// PreviewIncident returns the incident CreateIncident would open — validated, with the
// model's range and its score of the announced time — without storing anything, so staff
// see exactly what the page and the phones will say before they post.
func (s *Service) PreviewIncident(ctx context.Context, op Op, in IncidentInput) (*Incident, error) {
	now := s.now()
	if err := s.validateNew(&in, now); err != nil {
		return nil, err
	}
	var inc *Incident
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		inc, err = s.buildNew(tx, op, in, now)
		return err
	})
	return inc, err
}

func (s *Service) validateNew(in *IncidentInput, now time.Time) error {
	p := Problems{}
	validateText(p, "title", in.Title, MaxTitleLen, true, SingleLine)
	validateMessage(p, in.Message)
	if in.Status == "" {
		in.Status = Investigating
	}
	if !in.Status.Valid() {
		p.Add("status", "must be one of %s", joinValues(IncidentStatuses))
	}
	if in.Impact == "" {
		in.Impact = impactFromComponents(in.Components)
	}
	if !in.Impact.Valid() {
		p.Add("impact", "must be one of %s", joinValues(Impacts))
	}
	if !in.Cause.Valid() {
		p.Add("cause", "must be one of %s", joinValues(Causes))
	}
	// NaN compares false with everything, so "not between" must be said positively.
	if v := in.UsersAffectedPercent; v != nil && !(*v >= 0 && *v <= 100) {
		p.Add("users_affected_percent", "must be a number between 0 and 100")
	}
	validateComponentStatuses(p, in.Components)
	s.validateETA(p, in.AnnouncedETA, now)
	if !in.StartedAt.IsZero() && in.StartedAt.After(now) {
		p.Add("started_at", "must not be in the future")
	}
	checkNotBefore2000(p, "started_at", in.StartedAt)
	return p.Err()
}

// buildNew makes the incident a validated input describes, with its first update
// annotated, reading components through tx.
func (s *Service) buildNew(tx Tx, op Op, in IncidentInput, now time.Time) (*Incident, error) {
	started := now
	if !in.StartedAt.IsZero() {
		started = in.StartedAt.UTC().Truncate(time.Microsecond)
	}
	inc := &Incident{ID: NewID(), Title: trimText(in.Title), Impact: in.Impact, Cause: in.Cause,
		UsersAffectedPercent: in.UsersAffectedPercent, StartedAt: started, CreatedAt: now}
	changes, err := componentChanges(tx, in.Components, nil, in.Status)
	if err != nil {
		return nil, err
	}
	inc.Updates = []Update{{ID: NewID(), IncidentID: inc.ID, Kind: KindStaff, Status: in.Status,
		Message: trimText(in.Message), Components: changes, AnnouncedETA: in.AnnouncedETA.UTC(),
		Notify: in.Notify, PostedBy: op.Actor.Name, CreatedAt: now}}
	inc.Derive()
	s.annotate(inc, &inc.Updates[0], now)
	return inc, nil
}

// PostUpdate appends an update to an open incident. Updates to a resolved incident are
// refused (ECONFLICT): its timeline is closed; open a new incident instead. It returns the
// incident as the update left it, with only the new entry in Updates: the write reads
// the incident's state, not its timeline, so it costs the same however long that is.
func (s *Service) PostUpdate(ctx context.Context, op Op, id string, in UpdateInput) (*Incident, error) {
	return s.appendUpdate(ctx, op, id, KindStaff, in)
}

// PreviewUpdate returns the incident as it would stand after the update, without storing it.
func (s *Service) PreviewUpdate(ctx context.Context, op Op, id string, in UpdateInput) (*Incident, error) {
	now := s.now()
	if err := s.validateUpdate(in, now); err != nil {
		return nil, err
	}
	var inc *Incident
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		if inc, err = tx.Incident(id); err != nil {
			return err
		}
		_, err = s.buildUpdate(tx, op, inc, KindStaff, in, now)
		return err
	})
	return inc, err
}

func (s *Service) validateUpdate(in UpdateInput, now time.Time) error {
	p := Problems{}
	validateMessage(p, in.Message)
	if in.Status != "" && !in.Status.Valid() {
		p.Add("status", "must be one of %s", joinValues(IncidentStatuses))
	}
	if in.Impact != "" && !in.Impact.Valid() {
		p.Add("impact", "must be one of %s", joinValues(Impacts))
	}
	validateComponentStatuses(p, in.Components)
	if in.Status == Resolved {
		// A resolved incident holds no component: each one's status comes from what still
		// holds it (other open incidents, maintenance), so a status set here could not stick.
		for id, st := range in.Components {
			if st != Operational {
				p.Add("components."+id, "a resolving update can only return components to operational; open another incident for what is still wrong")
			}
		}
	}
	s.validateETA(p, in.AnnouncedETA, now)
	return p.Err()
}

// buildUpdate appends the update in describes to inc (re-deriving its state and annotating
// the update) and returns the components it touched before and after.
func (s *Service) buildUpdate(tx Tx, op Op, inc *Incident, kind UpdateKind, in UpdateInput, now time.Time) ([]string, error) {
	if !inc.Open() {
		return nil, Errorf(ECONFLICT, "Incident %s is resolved; its timeline is closed. Open a new incident instead.", inc.ID)
	}
	st := in.Status
	if st == "" {
		st = inc.Status
	}
	changes, err := componentChanges(tx, in.Components, inc, st)
	if err != nil {
		return nil, err
	}
	u := Update{ID: NewID(), IncidentID: inc.ID, Kind: kind, Status: st, Impact: in.Impact,
		Message: trimText(in.Message), Components: changes, AnnouncedETA: in.AnnouncedETA.UTC(),
		Notify: in.Notify, PostedBy: op.Actor.Name, CreatedAt: now}
	touched := inc.ComponentIDs()
	inc.Apply(u)
	s.annotate(inc, &inc.Updates[len(inc.Updates)-1], now)
	return append(touched, inc.ComponentIDs()...), nil
}

func (s *Service) appendUpdate(ctx context.Context, op Op, id string, kind UpdateKind, in UpdateInput) (*Incident, error) {
	now := s.now()
	if err := s.validateUpdate(in, now); err != nil {
		return nil, err
	}
	var inc *Incident
	err := s.writeAt(ctx, op, now, func(tx Tx, now time.Time) (change, error) {
		var err error
		if inc, err = tx.IncidentState(id); err != nil {
			return change{}, err
		}
		touched, err := s.buildUpdate(tx, op, inc, kind, in, now)
		if err != nil {
			return change{}, err
		}
		last := &inc.Updates[len(inc.Updates)-1]
		if err := tx.AppendUpdate(last); err != nil {
			return change{}, err
		}
		if err := tx.SaveIncidentState(inc); err != nil {
			return change{}, err
		}
		if err := syncComponents(tx, touched, now); err != nil {
			return change{}, err
		}
		queued, err := s.planPush(tx, PushKind(false, last), inc, last, now)
		if err != nil {
			return change{}, err
		}
		action := "incident.update"
		if last.Status == Resolved {
			action = "incident.resolve"
		}
		return change{kind: "incident", id: inc.ID, public: true, resource: inc.ID, jobs: queued,
			audit: &AuditEntry{Action: action, Target: inc.ID, Detail: string(last.Status)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

// annotate records on u the model's range for the incident as it now stands and the
// model's score of the time u announces, so every later reader sees what was published.
func (s *Service) annotate(inc *Incident, u *Update, now time.Time) {
	if s.estimator == nil || !inc.Open() {
		return
	}
	if e, ok := s.estimator.Estimate(inc, now); ok {
		e = inc.revise(e, len(inc.Updates))
		u.Estimate = &e
	}
	if !u.AnnouncedETA.IsZero() {
		if c, ok := s.estimator.Chance(inc, u.AnnouncedETA, now); ok {
			u.AnnouncedChance = &c
		}
	}
}

// componentChanges turns requested statuses into timeline changes, checking that every
// component exists. Resolving returns every component the incident holds to operational
// (validateUpdate allows no other status on a resolving update).
func componentChanges(tx Tx, req map[string]ComponentStatus, inc *Incident, st IncidentStatus) ([]ComponentChange, error) {
	comps, err := tx.Components()
	if err != nil {
		return nil, err
	}
	byID := make(map[string]Component, len(comps))
	for _, c := range comps {
		byID[c.ID] = c
	}
	p := Problems{}
	var unknown []string
	for id := range req {
		if _, ok := byID[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		p.Add("components", "unknown component id(s): %s", strings.Join(unknown, ", "))
		return nil, p.Err()
	}
	want := make(map[string]ComponentStatus, len(req))
	for id, s := range req {
		want[id] = s
	}
	if st == Resolved && inc != nil {
		for _, a := range inc.Components {
			if _, set := want[a.ComponentID]; !set {
				want[a.ComponentID] = Operational
			}
		}
	}
	var out []ComponentChange
	for _, c := range comps { // display order keeps timelines tidy
		ns, ok := want[c.ID]
		if !ok {
			continue
		}
		out = append(out, ComponentChange{ComponentID: c.ID, Name: c.Name, OldStatus: c.Status, NewStatus: ns})
	}
	return out, nil
}

// syncComponents sets each listed component to the worst status that anything still holding
// it gives it: an open incident's status, under_maintenance for active maintenance, or the
// status a signal in effect asks for — except during maintenance, when alerts are expected
// and the post-checks judge the result. A component nothing holds any more returns to its
// status in restore, if listed (what it was before maintenance), else to operational. It
// runs after the changed incident, maintenance or signal was saved, so that one is counted
// as it now stands.
func syncComponents(tx Tx, ids []string, now time.Time, restore ...map[string]ComponentStatus) error {
	if len(ids) == 0 {
		return nil
	}
	h := newHolders(tx)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, _, err := h.sync(id, now, restore...); ErrorCode(err) == ENOTFOUND {
			continue // deleted since; its history stays in the timeline
		} else if err != nil {
			return err
		}
	}
	return nil
}

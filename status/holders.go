package status

import "time"

// holders is what holds components' statuses inside one write transaction — open
// incidents, active maintenance, the signals in effect — and the open drafts signals join,
// each read once and then kept current as the transaction writes signals and drafts through
// it. An Alertmanager group applies hundreds of signals in one transaction; reading all of
// this again for every alert made the group's cost grow with the square of its size (a
// 300-alert group outlasted the store's write deadline under the race detector).
//
// It is valid only inside the transaction it was made for, and only while that transaction
// changes signals' Active status, drafts and components' statuses through putSignal,
// putDraft and sync, and changes no incident or maintenance and creates or deletes no
// component; writes are serialized (SQLite's single writer, PostgreSQL's advisory lock),
// so nothing else changes them meanwhile.
type holders struct {
	tx     Tx
	loaded bool
	open   []Incident // state only
	maint  []Maintenance
	// active maps a component to the signals holding it, by key, and the status each asks for.
	active map[string]map[string]ComponentStatus
	// drafts are the open drafts, read on first use: only a firing signal that no incident
	// holds needs them.
	drafts       []*Draft
	draftsLoaded bool
	// components are those read so far, by id (nil: it does not exist).
	components map[string]*Component
}

func newHolders(tx Tx) *holders { return &holders{tx: tx} }

// load reads the holders on first use.
func (h *holders) load() error {
	if h.loaded {
		return nil
	}
	open, err := h.tx.Incidents(IncidentFilter{Status: "open", StateOnly: true})
	if err != nil {
		return err
	}
	maint, err := h.tx.Maintenances(MaintenanceFilter{Statuses: []MaintenanceStatus{MaintInProgress, MaintVerifying}})
	if err != nil {
		return err
	}
	signals, err := h.tx.Signals(SignalFilter{Active: true})
	if err != nil {
		return err
	}
	h.open, h.maint, h.active = open, maint, map[string]map[string]ComponentStatus{}
	for _, g := range signals {
		h.noteSignal(&g)
	}
	h.loaded = true
	return nil
}

// noteSignal records what g holds now.
func (h *holders) noteSignal(g *Signal) {
	if g.Active == "" {
		delete(h.active[g.ComponentID], g.Key)
		return
	}
	if h.active[g.ComponentID] == nil {
		h.active[g.ComponentID] = map[string]ComponentStatus{}
	}
	h.active[g.ComponentID][g.Key] = g.Active
}

// putSignal stores g, whose Active status may have changed.
func (h *holders) putSignal(g *Signal) error {
	if err := h.load(); err != nil {
		return err
	}
	if err := h.tx.PutSignal(g); err != nil {
		return err
	}
	h.noteSignal(g)
	return nil
}

// component returns the component with the id; ENOTFOUND if absent. A caller changing it
// stores it with sync.
func (h *holders) component(id string) (*Component, error) {
	c, ok := h.components[id]
	if !ok {
		var err error
		if c, err = h.tx.Component(id); ErrorCode(err) == ENOTFOUND {
			c = nil
		} else if err != nil {
			return nil, err
		}
		if h.components == nil {
			h.components = map[string]*Component{}
		}
		h.components[id] = c
	}
	if c == nil {
		return nil, Errorf(ENOTFOUND, "Component %s not found.", id)
	}
	return c, nil
}

// openIncident returns the open incident with the id, or nil.
func (h *holders) openIncident(id string) (*Incident, error) {
	if err := h.load(); err != nil {
		return nil, err
	}
	for i := range h.open {
		if h.open[i].ID == id {
			return &h.open[i], nil
		}
	}
	return nil, nil
}

// incidentHolding returns the first open incident holding component id, or nil.
func (h *holders) incidentHolding(id string) (*Incident, error) {
	if err := h.load(); err != nil {
		return nil, err
	}
	for i := range h.open {
		if _, ok := h.open[i].ComponentStatus(id); ok {
			return &h.open[i], nil
		}
	}
	return nil, nil
}

// inMaintenance reports whether active maintenance puts component id under maintenance.
func (h *holders) inMaintenance(id string) (bool, error) {
	if err := h.load(); err != nil {
		return false, err
	}
	for i := range h.maint {
		if h.maint[i].Holds(id) {
			return true, nil
		}
	}
	return false, nil
}

// openDrafts returns the open drafts; a caller changing one stores it with putDraft.
func (h *holders) openDrafts() ([]*Draft, error) {
	if h.draftsLoaded {
		return h.drafts, nil
	}
	list, err := h.tx.Drafts(DraftFilter{Status: DraftOpen})
	if err != nil {
		return nil, err
	}
	for i := range list {
		h.drafts = append(h.drafts, &list[i])
	}
	h.draftsLoaded = true
	return h.drafts, nil
}

// putDraft stores d, an open draft: one of openDrafts, changed, or a new one.
func (h *holders) putDraft(d *Draft) error {
	drafts, err := h.openDrafts()
	if err != nil {
		return err
	}
	if err := h.tx.PutDraft(d); err != nil {
		return err
	}
	for _, o := range drafts {
		if o == d {
			return nil
		}
	}
	h.drafts = append(h.drafts, d)
	return nil
}

// sync sets component id to the worst status that anything still holding it gives it (see
// syncComponents) and returns its status before and after; ENOTFOUND when it does not
// exist.
func (h *holders) sync(id string, now time.Time, restore ...map[string]ComponentStatus) (before, after ComponentStatus, err error) {
	if err := h.load(); err != nil {
		return "", "", err
	}
	target, held, maint := Operational, false, false
	for i := range h.maint {
		if h.maint[i].Holds(id) {
			target, held, maint = UnderMaintenance, true, true
		}
	}
	if !maint {
		for _, st := range h.active[id] {
			held = true
			if st.Worse(target) {
				target = st
			}
		}
	}
	for i := range h.open {
		if st, ok := h.open[i].ComponentStatus(id); ok {
			held = true
			if st.Worse(target) {
				target = st
			}
		}
	}
	if !held {
		for _, r := range restore {
			if st, ok := r[id]; ok {
				target = st
			}
		}
	}
	c, err := h.component(id)
	if err != nil {
		return "", "", err
	}
	before = c.Status
	if c.Status != target {
		c.Status, c.UpdatedAt = target, now
		if err := h.tx.UpdateComponent(c); err != nil {
			return "", "", err
		}
	}
	return before, target, nil
}

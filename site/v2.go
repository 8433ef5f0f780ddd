package site

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/statuspage"
)

// v2TimeFormat is Statuspage's timestamp shape: the page's zone, milliseconds, offset.
const v2TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// V2Incident is Statuspage's incident object plus Candor's extra fields. Extra fields are
// added, never renamed, so existing clients keep working.
type V2Incident struct {
	statuspage.Incident
	UsersAffectedPercent *float64 `json:"users_affected_percent"`
	Cause                *string  `json:"cause"`
	ETA                  *ETAJSON `json:"eta"`
}

// ETAJSON is the restoration estimate in API responses; nil for resolved incidents.
// Every time in it is in the future or null: a passed range is replaced by a fresh one.
type ETAJSON struct {
	P50     *string `json:"p50"`
	P80     *string `json:"p80"`
	P90     *string `json:"p90"`
	Samples int     `json:"samples"`
	// Basis names the history the range rests on: "components+impact", "impact", "all",
	// "prior" (little history), or "none" when there is no range.
	Basis   string            `json:"basis"`
	Explain map[string]string `json:"explain"`
	// Announced is the standing staff-announced time, kept after it passes (with Missed
	// set) so clients can say "taking longer than announced".
	Announced       *string  `json:"announced"`
	AnnouncedChance *float64 `json:"announced_chance"`
	Missed          bool     `json:"missed"`
}

// V2Maintenance is Statuspage's scheduled-maintenance object plus Candor's extras: whether
// work control holds it (and which incidents), and whether it runs past its planned end.
type V2Maintenance struct {
	statuspage.Incident
	Held   bool     `json:"held"`
	HeldBy []string `json:"held_by"`
	Late   bool     `json:"late"`
}

// V2Maintenance converts a maintenance to Statuspage's shape.
func (b *Builder) V2Maintenance(m *status.Maintenance, comps []status.Component, now time.Time) V2Maintenance {
	start := m.StartedAt
	if start.IsZero() {
		start = m.ScheduledFor
	}
	si := statuspage.Incident{ID: m.ID, Name: m.Title, Status: string(m.Status), Impact: "maintenance",
		CreatedAt: b.v2Time(m.CreatedAt), UpdatedAt: b.v2Time(m.UpdatedAt), StartedAt: b.v2Time(start),
		Shortlink: b.cfg.PublicURL + "/maintenances/" + m.ID, PageID: b.cfg.PageID,
		IncidentUpdates: make([]statuspage.IncidentUpdate, 0, len(m.Updates)), Components: []statuspage.Component{},
		ReminderIntervals: json.RawMessage("null"), ScheduledFor: b.v2TimePtr(m.ScheduledFor), ScheduledUntil: b.v2TimePtr(m.ScheduledUntil)}
	if m.Status == status.MaintCompleted {
		si.ResolvedAt = b.v2TimePtr(m.EndedAt)
	}
	if len(m.RemindBefore) > 0 {
		hours := make([]float64, 0, len(m.RemindBefore))
		for _, d := range m.RemindBefore {
			hours = append(hours, d.Hours())
		}
		raw, _ := json.Marshal(hours)
		si.ReminderIntervals, _ = json.Marshal(string(raw)) // Statuspage sends it as a string, e.g. "[24,1]"
	}
	for i := len(m.Updates) - 1; i >= 0; i-- {
		u := m.Updates[i]
		si.IncidentUpdates = append(si.IncidentUpdates, statuspage.IncidentUpdate{ID: u.ID, Status: string(u.Status),
			Body: u.Message, IncidentID: m.ID, CreatedAt: b.v2Time(u.CreatedAt), UpdatedAt: b.v2Time(u.CreatedAt),
			DisplayAt: b.v2Time(u.CreatedAt), AffectedComponents: []statuspage.AffectedComponent{}, DeliverNotifications: u.Notify,
			CustomTweet: json.RawMessage("null"), TweetID: json.RawMessage("null")})
	}
	for _, id := range m.Components {
		for _, c := range comps {
			if c.ID == id {
				si.Components = append(si.Components, b.v2Component(c))
			}
		}
	}
	return V2Maintenance{Incident: si, Held: m.Held(), HeldBy: append([]string{}, m.HeldBy...), Late: m.Late(now)}
}

type v2Summary struct {
	Page                  statuspage.Page        `json:"page"`
	Status                statuspage.Status      `json:"status"`
	Components            []statuspage.Component `json:"components"`
	Incidents             []json.RawMessage      `json:"incidents"`
	ScheduledMaintenances []json.RawMessage      `json:"scheduled_maintenances"`
}

func (b *Builder) v2Time(t time.Time) string { return t.In(b.cfg.Location).Format(v2TimeFormat) }

func (b *Builder) v2TimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := b.v2Time(t)
	return &s
}

func (b *Builder) v2Page(modified time.Time) statuspage.Page {
	return statuspage.Page{ID: b.cfg.PageID, Name: b.cfg.PageName, URL: b.cfg.PublicURL,
		TimeZone: b.cfg.Location.String(), UpdatedAt: b.v2Time(modified)}
}

// v2Components lists groups as components with group=true, as Statuspage does, followed
// by the components; positions are 1-based within their level.
func (b *Builder) v2Components(st *state) []statuspage.Component {
	out := make([]statuspage.Component, 0, len(st.groups)+len(st.comps))
	for _, g := range st.groups {
		sg := statuspage.Component{ID: g.ID, Name: g.Name, Status: string(status.Operational),
			CreatedAt: b.v2Time(g.CreatedAt), UpdatedAt: b.v2Time(g.UpdatedAt), Position: g.Position + 1,
			Description: strPtr(g.Description), PageID: b.cfg.PageID, Group: true, Components: []string{}}
		worst := status.Operational
		for _, c := range st.comps {
			if c.GroupID == g.ID {
				sg.Components = append(sg.Components, c.ID)
				if c.Status.Worse(worst) {
					worst = c.Status
				}
			}
		}
		sg.Status = string(worst)
		out = append(out, sg)
	}
	for _, c := range st.comps {
		out = append(out, b.v2Component(c))
	}
	return out
}

func (b *Builder) v2Component(c status.Component) statuspage.Component {
	sc := statuspage.Component{ID: c.ID, Name: c.Name, Status: string(c.Status), CreatedAt: b.v2Time(c.CreatedAt),
		UpdatedAt: b.v2Time(c.UpdatedAt), Position: c.Position + 1, Description: strPtr(c.Description),
		Showcase: c.Showcase, PageID: b.cfg.PageID, GroupID: strPtr(c.GroupID), OnlyShowIfDegraded: c.OnlyShowIfDegraded}
	if !c.StartDate.IsZero() {
		d := c.StartDate.In(b.cfg.Location).Format("2006-01-02")
		sc.StartDate = &d
	}
	return sc
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// V2Incident converts an incident to Statuspage's shape with Candor's extras.
func (b *Builder) V2Incident(inc *status.Incident, comps []status.Component, eta *ETAJSON) V2Incident {
	si := statuspage.Incident{ID: inc.ID, Name: inc.Title, Status: string(inc.Status), Impact: string(inc.Impact),
		CreatedAt: b.v2Time(inc.CreatedAt), UpdatedAt: b.v2Time(inc.UpdatedAt), StartedAt: b.v2Time(inc.StartedAt),
		MonitoringAt: b.v2TimePtr(inc.MonitoringAt), ResolvedAt: b.v2TimePtr(inc.ResolvedAt),
		Shortlink: b.cfg.PublicURL + "/incidents/" + inc.ID, PageID: b.cfg.PageID,
		IncidentUpdates: make([]statuspage.IncidentUpdate, 0, len(inc.Updates)), Components: []statuspage.Component{},
		ReminderIntervals: json.RawMessage("null")}
	for i := len(inc.Updates) - 1; i >= 0; i-- { // newest first
		u := inc.Updates[i]
		su := statuspage.IncidentUpdate{ID: u.ID, Status: string(u.Status), Body: u.Message, IncidentID: inc.ID,
			CreatedAt: b.v2Time(u.CreatedAt), UpdatedAt: b.v2Time(u.CreatedAt), DisplayAt: b.v2Time(u.CreatedAt),
			AffectedComponents:   make([]statuspage.AffectedComponent, 0, len(u.Components)),
			DeliverNotifications: u.Notify, CustomTweet: json.RawMessage("null"), TweetID: json.RawMessage("null")}
		for _, ch := range u.Components {
			su.AffectedComponents = append(su.AffectedComponents, statuspage.AffectedComponent{Code: ch.ComponentID,
				Name: ch.Name, OldStatus: string(ch.OldStatus), NewStatus: string(ch.NewStatus)})
		}
		si.IncidentUpdates = append(si.IncidentUpdates, su)
	}
	for _, a := range inc.Components {
		for _, c := range comps {
			if c.ID == a.ComponentID {
				si.Components = append(si.Components, b.v2Component(c))
			}
		}
	}
	v := V2Incident{Incident: si, UsersAffectedPercent: inc.UsersAffectedPercent, ETA: eta}
	if inc.Cause != "" {
		c := string(inc.Cause)
		v.Cause = &c
	}
	return v
}

// ETAJSON returns the estimate for an open incident, nil for a resolved one. Until the ETA
// model lands it carries the staff-announced time only.
func (b *Builder) ETAJSON(inc *status.Incident, now time.Time) *ETAJSON {
	if !inc.Open() {
		return nil
	}
	out := &ETAJSON{Announced: b.v2TimePtr(inc.AnnouncedETA), Missed: inc.Missed(now), Basis: "none",
		Explain: map[string]string{}}
	if c := inc.AnnouncedChance(); c != nil {
		p := c.P
		out.AnnouncedChance = &p
	}
	if e := inc.ShownEstimate(b.est, now); e != nil {
		out.P50, out.P80, out.P90 = b.v2TimePtr(e.P50), b.v2TimePtr(e.P80), b.v2TimePtr(e.P90)
		out.Samples, out.Basis = e.Samples, e.Pool
		out.Explain = map[string]string{"en": e.ExplainEN, "ko": e.ExplainKO}
	}
	return out
}

func (b *Builder) renderJSON(snap *Snapshot, st *state, now, modified time.Time) error {
	page := b.v2Page(modified)
	// Each record is encoded on its own, so one that cannot be (a NaN) is left out of the
	// lists instead of failing every document that lists it.
	encode := func(what, id string, v func() any) (json.RawMessage, bool) {
		var out []byte
		err := safely(func() (err error) { out, err = json.Marshal(v()); return err })
		if err != nil {
			snap.problem(fmt.Sprintf("%s %s left out of /api/v2: %v", what, id, err))
			return nil, false
		}
		return out, true
	}
	var open []status.Incident
	var unresolved, recent []json.RawMessage
	for i := range st.incidents {
		inc := &st.incidents[i]
		if inc.Open() {
			open = append(open, *inc) // the overall status counts it even when its JSON is left out
		} else if len(recent) >= 50 {
			continue // listed nowhere
		}
		v, ok := encode("incident", inc.ID, func() any { return b.V2Incident(inc, st.comps, b.ETAJSON(inc, now)) })
		if !ok {
			continue
		}
		if inc.Open() {
			unresolved = append(unresolved, v)
		}
		if len(recent) < 50 {
			recent = append(recent, v)
		}
	}
	var mRecent, mUpcoming, mActive, mSummary []json.RawMessage
	for i := range st.maints {
		m := &st.maints[i]
		v, ok := encode("maintenance", m.ID, func() any { return b.V2Maintenance(m, st.comps, now) })
		if !ok {
			continue
		}
		if len(mRecent) < 50 {
			mRecent = append(mRecent, v)
		}
		switch {
		case m.Status == status.MaintScheduled:
			mUpcoming = append(mUpcoming, v)
			mSummary = append(mSummary, v)
		case m.Status.Active():
			mActive = append(mActive, v)
			mSummary = append(mSummary, v)
		}
	}
	overall := status.OverallStatus(st.comps, open)
	sstatus := statuspage.Status{Indicator: overall.Indicator, Description: overall.Description}
	comps := b.v2Components(st)
	docs := map[string]any{
		"/api/v2/summary.json": v2Summary{Page: page, Status: sstatus, Components: comps, Incidents: orEmpty(unresolved),
			ScheduledMaintenances: orEmpty(mSummary)},
		"/api/v2/status.json":                          map[string]any{"page": page, "status": sstatus},
		"/api/v2/components.json":                      map[string]any{"page": page, "components": comps},
		"/api/v2/incidents.json":                       map[string]any{"page": page, "incidents": orEmpty(recent)},
		"/api/v2/incidents/unresolved.json":            map[string]any{"page": page, "incidents": orEmpty(unresolved)},
		"/api/v2/scheduled-maintenances.json":          map[string]any{"page": page, "scheduled_maintenances": orEmpty(mRecent)},
		"/api/v2/scheduled-maintenances/upcoming.json": map[string]any{"page": page, "scheduled_maintenances": orEmpty(mUpcoming)},
		"/api/v2/scheduled-maintenances/active.json":   map[string]any{"page": page, "scheduled_maintenances": orEmpty(mActive)},
	}
	for path, v := range docs {
		body, err := json.Marshal(v)
		if err != nil {
			snap.renderedAround("", path, fmt.Errorf("encode: %w", err))
			continue
		}
		snap.put("", path, "application/json", body, modified, http.StatusOK)
	}
	return nil
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

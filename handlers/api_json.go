package handlers

import (
	"math"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// The /api/v1 response shapes. Times are RFC 3339 in UTC; absent times are null.

type componentJSON struct {
	ID                 string     `json:"id"`
	Name               lang.Text  `json:"name"`
	Description        lang.Text  `json:"description"`
	Group              *lang.Text `json:"group"`
	GroupID            *string    `json:"group_id"`
	Position           int        `json:"position"`
	Status             string     `json:"status"`
	OnlyShowIfDegraded bool       `json:"only_show_if_degraded"`
	Showcase           bool       `json:"showcase"`
	CreatedAt          string     `json:"created_at"`
	UpdatedAt          string     `json:"updated_at"`
}

type affectedJSON struct {
	ID     string    `json:"id"`
	Name   lang.Text `json:"name"`
	Status string    `json:"status"`
}

type changeJSON struct {
	ID        string    `json:"id"`
	Name      lang.Text `json:"name"`
	OldStatus string    `json:"old_status"`
	NewStatus string    `json:"new_status"`
}

type updateJSON struct {
	ID           string       `json:"id"`
	Kind         string       `json:"kind"`
	Status       string       `json:"status"`
	Impact       *string      `json:"impact"`
	Message      lang.Text    `json:"message"`
	Components   []changeJSON `json:"components"`
	AnnouncedETA *string      `json:"announced_eta"`
	Notify       bool         `json:"notify"`
	PostedBy     string       `json:"posted_by"`
	CreatedAt    string       `json:"created_at"`
}

type incidentJSON struct {
	ID                   string         `json:"id"`
	Title                lang.Text      `json:"title"`
	Impact               string         `json:"impact"`
	Status               string         `json:"status"`
	Cause                *string        `json:"cause"`
	UsersAffectedPercent *float64       `json:"users_affected_percent"`
	StartedAt            string         `json:"started_at"`
	IdentifiedAt         *string        `json:"identified_at"`
	MonitoringAt         *string        `json:"monitoring_at"`
	ResolvedAt           *string        `json:"resolved_at"`
	CreatedAt            string         `json:"created_at"`
	UpdatedAt            string         `json:"updated_at"`
	AnnouncedETA         *string        `json:"announced_eta"`
	Components           []affectedJSON `json:"components"`
	URL                  string         `json:"url"`
	ETA                  *etaJSON       `json:"eta"`
	// Restoration compares, once resolved, the announced times with the real one.
	Restoration *restorationJSON `json:"restoration"`
	Updates     []updateJSON     `json:"updates"`
	// UpdatesTotal is the length of the whole timeline: an answer to a write lists only
	// its newest entries (writeAnswerUpdates).
	UpdatesTotal int           `json:"updates_total"`
	Warnings     []warningJSON `json:"warnings,omitempty"`

	// SuggestedStatus is "monitoring" when every monitoring signal of the open incident has
	// resolved: staff confirm it with an update (resolved signals never resolve incidents).
	SuggestedStatus *string `json:"suggested_status,omitempty"`
}

// warningJSON tells a client its request was accepted but deserves a second look.
type warningJSON struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Chance  *float64 `json:"chance,omitempty"`
	Met     int      `json:"met,omitempty"`
	Of      int      `json:"of,omitempty"`
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func tsPtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ts(t)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toComponentJSON(c status.Component, groups []status.Group) componentJSON {
	out := componentJSON{ID: c.ID, Name: c.Name, Description: c.Description, Position: c.Position, Status: string(c.Status),
		OnlyShowIfDegraded: c.OnlyShowIfDegraded, Showcase: c.Showcase, CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt)}
	for _, g := range groups {
		if g.ID == c.GroupID {
			name := g.Name
			out.Group, out.GroupID = &name, optString(g.ID)
		}
	}
	return out
}

func (s *server) toIncidentJSON(inc *status.Incident, names map[string]lang.Text) incidentJSON {
	out := incidentJSON{ID: inc.ID, Title: inc.Title, Impact: string(inc.Impact), Status: string(inc.Status),
		Cause: optString(string(inc.Cause)), UsersAffectedPercent: finite(inc.UsersAffectedPercent),
		StartedAt: ts(inc.StartedAt), IdentifiedAt: tsPtr(inc.IdentifiedAt), MonitoringAt: tsPtr(inc.MonitoringAt),
		ResolvedAt: tsPtr(inc.ResolvedAt), CreatedAt: ts(inc.CreatedAt), UpdatedAt: ts(inc.UpdatedAt),
		AnnouncedETA: tsPtr(inc.AnnouncedETA), Components: []affectedJSON{}, Updates: []updateJSON{},
		URL: s.Builder.Config().PublicURL + "/incidents/" + inc.ID,
		ETA: s.etaJSON(inc, s.Service.Clock().Now()), Restoration: toRestorationJSON(inc)}
	for _, a := range inc.Components {
		out.Components = append(out.Components, affectedJSON{ID: a.ComponentID, Name: names[a.ComponentID], Status: string(a.Status)})
	}
	for _, u := range inc.Updates {
		uj := updateJSON{ID: u.ID, Kind: string(u.Kind), Status: string(u.Status), Impact: optString(string(u.Impact)),
			Message: u.Message, Components: []changeJSON{}, AnnouncedETA: tsPtr(u.AnnouncedETA), Notify: u.Notify,
			PostedBy: u.PostedBy, CreatedAt: ts(u.CreatedAt)}
		for _, ch := range u.Components {
			uj.Components = append(uj.Components, changeJSON{ID: ch.ComponentID, Name: ch.Name,
				OldStatus: string(ch.OldStatus), NewStatus: string(ch.NewStatus)})
		}
		out.Updates = append(out.Updates, uj)
	}
	out.UpdatesTotal = len(out.Updates)
	return out
}

// componentNames maps component ids to names, from the live components and, for deleted
// ones, the names recorded in the incident's timeline.
func componentNames(inc *status.Incident, comps []status.Component) map[string]lang.Text {
	names := map[string]lang.Text{}
	for _, u := range inc.Updates {
		for _, ch := range u.Components {
			names[ch.ComponentID] = ch.Name
		}
	}
	for _, c := range comps {
		names[c.ID] = c.Name
	}
	return names
}

// etaJSON is the restoration estimate in /api/v1: times in UTC like every /api/v1 time,
// and the words in every language. Every time in it is in the future or null: a passed
// range is replaced by a fresh one.
type etaJSON struct {
	P50     *string `json:"p50"`
	P80     *string `json:"p80"`
	P90     *string `json:"p90"`
	Samples int     `json:"samples"`
	// Basis names the history the range rests on: "components+impact", "impact", "all",
	// "prior" (little history), or "none" when there is no range.
	Basis string `json:"basis"`
	// Explain says what the range means, per language.
	Explain lang.Text `json:"explain"`
	// Announced is the standing staff-announced time, kept after it passes (with Missed
	// set) so clients can say "taking longer than announced".
	Announced           *string   `json:"announced"`
	AnnouncedChance     *float64  `json:"announced_chance"`
	AnnouncedChanceText lang.Text `json:"announced_chance_text"`
	Missed              bool      `json:"missed"`
}

func (s *server) etaJSON(inc *status.Incident, now time.Time) *etaJSON {
	if !inc.Open() {
		return nil
	}
	out := &etaJSON{Announced: tsPtr(inc.AnnouncedETA), Missed: inc.Missed(now), Basis: "none"}
	if c := inc.AnnouncedChance(); c != nil && inc.AnnouncedETA.After(now) {
		out.AnnouncedChance = &c.P
		out.AnnouncedChanceText = wording.Texts(c.Describe)
	}
	if e := inc.ShownEstimate(s.Builder.Estimator(), now); e != nil {
		out.P50, out.P80, out.P90 = tsPtr(e.P50), tsPtr(e.P80), tsPtr(e.P90)
		out.Samples, out.Basis = e.Samples, e.Pool
		out.Explain = wording.Texts(func(l lang.Lang) string { return s.Builder.Explain(inc, e, now, l) })
	}
	return out
}

// restorationJSON is a resolved incident's promises against the real restoration.
type restorationJSON struct {
	RestoredAt string          `json:"restored_at"`
	Announced  []announcedJSON `json:"announced"`
	FirstRange *firstRangeJSON `json:"first_range"`
}

// firstRangeJSON is the model's first range for a resolved incident and where the
// restoration fell against it (the public /api/v2 carries the same fields).
type firstRangeJSON struct {
	PublishedAt string `json:"published_at"`
	P50         string `json:"p50"`
	P90         string `json:"p90"`
	Outcome     string `json:"outcome"`
}

type announcedJSON struct {
	At          string    `json:"at"`
	LateMinutes int       `json:"late_minutes"`
	Text        lang.Text `json:"text"`
}

func toRestorationJSON(inc *status.Incident) *restorationJSON {
	r := inc.Promises()
	if r.Restored.IsZero() {
		return nil
	}
	out := &restorationJSON{RestoredAt: ts(r.Restored), Announced: []announcedJSON{}}
	for _, a := range r.Announced {
		out.Announced = append(out.Announced, announcedJSON{At: ts(a), LateMinutes: int(r.Restored.Sub(a).Round(time.Minute) / time.Minute),
			Text: wording.Texts(func(l lang.Lang) string { return wording.Difference(l, a, r.Restored) })})
	}
	if e := r.First; e != nil {
		out.FirstRange = &firstRangeJSON{PublishedAt: ts(r.FirstAt), P50: ts(e.P50), P90: ts(e.P90),
			Outcome: wording.OutcomeOf(e.P50, e.P90, r.Restored).Code()}
	}
	return out
}

// finite is v unless it is NaN or infinite, which JSON cannot carry: a row stored before
// the stores refused them must not make every list that includes it answer 500 (the
// snapshot reports such a record; see snapshot/problems.go).
func finite(v *float64) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return v
}

package snapshot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/statuspagev2"
	"github.com/candorstatus/candor/wording"
)

// v2TimeFormat is Statuspage's timestamp shape: the page's zone, milliseconds, offset.
const v2TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// V2Incident is Statuspage's incident object plus Candor's extra fields. Extra fields are
// added, never renamed, so existing clients keep working.
type V2Incident struct {
	statuspagev2.Incident
	UsersAffectedPercent *float64 `json:"users_affected_percent"`
	Cause                *string  `json:"cause"`
	ETA                  *ETAJSON `json:"eta"`
	// Restoration compares, once resolved, the announced times with the real restoration.
	Restoration *RestorationJSON `json:"restoration"`
}

// RestorationJSON is a resolved incident's promises against what happened.
type RestorationJSON struct {
	RestoredAt string `json:"restored_at"`
	// Announced lists the first announced time and, when staff moved it, the last one.
	Announced []AnnouncedJSON `json:"announced"`
	// FirstRange is the model's first published range and where the restoration fell in it
	// ("before_p50", "before_p90", "after_p90"); null when none was published.
	FirstRange *FirstRangeJSON `json:"first_range"`
}

// AnnouncedJSON is one announced time and how far off it was (positive: later than
// announced).
type AnnouncedJSON struct {
	At          string `json:"at"`
	LateMinutes int    `json:"late_minutes"`
	Text        string `json:"text"`
}

// FirstRangeJSON is the model's first range for a resolved incident.
type FirstRangeJSON struct {
	PublishedAt string `json:"published_at"`
	P50         string `json:"p50"`
	P90         string `json:"p90"`
	Outcome     string `json:"outcome"`
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
	Basis string `json:"basis"`
	// Explain says in the document's language what the range means ("" without one).
	Explain string `json:"explain"`
	// Announced is the standing staff-announced time, kept after it passes (with Missed
	// set) so clients can say "taking longer than announced".
	Announced       *string  `json:"announced"`
	AnnouncedChance *float64 `json:"announced_chance"`
	// AnnouncedChanceText says the chance in the document's language ("" without one).
	AnnouncedChanceText string `json:"announced_chance_text"`
	Missed              bool   `json:"missed"`
}

// V2Maintenance is Statuspage's scheduled-maintenance object plus Candor's extras: whether
// work control holds it (and which incidents), and whether it runs past its planned end.
type V2Maintenance struct {
	statuspagev2.Incident
	Held   bool     `json:"held"`
	HeldBy []string `json:"held_by"`
	Late   bool     `json:"late"`
}

// V2Maintenance converts a maintenance to Statuspage's shape; names gives the names of
// components since deleted.
func (b *Builder) V2Maintenance(m *status.Maintenance, comps []status.Component, names map[string]lang.Text, now time.Time, l lang.Lang) V2Maintenance {
	si := statuspagev2.Incident{ID: m.ID, Name: b.text(m.Title, l), Status: string(m.Status), Impact: "maintenance",
		CreatedAt: b.v2Time(m.CreatedAt), UpdatedAt: b.v2Time(m.UpdatedAt),
		// Null until the work starts, as on Statuspage: clients tell planned from started by it.
		StartedAt: b.v2TimePtr(m.StartedAt),
		Shortlink: b.cfg.PublicURL + "/maintenances/" + m.ID, PageID: b.cfg.PageID,
		IncidentUpdates: make([]statuspagev2.IncidentUpdate, 0, len(m.Updates)), Components: []statuspagev2.Component{},
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
	// The entry that started the work is the one that put the components under maintenance.
	started := slices.IndexFunc(m.Updates, func(u status.MaintenanceUpdate) bool { return u.Status == status.MaintInProgress })
	for i := len(m.Updates) - 1; i >= 0; i-- {
		u := m.Updates[i]
		su := statuspagev2.IncidentUpdate{ID: u.ID, Status: string(u.Status),
			Body: b.text(u.Message, l), IncidentID: m.ID, CreatedAt: b.v2Time(u.CreatedAt), UpdatedAt: b.v2Time(u.CreatedAt),
			DisplayAt: b.v2Time(u.CreatedAt), DeliverNotifications: u.Notify,
			CustomTweet: json.RawMessage("null"), TweetID: json.RawMessage("null")}
		if i == started {
			su.AffectedComponents = b.maintained(m, comps, names, l)
		}
		si.IncidentUpdates = append(si.IncidentUpdates, su)
	}
	for _, id := range m.Components {
		for _, c := range comps {
			if c.ID == id {
				si.Components = append(si.Components, b.v2Component(c, l))
			}
		}
	}
	return V2Maintenance{Incident: si, Held: m.Held(), HeldBy: append([]string{}, m.HeldBy...), Late: m.Late(now)}
}

// maintained lists the components a maintenance put under maintenance, each from the
// status it had before (operational when an incident, not staff, had set it: the work
// does not restore what an incident explains).
func (b *Builder) maintained(m *status.Maintenance, comps []status.Component, names map[string]lang.Text, l lang.Lang) []statuspagev2.AffectedComponent {
	var out []statuspagev2.AffectedComponent
	for _, id := range m.Components {
		name, ok := names[id]
		for _, c := range comps {
			if c.ID == id {
				name, ok = c.Name, true
			}
		}
		if !ok {
			continue // never a component here
		}
		old := m.PriorStatus[id]
		if old == "" {
			old = status.Operational
		}
		out = append(out, statuspagev2.AffectedComponent{Code: id, Name: b.text(name, l), OldStatus: string(old),
			NewStatus: string(status.UnderMaintenance)})
	}
	return out
}

type v2Summary struct {
	Page                  statuspagev2.Page        `json:"page"`
	Status                statuspagev2.Status      `json:"status"`
	Components            []statuspagev2.Component `json:"components"`
	Incidents             []json.RawMessage        `json:"incidents"`
	ScheduledMaintenances []json.RawMessage        `json:"scheduled_maintenances"`
}

func (b *Builder) v2Time(t time.Time) string { return t.In(b.cfg.Location).Format(v2TimeFormat) }

func (b *Builder) v2TimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := b.v2Time(t)
	return &s
}

// text is a staff text in l, falling back to the default language.
func (b *Builder) text(t lang.Text, l lang.Lang) string {
	s, _ := t.Pick(l, b.cfg.DefaultLang)
	return s
}

func (b *Builder) v2Page(modified time.Time, l lang.Lang) statuspagev2.Page {
	return statuspagev2.Page{ID: b.cfg.PageID, Name: b.pageName(l), URL: b.cfg.PublicURL,
		TimeZone: b.cfg.Location.String(), UpdatedAt: b.v2Time(modified)}
}

// v2Components lists groups as components with group=true, as Statuspage does, followed
// by the components; positions are 1-based within their level.
func (b *Builder) v2Components(st *state, l lang.Lang) []statuspagev2.Component {
	out := make([]statuspagev2.Component, 0, len(st.groups)+len(st.comps))
	for _, g := range st.groups {
		sg := statuspagev2.Component{ID: g.ID, Name: b.text(g.Name, l), Status: string(status.Operational),
			CreatedAt: b.v2Time(g.CreatedAt), UpdatedAt: b.v2Time(g.UpdatedAt), Position: g.Position + 1,
			Description: strPtr(b.text(g.Description, l)), PageID: b.cfg.PageID, Group: true, Components: []string{}}
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
		out = append(out, b.v2Component(c, l))
	}
	return out
}

// V2Component converts a component to Statuspage's shape in language l.
func (b *Builder) V2Component(c status.Component, l lang.Lang) statuspagev2.Component {
	return b.v2Component(c, l)
}

// V2Time formats t as /api/v2 does: the page's zone, milliseconds, offset.
func (b *Builder) V2Time(t time.Time) string { return b.v2Time(t) }

func (b *Builder) v2Component(c status.Component, l lang.Lang) statuspagev2.Component {
	sc := statuspagev2.Component{ID: c.ID, Name: b.text(c.Name, l), Status: string(c.Status), CreatedAt: b.v2Time(c.CreatedAt),
		UpdatedAt: b.v2Time(c.UpdatedAt), Position: c.Position + 1, Description: strPtr(b.text(c.Description, l)),
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
func (b *Builder) V2Incident(inc *status.Incident, comps []status.Component, eta *ETAJSON, l lang.Lang) V2Incident {
	si := statuspagev2.Incident{ID: inc.ID, Name: b.text(inc.Title, l), Status: string(inc.Status), Impact: string(inc.Impact),
		CreatedAt: b.v2Time(inc.CreatedAt), UpdatedAt: b.v2Time(inc.UpdatedAt), StartedAt: b.v2TimePtr(inc.StartedAt),
		MonitoringAt: b.v2TimePtr(inc.MonitoringAt), ResolvedAt: b.v2TimePtr(inc.ResolvedAt),
		Shortlink: b.cfg.PublicURL + "/incidents/" + inc.ID, PageID: b.cfg.PageID,
		IncidentUpdates: make([]statuspagev2.IncidentUpdate, 0, len(inc.Updates)), Components: []statuspagev2.Component{},
		ReminderIntervals: json.RawMessage("null")}
	for i := len(inc.Updates) - 1; i >= 0; i-- { // newest first
		u := inc.Updates[i]
		su := statuspagev2.IncidentUpdate{ID: u.ID, Status: string(u.Status), Body: b.text(u.Message, l), IncidentID: inc.ID,
			CreatedAt: b.v2Time(u.CreatedAt), UpdatedAt: b.v2Time(u.CreatedAt), DisplayAt: b.v2Time(u.CreatedAt),
			DeliverNotifications: u.Notify, CustomTweet: json.RawMessage("null"), TweetID: json.RawMessage("null")}
		// Null, not [], for an update that changed no component, as Statuspage sends it.
		for _, ch := range u.Components {
			su.AffectedComponents = append(su.AffectedComponents, statuspagev2.AffectedComponent{Code: ch.ComponentID,
				Name: b.text(ch.Name, l), OldStatus: string(ch.OldStatus), NewStatus: string(ch.NewStatus)})
		}
		si.IncidentUpdates = append(si.IncidentUpdates, su)
	}
	for _, a := range inc.Components {
		for _, c := range comps {
			if c.ID == a.ComponentID {
				si.Components = append(si.Components, b.v2Component(c, l))
			}
		}
	}
	v := V2Incident{Incident: si, UsersAffectedPercent: inc.UsersAffectedPercent, ETA: eta, Restoration: b.restoration(inc, l)}
	if inc.Cause != "" {
		c := string(inc.Cause)
		v.Cause = &c
	}
	return v
}

// ETAJSON returns the estimate for an open incident in language l, nil for a resolved one.
func (b *Builder) ETAJSON(inc *status.Incident, now time.Time, l lang.Lang) *ETAJSON {
	if !inc.Open() {
		return nil
	}
	out := &ETAJSON{Announced: b.v2TimePtr(inc.AnnouncedETA), Missed: inc.Missed(now), Basis: "none"}
	if c := inc.AnnouncedChance(); c != nil && inc.AnnouncedETA.After(now) {
		p := c.P
		out.AnnouncedChance, out.AnnouncedChanceText = &p, c.Describe(l)
	}
	if e := inc.ShownEstimate(b.est, now); e != nil {
		out.P50, out.P80, out.P90 = b.v2TimePtr(e.P50), b.v2TimePtr(e.P80), b.v2TimePtr(e.P90)
		out.Samples, out.Basis = e.Samples, e.Pool
		out.Explain = b.Explain(inc, e, now, l)
	}
	return out
}

// Explain says in l what range e for inc means, times as the page writes them.
func (b *Builder) Explain(inc *status.Incident, e *status.Estimate, now time.Time, l lang.Lang) string {
	at := func(t time.Time) string { return wording.FormatTime(l, t, b.cfg.Location, now) }
	return wording.Range(l, e.Basis(inc.StartedAt), at(e.P50), at(e.P90))
}

// restoration is a resolved incident's promises against the real restoration, in l.
func (b *Builder) restoration(inc *status.Incident, l lang.Lang) *RestorationJSON {
	r := inc.Promises()
	if r.Restored.IsZero() {
		return nil
	}
	out := &RestorationJSON{RestoredAt: b.v2Time(r.Restored), Announced: []AnnouncedJSON{}}
	for _, a := range r.Announced {
		out.Announced = append(out.Announced, AnnouncedJSON{At: b.v2Time(a), LateMinutes: int(r.Restored.Sub(a).Round(time.Minute) / time.Minute),
			Text: wording.Difference(l, a, r.Restored)})
	}
	if e := r.First; e != nil {
		out.FirstRange = &FirstRangeJSON{PublishedAt: b.v2Time(r.FirstAt), P50: b.v2Time(e.P50), P90: b.v2Time(e.P90),
			Outcome: wording.OutcomeOf(e.P50, e.P90, r.Restored).Code()}
	}
	return out
}

// renderJSON renders Statuspage's v2 documents in language l: names and bodies are strings,
// as Statuspage has them, in l (falling back to the default language). Each record is
// encoded on its own, so one that cannot be (a NaN) is left out of the lists, and its own
// document answers 404, instead of failing every document that lists it.
func (b *Builder) renderJSON(snap *Snapshot, st *state, now, modified time.Time, l lang.Lang) error {
	page := b.v2Page(modified, l)
	encode := func(what, id string, v func() any) (json.RawMessage, bool) {
		var out []byte
		err := safely(func() (err error) { out, err = json.Marshal(v()); return err })
		if err != nil {
			snap.problem(fmt.Sprintf("%s %s left out of /api/v2: %v", what, id, err))
			return nil, false
		}
		return out, true
	}
	// one puts the document of one record, as on Statuspage: tools that archive a history
	// fetch each one. Its page.updated_at is when what the document shows last changed
	// (the record or a component it lists), not the whole page's: a change elsewhere on the
	// page then leaves the documents of every other record as they were (issue 19).
	one := func(id string, rec json.RawMessage, modified time.Time, mkey string) {
		// /api/v2/incidents/{id}.json: the page and one incident (or scheduled maintenance,
		// which Statuspage serves there too).
		pageJSON, _ := json.Marshal(b.v2Page(modified, l)) // strings and times always encode
		body := joined(field{"page", pageJSON}, field{"incident", rec})
		path := "/api/v2/incidents/" + id + ".json"
		snap.put(string(l), path, "application/json", body, modified, http.StatusOK)
		if mkey != "" {
			snap.memo[docKey{string(l), path}] = memoEntry{key: mkey, doc: snap.docs[docKey{string(l), path}], rec: rec}
		}
	}
	// record returns the JSON of one record from the previous build when the memo key is
	// the same, else encodes it and puts its document.
	record := func(what, id string, mkey string, modified time.Time, v func() any) (json.RawMessage, bool) {
		key := docKey{string(l), "/api/v2/incidents/" + id + ".json"}
		if b.memoized(snap, key, mkey) {
			return snap.memo[key].rec, true
		}
		rec, ok := encode(what, id, v)
		if ok {
			one(id, rec, modified, mkey)
		}
		return rec, ok
	}
	var open []status.Incident
	var unresolved, recent []json.RawMessage
	for i := range st.incidents {
		inc := &st.incidents[i]
		if inc.Open() {
			open = append(open, *inc) // the overall status counts it even when its JSON is left out
		}
		modified, ckey := b.listed(st, inc.UpdatedAt, inc.ComponentIDs())
		mkey := ""
		if !inc.Open() { // an open incident's ETA follows the clock
			mkey = "incident=" + strconv.FormatUint(st.ver.incidents[inc.ID], 10) + ";" + ckey
		}
		v, ok := record("incident", inc.ID, mkey, modified, func() any { return b.V2Incident(inc, st.comps, b.ETAJSON(inc, now, l), l) })
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
	// In-progress work first, then upcoming work soonest first, then finished work latest
	// first: widgets show scheduled_maintenances[0].
	var mRecent, mUpcoming, mActive, mSummary []json.RawMessage
	for _, i := range maintenanceOrder(st.maints) {
		m := &st.maints[i]
		modified, ckey := b.listed(st, m.UpdatedAt, m.Components)
		mkey := ""
		if m.Status == status.MaintCompleted { // others may run late
			mkey = "maintenance=" + strconv.FormatUint(st.ver.maints[m.ID], 10) + ";names=" +
				strconv.FormatUint(st.ver.names, 10) + ";" + ckey
		}
		v, ok := record("maintenance", m.ID, mkey, modified, func() any { return b.V2Maintenance(m, st.comps, st.names, now, l) })
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
	var pageJSON, statusJSON, compsJSON []byte
	err := safely(func() (err error) {
		if pageJSON, err = json.Marshal(page); err != nil {
			return err
		}
		if statusJSON, err = json.Marshal(statuspagev2.Status{Indicator: overall.Indicator, Description: overall.Description}); err != nil {
			return err
		}
		compsJSON, err = b.componentsJSON(st, l)
		return err
	})
	if err != nil {
		snap.renderedAround(string(l), "/api/v2/summary.json", fmt.Errorf("encode: %w", err))
		return nil
	}
	// Keys in the order encoding/json gave them before: struct order for the summary,
	// sorted for the others.
	docs := map[string][]byte{
		"/api/v2/summary.json": joined(field{"page", pageJSON}, field{"status", statusJSON}, field{"components", compsJSON},
			field{"incidents", array(unresolved)}, field{"scheduled_maintenances", array(mSummary)}),
		"/api/v2/status.json":                          joined(field{"page", pageJSON}, field{"status", statusJSON}),
		"/api/v2/components.json":                      joined(field{"components", compsJSON}, field{"page", pageJSON}),
		"/api/v2/incidents.json":                       joined(field{"incidents", array(recent)}, field{"page", pageJSON}),
		"/api/v2/incidents/unresolved.json":            joined(field{"incidents", array(unresolved)}, field{"page", pageJSON}),
		"/api/v2/scheduled-maintenances.json":          joined(field{"page", pageJSON}, field{"scheduled_maintenances", array(mRecent)}),
		"/api/v2/scheduled-maintenances/upcoming.json": joined(field{"page", pageJSON}, field{"scheduled_maintenances", array(mUpcoming)}),
		"/api/v2/scheduled-maintenances/active.json":   joined(field{"page", pageJSON}, field{"scheduled_maintenances", array(mActive)}),
	}
	for path, body := range docs {
		snap.put(string(l), path, "application/json", body, modified, http.StatusOK)
	}
	return nil
}

// componentsEntry is an encoded component list and what it was encoded from.
type componentsEntry struct {
	key    string // the versions of the components, in order
	groups []status.Group
	json   []byte
}

// componentsJSON is /api/v2's component list in l: the last build's bytes while no
// component or group changed. A page of a thousand components otherwise encoded its list
// again after every update to an incident, twice (issue 19).
func (b *Builder) componentsJSON(st *state, l lang.Lang) ([]byte, error) {
	var k strings.Builder
	for _, c := range st.comps {
		k.WriteString(strconv.FormatUint(st.ver.comps[c.ID], 36))
		k.WriteByte(',')
	}
	if e, ok := b.comps[l]; ok && e.key == k.String() && reflect.DeepEqual(e.groups, st.groups) {
		return e.json, nil
	}
	out, err := json.Marshal(b.v2Components(st, l))
	if err != nil {
		return nil, err
	}
	if b.comps == nil {
		b.comps = map[lang.Lang]componentsEntry{}
	}
	b.comps[l] = componentsEntry{key: k.String(), groups: st.groups, json: out}
	return out, nil
}

// field is a member of a JSON object whose value is already JSON, encoded by this package.
type field struct {
	name  string // a plain key: nothing to escape
	value []byte
}

// joined writes the object of fields in their order. Why not json.Marshal with
// json.RawMessage values: it validates and compacts every raw value again, and during an
// outage the lists repeat the open incidents' whole timelines — megabytes re-read at every
// rebuild, after every update (issue 18). The values come from json.Marshal, so they are
// valid and compact already; the result is byte for byte what json.Marshal gave.
func joined(fields ...field) []byte {
	n := 2
	for _, f := range fields {
		n += len(f.name) + len(f.value) + 4
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, f := range fields {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, f.name...)
		out = append(out, '"', ':')
		out = append(out, f.value...)
	}
	return append(out, '}')
}

// array is the JSON array of items (each already JSON); [] when there are none.
func array(items []json.RawMessage) []byte {
	n := 2
	for _, it := range items {
		n += len(it) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, it := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, it...)
	}
	return append(out, ']')
}

// listed returns when a record's document last changed — the later of the record's
// updated time and those of the components it lists — and a memo key naming the versions
// of those components.
func (b *Builder) listed(st *state, updated time.Time, ids []string) (time.Time, string) {
	var k keyBuilder
	for _, id := range ids {
		if c := st.comp(id); c != nil {
			k.ver(id, st.ver.comps[id])
			if c.UpdatedAt.After(updated) {
				updated = c.UpdatedAt
			}
		}
	}
	return updated, k.String()
}

// maintenanceOrder returns the indexes of ms (latest scheduled first, as the store lists
// them) in the order widgets expect: in progress or verifying (earliest started first),
// then scheduled (soonest first), then the rest (latest first).
func maintenanceOrder(ms []status.Maintenance) []int {
	rank := func(m *status.Maintenance) int {
		switch {
		case m.Status.Active():
			return 0
		case m.Status == status.MaintScheduled:
			return 1
		}
		return 2
	}
	idx := make([]int, len(ms))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		a, b := &ms[i], &ms[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		switch rank(a) {
		case 0:
			return a.StartedAt.Compare(b.StartedAt)
		case 1:
			return a.ScheduledFor.Compare(b.ScheduledFor)
		}
		return 0 // the store's order: latest scheduled first
	})
	return idx
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

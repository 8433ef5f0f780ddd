package snapshot

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// The view models of the public pages, built from a state read from the store.

func (b *Builder) summary(inc *status.Incident, st *state, now time.Time, lang templates.Lang) templates.IncidentSummary {
	return templates.IncidentSummary{Incident: *inc, ETA: b.etaView(inc, now, lang), ComponentNames: st.names}
}

// ETAView is the restoration estimate the public pages would show for inc at now in lang;
// the staff console uses it to preview an incident exactly as the page will read.
func (b *Builder) ETAView(inc *status.Incident, now time.Time, lang templates.Lang) *templates.ETAView {
	return b.etaView(inc, now, lang)
}

// etaView is the restoration estimate shown for an open incident: the staff-announced
// time with the model's score of it, and the model's range (see Incident.ShownEstimate for
// why it never shows a passed time as upcoming).
func (b *Builder) etaView(inc *status.Incident, now time.Time, lang templates.Lang) *templates.ETAView {
	if !inc.Open() {
		return nil
	}
	v := &templates.ETAView{AnnouncedChance: -1, Announced: inc.AnnouncedETA, Missed: inc.Missed(now)}
	if !inc.AnnouncedETA.IsZero() && !inc.AnnouncedETA.After(now) {
		v.AnnouncedPassed = true
	}
	if c := inc.AnnouncedChance(); c != nil {
		v.AnnouncedChance, v.AnnouncedMet, v.AnnouncedOf = c.P, c.Met, c.Of
	}
	if e := inc.ShownEstimate(b.est, now); e != nil {
		v.P50, v.P80, v.P90, v.Samples, v.Few = e.P50, e.P80, e.P90, e.Samples, e.Few
		v.Basis = e.Basis(inc.StartedAt)
	}
	return v
}

// uptimes returns the uptime of every component the home page shows, by id.
func (b *Builder) uptimes(st *state, now time.Time) map[string]status.ComponentUptime {
	uptimeSince := now.AddDate(0, 0, -b.cfg.UptimeDays-1)
	var window []status.Incident // incidents that may touch the uptime bars
	for i := range st.incidents {
		if inc := &st.incidents[i]; inc.Open() || inc.ResolvedAt.After(uptimeSince) {
			window = append(window, *inc)
		}
	}
	shown := make([]status.Component, 0, len(st.comps))
	for _, c := range st.comps {
		if !c.OnlyShowIfDegraded || c.Status != status.Operational {
			shown = append(shown, c)
		}
	}
	return status.Uptimes(shown, window, b.cfg.UptimeDays, now, b.cfg.Location)
}

func (b *Builder) homeView(st *state, lang templates.Lang, now time.Time, ups map[string]status.ComponentUptime) templates.HomeView {
	v := templates.HomeView{Page: b.page(lang, "/", "", templates.T(lang, "home.title"), now, st), UptimeDays: b.cfg.UptimeDays}
	var open []status.Incident
	since := now.AddDate(0, 0, -b.cfg.RecentDays)
	for i := range st.incidents {
		inc := &st.incidents[i]
		if inc.Open() {
			open = append(open, *inc)
			v.Active = append(v.Active, b.summary(inc, st, now, lang))
		} else if inc.ResolvedAt.After(since) {
			v.Recent = append(v.Recent, b.summary(inc, st, now, lang))
		}
	}
	v.Overall = status.OverallStatus(st.comps, open)
	// In-progress work first, then upcoming, soonest first.
	for _, active := range []bool{true, false} {
		for i := len(st.maints) - 1; i >= 0; i-- {
			m := st.maints[i]
			if (active && m.Status.Active()) || (!active && m.Status == status.MaintScheduled) {
				v.Maintenance = append(v.Maintenance, templates.MaintenanceView{Maintenance: m, ComponentNames: st.names})
			}
		}
	}
	groups := append([]status.Group{{}}, st.groups...) // ungrouped first
	for _, g := range groups {
		gv := templates.GroupView{Group: g, Worst: status.Operational}
		for _, c := range st.comps {
			if c.GroupID != g.ID {
				continue
			}
			if c.OnlyShowIfDegraded && c.Status == status.Operational {
				continue
			}
			cv := templates.ComponentView{Component: c, Uptime: ups[c.ID], Spark: st.sparks[c.ID]}
			cv.Row = b.row(v, cv)
			gv.Components = append(gv.Components, cv)
			if c.Status.Worse(gv.Worst) {
				gv.Worst = c.Status
			}
		}
		if len(gv.Components) > 0 {
			v.Groups = append(v.Groups, gv)
		}
	}
	return v
}

func (b *Builder) historyView(st *state, lang templates.Lang, now time.Time, n, pages int, query string) templates.HistoryView {
	v := templates.HistoryView{Page: b.page(lang, "/history", query, templates.T(lang, "history.title"), now, st),
		PageNumber: n, PageCount: pages}
	lo := (n - 1) * b.cfg.HistoryPerPage
	hi := min(len(st.incidents), lo+b.cfg.HistoryPerPage)
	for i := lo; i < hi; i++ {
		inc := &st.incidents[i]
		y, m, _ := inc.StartedAt.In(b.cfg.Location).Date()
		month := time.Date(y, m, 1, 0, 0, 0, 0, b.cfg.Location)
		if k := len(v.Months); k == 0 || !v.Months[k-1].Month.Equal(month) {
			v.Months = append(v.Months, templates.MonthView{Month: month})
		}
		mv := &v.Months[len(v.Months)-1]
		mv.Incidents = append(mv.Incidents, b.summary(inc, st, now, lang))
	}
	slices.SortStableFunc(v.Months, func(a, b templates.MonthView) int { return b.Month.Compare(a.Month) })
	return v
}

// rowKey names a component's row of the home page in one language.
type rowKey struct {
	lang templates.Lang
	id   string
}

// rowEntry is a row of the home page and the view it was rendered from.
type rowEntry struct {
	view templates.ComponentView
	row  []byte
}

// row returns c's row of the home page v: the last build's when it showed the same
// (templates.SameRow), else rendered now. A page of a thousand components is mostly their
// uptime bars, which change far less often than the page (issue 19).
func (b *Builder) row(v templates.HomeView, c templates.ComponentView) []byte {
	k := rowKey{v.Lang, c.Component.ID}
	if e, ok := b.rows[k]; ok && templates.SameRow(e.view, c) {
		b.nextRows[k] = e
		return e.row
	}
	var buf bytes.Buffer
	if err := safely(func() error { return templates.ComponentRow(v, c).Render(context.Background(), &buf) }); err != nil {
		return nil // rendered with the page, which reports a failure
	}
	b.nextRows[k] = rowEntry{view: c, row: buf.Bytes()}
	return buf.Bytes()
}

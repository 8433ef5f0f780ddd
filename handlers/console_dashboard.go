package handlers

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// failuresShown bounds the delivery failures the dashboard lists.
const failuresShown = 10

// dashboard is what staff look at during an outage: what is open and what was promised,
// maintenance that needs a decision, and whether the machinery (jobs, pushes, follow-ups)
// is keeping up. A part that fails to load is reported on the page rather than hiding the
// rest.
func (s *console) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	v := templates.DashboardView{ConsolePage: s.page(c, "Dashboard", "dashboard"), Titles: map[string]lang.Text{}}
	now := s.Service.Clock().Now()

	_, comps, err := s.Service.Components(ctx)
	if err != nil {
		return err
	}
	v.Names = namesOf(comps)
	open, _, err := s.Service.Incidents(ctx, status.IncidentFilter{Status: "open"})
	if err != nil {
		return err
	}
	for i := range open {
		v.Incidents = append(v.Incidents, s.dashIncident(&open[i], now))
		v.Titles[open[i].ID] = open[i].Title
	}
	s.dashDrafts(c, &v, open, comps)

	ms, err := s.Service.Maintenances(ctx, status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{
		status.MaintScheduled, status.MaintInProgress, status.MaintVerifying}})
	if err != nil {
		v.Problems = append(v.Problems, "Maintenance could not be loaded: "+status.ErrorMessage(err))
	}
	for _, m := range ms {
		switch {
		case m.Held():
			v.Held = append(v.Held, m)
		case m.Status.Active():
			v.Active = append(v.Active, m)
		default:
			v.Upcoming = append(v.Upcoming, m)
		}
	}
	slices.SortFunc(v.Upcoming, func(a, b status.Maintenance) int { return a.ScheduledFor.Compare(b.ScheduledFor) })

	if s.Jobs != nil {
		v.HasJobs = true
		for _, j := range s.Jobs.Statuses() {
			v.Jobs = append(v.Jobs, templates.JobView{Name: j.Name, Schedule: j.Schedule, LastRun: j.LastStart,
				LastDuration: j.LastDuration, LastError: j.LastError, Runs: j.Runs, Failures: j.Failures,
				Running: j.Running, Next: j.Next})
		}
	}

	if v.Failed, err = s.Service.FailedDeliveries(ctx, failuresShown); err != nil {
		v.Problems = append(v.Problems, "Delivery failures could not be loaded: "+status.ErrorMessage(err))
	}
	if hooks, err := s.Service.Webhooks(ctx); err != nil {
		v.Problems = append(v.Problems, "Webhooks could not be loaded: "+status.ErrorMessage(err))
	} else {
		for _, h := range hooks {
			// A public endpoint waiting for its contact's confirmation is not in trouble.
			if (h.Disabled() && !h.Pending()) || !h.FailingSince.IsZero() {
				v.Hooks = append(v.Hooks, h)
			}
		}
	}
	overdue, err := s.Service.OverdueFollowUps(ctx)
	if err != nil {
		v.Problems = append(v.Problems, "Follow-up actions could not be loaded: "+status.ErrorMessage(err))
	}
	for _, o := range overdue {
		v.Overdue = append(v.Overdue, templates.OverdueView{IncidentID: o.IncidentID, Action: o.Action})
	}
	s.fillTitles(c, v.Titles, v.Failed, v.Overdue)
	for i := range v.Overdue {
		v.Overdue[i].IncidentTitle = v.Titles[v.Overdue[i].IncidentID]
	}
	return s.render(c, http.StatusOK, templates.DashboardPage(v))
}

// dashIncident is an open incident with its promise checked against history.
func (s *console) dashIncident(inc *status.Incident, now time.Time) templates.DashIncident {
	d := templates.DashIncident{Incident: *inc, ETA: s.Builder.ETAView(inc, now, templates.English),
		Chance: inc.AnnouncedChance(), Missed: inc.Missed(now)}
	d.Unlikely = d.Chance.Unlikely() && inc.AnnouncedETA.After(now)
	return d
}

// fillTitles names the incidents (or maintenances) that failed deliveries and overdue
// actions belong to; a missing one keeps its id.
func (s *console) fillTitles(c echo.Context, titles map[string]lang.Text, failed []status.OutboxJob, overdue []templates.OverdueView) {
	ctx := c.Request().Context()
	ids := []string{}
	for _, j := range failed {
		ids = append(ids, j.IncidentID)
	}
	for _, o := range overdue {
		ids = append(ids, o.IncidentID)
	}
	for _, id := range ids {
		if _, ok := titles[id]; ok || id == "" {
			continue
		}
		if inc, err := s.Service.Incident(ctx, id); err == nil {
			titles[id] = inc.Title
		} else if m, err := s.Service.Maintenance(ctx, id); err == nil {
			titles[id] = m.Title
		} else {
			titles[id] = lang.Same(id)
		}
	}
}

func namesOf(comps []status.Component) map[string]lang.Text {
	names := make(map[string]lang.Text, len(comps))
	for _, c := range comps {
		names[c.ID] = c.Name
	}
	return names
}

package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

type maintenanceFormRequest struct {
	Title          string   `form:"title"`
	Message        string   `form:"message"`
	TitleKO        string   `form:"title_ko"`
	TitleEN        string   `form:"title_en"`
	MessageKO      string   `form:"message_ko"`
	MessageEN      string   `form:"message_en"`
	Components     []string `form:"components"`
	ScheduledFor   string   `form:"scheduled_for"`
	ScheduledUntil string   `form:"scheduled_until"`
	RemindBefore   string   `form:"remind_before"`
	Notify         string   `form:"notify"`
	AutoComplete   string   `form:"auto_complete"`
	PreChecks      string   `form:"pre_checks"` // one item a line
}

type maintenanceStartRequest struct {
	OverrideReason string `form:"override_reason"`
}

type maintenanceMessageRequest struct {
	Status    string `form:"status"`
	Message   string `form:"message"`
	MessageKO string `form:"message_ko"`
	MessageEN string `form:"message_en"`
	Notify    string `form:"notify"`
}

// doneMaintenanceShown bounds the finished maintenance the list shows.
const doneMaintenanceShown = 20

func (s *console) maintenanceList(c echo.Context) error {
	ctx := c.Request().Context()
	v := templates.MaintenanceListView{ConsolePage: s.page(c, "Maintenance", "maintenance")}
	_, comps, err := s.Service.Components(ctx)
	if err != nil {
		return err
	}
	v.Names = namesOf(comps)
	if v.Upcoming, err = s.Service.Maintenances(ctx, status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{status.MaintScheduled}}); err != nil {
		return err
	}
	slices.SortFunc(v.Upcoming, func(a, b status.Maintenance) int { return a.ScheduledFor.Compare(b.ScheduledFor) })
	if v.Active, err = s.Service.Maintenances(ctx, status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{status.MaintInProgress, status.MaintVerifying}}); err != nil {
		return err
	}
	if v.Done, err = s.Service.Maintenances(ctx, status.MaintenanceFilter{Statuses: []status.MaintenanceStatus{status.MaintCompleted, status.MaintCancelled},
		Limit: doneMaintenanceShown}); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.MaintenanceListPage(v))
}

func (s *console) maintenanceFormView(c echo.Context) (templates.MaintenanceFormView, error) {
	v := templates.MaintenanceFormView{ConsolePage: s.page(c, "Schedule maintenance", "maintenance")}
	_, comps, err := s.Service.Components(c.Request().Context())
	v.Components = comps
	return v, err
}

func (s *console) newMaintenancePage(c echo.Context) error {
	v, err := s.maintenanceFormView(c)
	if err != nil {
		return err
	}
	v.Form = templates.MaintenanceForm{RemindBefore: "24h, 1h", Notify: true, AutoComplete: true}
	return s.render(c, http.StatusOK, templates.MaintenanceFormPage(v))
}

func (s *console) newMaintenance(c echo.Context) error {
	var req maintenanceFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	loc := s.Builder.Config().Location
	p := status.Problems{}
	title, message := pair(req.Title, req.TitleKO, req.TitleEN), pair(req.Message, req.MessageKO, req.MessageEN)
	in := status.MaintenanceInput{Title: title, Message: message, Components: req.Components,
		ScheduledFor: parseLocal(p, "scheduled_for", req.ScheduledFor, loc), ScheduledUntil: parseLocal(p, "scheduled_until", req.ScheduledUntil, loc),
		RemindBefore: parseDurationList(p, "remind_before", req.RemindBefore), Notify: checked(req.Notify), AutoComplete: checked(req.AutoComplete),
		PreChecks: strings.Split(req.PreChecks, "\n")}
	v, err := s.maintenanceFormView(c)
	if err != nil {
		return err
	}
	v.Form = templates.MaintenanceForm{Title: title, Message: message, Components: req.Components,
		ScheduledFor: req.ScheduledFor, ScheduledUntil: req.ScheduledUntil, RemindBefore: req.RemindBefore,
		Notify: in.Notify, AutoComplete: in.AutoComplete, PreChecks: req.PreChecks}
	failed := func(err error) error {
		return s.renderFailed(c, p, err, &v.Errors, &v.Problem, func(code int) error {
			return s.render(c, code, templates.MaintenanceFormPage(v))
		})
	}
	if len(p) > 0 {
		return failed(nil)
	}
	m, err := s.Service.ScheduleMaintenance(c.Request().Context(), userOp(c), in)
	if err != nil {
		return failed(err)
	}
	return redirect(c, consolePath+"/maintenances/"+url.PathEscape(m.ID), "maintenance")
}

func (s *console) maintenanceView(c echo.Context, id string) (templates.MaintenanceDetailView, error) {
	ctx := c.Request().Context()
	m, err := s.Service.Maintenance(ctx, id)
	if err != nil {
		return templates.MaintenanceDetailView{}, err
	}
	v := templates.MaintenanceDetailView{ConsolePage: s.page(c, consoleText(m.Title), "maintenance"), M: *m, ShowOverride: m.Held(),
		UpdateNotify: true, Titles: s.incidentTitles(ctx, m.HeldBy)}
	_, comps, err := s.Service.Components(ctx)
	if err != nil {
		return v, err
	}
	v.Names = namesOf(comps)
	v.Checks, err = s.Service.MaintenanceChecks(ctx, id)
	return v, err
}

// tickCheck ticks or unticks one pre-check item from the maintenance page.
func (s *console) tickCheck(c echo.Context) error {
	var req struct {
		Done string `form:"done"`
	}
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	if _, err := s.Service.TickMaintenanceCheck(c.Request().Context(), userOp(c), id, c.Param("check"), checked(req.Done)); err != nil {
		return s.maintenanceFailed(c, "checks", err, func(*templates.MaintenanceDetailView) {})
	}
	return redirect(c, consolePath+"/maintenances/"+url.PathEscape(id), "check")
}

func (s *console) maintenancePage(c echo.Context) error {
	v, err := s.maintenanceView(c, c.Param("id"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.MaintenanceDetailPage(v))
}

// maintenanceFailed re-renders the maintenance page with the failed form's input and
// problems.
func (s *console) maintenanceFailed(c echo.Context, form string, err error, fill func(*templates.MaintenanceDetailView)) error {
	fields, msg, code, ok := formError(err)
	if !ok {
		return err
	}
	v, verr := s.maintenanceView(c, c.Param("id"))
	if verr != nil {
		return verr
	}
	v.Form, v.Errors, v.Problem = form, fields, msg
	fill(&v)
	return s.render(c, code, templates.MaintenanceDetailPage(v))
}

func (s *console) startMaintenance(c echo.Context) error {
	var req maintenanceStartRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	if _, err := s.Service.StartMaintenance(c.Request().Context(), userOp(c), id, req.OverrideReason); err != nil {
		return s.maintenanceFailed(c, "start", err, func(v *templates.MaintenanceDetailView) {
			v.OverrideReason = req.OverrideReason
			// The service asks for a reason when an incident blocks the start.
			_, needs := v.Errors["override_reason"]
			v.ShowOverride = v.ShowOverride || needs || strings.TrimSpace(req.OverrideReason) != ""
		})
	}
	return redirect(c, consolePath+"/maintenances/"+url.PathEscape(id), "started")
}

func (s *console) cancelMaintenance(c echo.Context) error {
	var req maintenanceMessageRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	if _, err := s.Service.CancelMaintenance(c.Request().Context(), userOp(c), id, pair(req.Message, req.MessageKO, req.MessageEN)); err != nil {
		return s.maintenanceFailed(c, "cancel", err, func(v *templates.MaintenanceDetailView) {
			v.CancelMessage = pair(req.Message, req.MessageKO, req.MessageEN)
		})
	}
	return redirect(c, consolePath+"/maintenances/"+url.PathEscape(id), "cancelled")
}

func (s *console) maintenanceUpdate(c echo.Context) error {
	var req maintenanceMessageRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	in := status.MaintenanceUpdateInput{Status: status.MaintenanceStatus(req.Status), Message: pair(req.Message, req.MessageKO, req.MessageEN), Notify: checked(req.Notify)}
	if _, err := s.Service.PostMaintenanceUpdate(c.Request().Context(), userOp(c), id, in); err != nil {
		return s.maintenanceFailed(c, "update", err, func(v *templates.MaintenanceDetailView) {
			v.UpdateStatus, v.UpdateMessage, v.UpdateNotify = req.Status, in.Message, in.Notify
		})
	}
	return redirect(c, consolePath+"/maintenances/"+url.PathEscape(id), "mupdate")
}

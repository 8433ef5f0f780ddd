package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
	"github.com/candorstatus/candor/wording"
)

// incidentFormRequest is the new-incident form. The "action" button says whether to
// preview or post; both carry the same input.
type incidentFormRequest struct {
	Title         string `form:"title"`
	TitleKO       string `form:"title_ko"`
	TitleEN       string `form:"title_en"`
	Impact        string `form:"impact"`
	Status        string `form:"status"`
	Cause         string `form:"cause"`
	Message       string `form:"message"`
	MessageKO     string `form:"message_ko"`
	MessageEN     string `form:"message_en"`
	AnnouncedETA  string `form:"announced_eta"`
	UsersAffected string `form:"users_affected_percent"`
	Notify        string `form:"notify"`
	Template      string `form:"template"`
	Action        string `form:"action"`
}

// updateFormRequest is the post-an-update form.
type updateFormRequest struct {
	Status       string `form:"status"`
	Impact       string `form:"impact"`
	Message      string `form:"message"`
	MessageKO    string `form:"message_ko"`
	MessageEN    string `form:"message_en"`
	AnnouncedETA string `form:"announced_eta"`
	Notify       string `form:"notify"`
	Action       string `form:"action"`
}

type resolveRequest struct {
	Message   string `form:"message"`
	MessageKO string `form:"message_ko"`
	MessageEN string `form:"message_en"`
	Notify    string `form:"notify"`
}

// resolvedMessage is the resolve form's starting text, in each language.
var resolvedMessage = wording.Texts(func(l lang.Lang) string { return wording.T(l, "console.resolved") })

// resolvedPerPage is how many resolved incidents the list shows per page.
const resolvedPerPage = 20

func (s *console) incidentList(c echo.Context) error {
	ctx := c.Request().Context()
	page := 1
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		page = min(n, maxPage) // past the end: an empty page
	}
	v := templates.IncidentListView{ConsolePage: s.page(c, "Incidents", "incidents"), Page: page}
	now := s.Service.Clock().Now()
	open, _, err := s.Service.Incidents(ctx, status.IncidentFilter{Status: "open"})
	if err != nil {
		return err
	}
	for i := range open {
		v.Open = append(v.Open, s.dashIncident(&open[i], now))
	}
	resolved, total, err := s.Service.Incidents(ctx, status.IncidentFilter{Status: "resolved", Limit: resolvedPerPage,
		Offset: (page - 1) * resolvedPerPage})
	if err != nil {
		return err
	}
	v.Resolved, v.More = resolved, page*resolvedPerPage < total
	return s.render(c, http.StatusOK, templates.IncidentListPage(v))
}

// newIncidentView loads what the new-incident form offers.
func (s *console) newIncidentView(c echo.Context) (templates.NewIncidentView, error) {
	ctx := c.Request().Context()
	v := templates.NewIncidentView{ConsolePage: s.page(c, "New incident", "incidents")}
	var err error
	if v.Groups, v.Components, err = s.Service.Components(ctx); err != nil {
		return v, err
	}
	if v.Templates, err = s.Service.Templates(ctx); err != nil {
		return v, err
	}
	return v, nil
}

func (s *console) newIncidentPage(c echo.Context) error {
	v, err := s.newIncidentView(c)
	if err != nil {
		return err
	}
	v.Form = templates.IncidentForm{Status: string(status.Investigating), Notify: true, Components: map[string]string{}}
	if id := c.QueryParam("template"); id != "" {
		found := false
		for _, t := range v.Templates {
			if t.ID == id {
				found = true
				v.Form.Template, v.Form.Cause, v.Form.Impact = t.ID, string(t.Cause), string(t.Impact)
				v.Form.Title, v.Form.Message = t.Title, t.Message
			}
		}
		if !found {
			v.Problem = "That template no longer exists; start from a blank form or pick another."
		}
	}
	return s.render(c, http.StatusOK, templates.NewIncidentPage(v))
}

func (s *console) newIncident(c echo.Context) error {
	var req incidentFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	comps := statusFields(c)
	loc := s.Builder.Config().Location
	p := status.Problems{}
	title, message := pair(req.Title, req.TitleKO, req.TitleEN), pair(req.Message, req.MessageKO, req.MessageEN)
	in := status.IncidentInput{Title: title, Impact: status.Impact(req.Impact), Status: status.IncidentStatus(req.Status),
		Message: message, Components: chosenStatuses(comps), Cause: status.Cause(req.Cause), Notify: checked(req.Notify),
		AnnouncedETA:         parseLocal(p, "announced_eta", req.AnnouncedETA, loc),
		UsersAffectedPercent: parsePercent(p, "users_affected_percent", req.UsersAffected)}
	v, err := s.newIncidentView(c)
	if err != nil {
		return err
	}
	v.Form = templates.IncidentForm{Title: title, Impact: req.Impact, Status: req.Status, Cause: req.Cause,
		Message: message, AnnouncedETA: req.AnnouncedETA, UsersAffected: req.UsersAffected, Components: comps,
		Notify: in.Notify, Template: req.Template}
	op := userOp(c)

	if len(p) > 0 || req.Action == "preview" {
		inc, err := s.Service.PreviewIncident(ctx, op, in)
		if len(p) > 0 || err != nil {
			return s.incidentFormFailed(c, v, p, err)
		}
		v.Preview = s.preview(inc, true, v.Components)
		return s.render(c, http.StatusOK, templates.NewIncidentPage(v))
	}
	inc, err := s.Service.CreateIncident(ctx, op, in)
	if err != nil {
		return s.incidentFormFailed(c, v, p, err)
	}
	return redirect(c, consolePath+"/incidents/"+url.PathEscape(inc.ID), "incident")
}

// incidentFormFailed re-renders the new-incident form with the input kept and every
// problem next to its field.
func (s *console) incidentFormFailed(c echo.Context, v templates.NewIncidentView, p status.Problems, err error) error {
	return s.renderFailed(c, p, err, &v.Errors, &v.Problem, func(code int) error {
		return s.render(c, code, templates.NewIncidentPage(v))
	})
}

// incidentView loads an incident with what its page shows besides the forms.
func (s *console) incidentView(c echo.Context, id string) (templates.IncidentDetailView, error) {
	ctx := c.Request().Context()
	inc, err := s.Service.Incident(ctx, id)
	if err != nil {
		return templates.IncidentDetailView{}, err
	}
	v := templates.IncidentDetailView{ConsolePage: s.page(c, consoleText(inc.Title), "incidents"), Incident: *inc,
		Resolve: resolvedMessage}
	if _, v.Components, err = s.Service.Components(ctx); err != nil {
		return v, err
	}
	v.Names = namesOf(v.Components)
	for _, u := range inc.Updates {
		for _, ch := range u.Components {
			if _, ok := v.Names[ch.ComponentID]; !ok && !ch.Name.IsZero() {
				v.Names[ch.ComponentID] = ch.Name
			}
		}
	}
	now := s.Service.Clock().Now()
	v.ETA, v.Chance = s.Builder.ETAView(inc, now, templates.English), inc.AnnouncedChance()
	if !inc.Open() {
		pm, err := s.Service.Postmortem(ctx, id)
		if err != nil && status.ErrorCode(err) != status.ENOTFOUND {
			return v, err
		}
		v.Postmortem = pm
	}
	if v.Deliveries, err = s.Service.Deliveries(ctx, id); err != nil {
		return v, err
	}
	v.Update = templates.UpdateForm{Status: string(inc.Status), Notify: true, Components: map[string]string{}}
	return v, nil
}

func (s *console) incidentPage(c echo.Context) error {
	v, err := s.incidentView(c, c.Param("id"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.IncidentDetailPage(v))
}

func (s *console) postUpdate(c echo.Context) error {
	var req updateFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	v, err := s.incidentView(c, id)
	if err != nil {
		return err
	}
	comps := statusFields(c)
	p := status.Problems{}
	message := pair(req.Message, req.MessageKO, req.MessageEN)
	in := status.UpdateInput{Status: status.IncidentStatus(req.Status), Impact: status.Impact(req.Impact), Message: message,
		Components: chosenStatuses(comps), Notify: checked(req.Notify),
		AnnouncedETA: parseLocal(p, "announced_eta", req.AnnouncedETA, s.Builder.Config().Location)}
	v.Update = templates.UpdateForm{Status: req.Status, Impact: req.Impact, Message: message, AnnouncedETA: req.AnnouncedETA,
		Components: comps, Notify: in.Notify}
	ctx, op := c.Request().Context(), userOp(c)

	if len(p) > 0 || req.Action == "preview" {
		inc, err := s.Service.PreviewUpdate(ctx, op, id, in)
		if len(p) > 0 || err != nil {
			return s.updateFailed(c, v, p, err)
		}
		v.Preview = s.preview(inc, false, v.Components)
		return s.render(c, http.StatusOK, templates.IncidentDetailPage(v))
	}
	inc, err := s.Service.PostUpdate(ctx, op, id, in)
	if err != nil {
		return s.updateFailed(c, v, p, err)
	}
	done := "update"
	if !inc.Open() {
		done = "resolved"
	}
	return redirect(c, consolePath+"/incidents/"+url.PathEscape(id), done)
}

// updateFailed re-renders the incident page with the update form's input and problems.
func (s *console) updateFailed(c echo.Context, v templates.IncidentDetailView, p status.Problems, err error) error {
	return s.renderFailed(c, p, err, &v.Errors, &v.Problem, func(code int) error {
		return s.render(c, code, templates.IncidentDetailPage(v))
	})
}

func (s *console) resolve(c echo.Context) error {
	var req resolveRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	_, err := s.Service.PostUpdate(c.Request().Context(), userOp(c), id, status.UpdateInput{Status: status.Resolved,
		Message: pair(req.Message, req.MessageKO, req.MessageEN), Notify: checked(req.Notify)})
	if err == nil {
		return redirect(c, consolePath+"/incidents/"+url.PathEscape(id), "resolved")
	}
	fields, msg, code, ok := formError(err)
	if !ok {
		return err
	}
	v, verr := s.incidentView(c, id)
	if verr != nil {
		return verr
	}
	v.Resolve, v.ResolveErrors = pair(req.Message, req.MessageKO, req.MessageEN), fields
	if len(fields) == 0 {
		v.ResolveErrors = templates.FormErrors{"resolve": msg}
	}
	return s.render(c, code, templates.IncidentDetailPage(v))
}

// incidentTitles maps incident ids to titles, for pages that name incidents by id.
func (s *console) incidentTitles(ctx context.Context, ids []string) map[string]lang.Text {
	out := map[string]lang.Text{}
	for _, id := range ids {
		if inc, err := s.Service.Incident(ctx, id); err == nil {
			out[id] = inc.Title
		} else {
			out[id] = lang.Same(id)
		}
	}
	return out
}

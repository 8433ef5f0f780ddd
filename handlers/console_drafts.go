package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
	"github.com/candorstatus/candor/wording"
)

// Draft incidents in the console: at the top of the dashboard with their preview and a
// one-click publish, a review page to edit them first, and each component's monitoring
// settings.

// registerDrafts adds the draft and monitoring routes to the console group.
func (s *console) registerDrafts(g *echo.Group, auth, viewer, editor, admin echo.MiddlewareFunc) {
	g.GET("/drafts/:id", s.draftPage, auth, viewer)
	g.POST("/drafts/:id/publish", s.publishDraft, auth, editor)
	g.POST("/drafts/:id/dismiss", s.dismissDraft, auth, editor)
	g.POST("/components/:id/monitoring", s.saveMonitoring, auth, admin)
	g.POST("/components/:id/probes", s.createProbe, auth, admin)
	g.POST("/probes/:id/delete", s.deleteProbe, auth, admin)
}

// monitoringMessage is the pre-filled message of a confirmed "monitoring" update.
var monitoringMessage = wording.Texts(func(l lang.Lang) string { return wording.T(l, "draft.monitoring") })

// dashDrafts fills the dashboard's drafts (each previewed as it would be published now)
// and the open incidents whose signals suggest monitoring. A part that fails to load is
// reported on the page rather than hiding the rest.
func (s *console) dashDrafts(c echo.Context, v *templates.DashboardView, open []status.Incident, comps []status.Component) {
	ctx, op := c.Request().Context(), userOp(c)
	drafts, err := s.Service.Drafts(ctx)
	if err != nil {
		v.Problems = append(v.Problems, "Draft incidents could not be loaded: "+status.ErrorMessage(err))
	}
	for _, d := range drafts {
		card := templates.DraftCard{Draft: d}
		if inc, err := s.Service.PreviewPublish(ctx, op, d.ID, status.PublishInput{Notify: true}); err == nil {
			card.Preview = s.preview(inc, true, comps)
		} else {
			card.Problem = "It cannot be published as it stands: " + status.ErrorMessage(err) + " Edit it first."
		}
		v.Drafts = append(v.Drafts, card)
	}
	sigs, err := s.Service.SignalsByIncident(ctx)
	if err != nil {
		v.Problems = append(v.Problems, "Monitoring signals could not be loaded: "+status.ErrorMessage(err))
	}
	for i := range open {
		if suggested(&open[i], sigs[open[i].ID]) != nil {
			v.Suggestions = append(v.Suggestions, templates.Suggestion{Incident: open[i], Since: latestEnd(sigs[open[i].ID]),
				Message: monitoringMessage})
		}
	}
}

func latestEnd(sigs []status.Signal) time.Time {
	var t time.Time
	for _, g := range sigs {
		if g.EndedAt.After(t) {
			t = g.EndedAt
		}
	}
	return t
}

// draftView loads a draft with what its review page shows, the form pre-filled as
// publishing it as it stands would publish.
func (s *console) draftView(c echo.Context, id string) (templates.DraftPageView, error) {
	ctx := c.Request().Context()
	d, err := s.Service.DraftByID(ctx, id)
	if err != nil {
		return templates.DraftPageView{}, err
	}
	v := templates.DraftPageView{ConsolePage: s.page(c, "Draft: "+d.Title.String(), "dashboard"), Draft: *d}
	if v.Groups, v.Components, err = s.Service.Components(ctx); err != nil {
		return v, err
	}
	v.Names = namesOf(v.Components)
	v.Form = templates.IncidentForm{Title: d.Title, Message: d.Message, Impact: string(d.Impact), Status: string(d.Suggested),
		Cause: string(d.Cause), Notify: true, Components: map[string]string{}}
	for _, a := range d.Components {
		st := status.Operational // what publishing does with a component no signal holds any more
		for _, g := range d.Signals {
			if g.ComponentID == a.ComponentID && g.Active != "" {
				st = a.Status
			}
		}
		v.Form.Components[a.ComponentID] = string(st)
	}
	return v, nil
}

func (s *console) draftPage(c echo.Context) error {
	v, err := s.draftView(c, c.Param("id"))
	if err != nil {
		return err
	}
	if v.Draft.Status == status.DraftOpen {
		if inc, err := s.Service.PreviewPublish(c.Request().Context(), userOp(c), v.Draft.ID, status.PublishInput{Notify: true}); err == nil {
			v.Preview = s.preview(inc, true, v.Components)
		}
	}
	return s.render(c, http.StatusOK, templates.DraftPage(v))
}

// publishFormRequest is the draft's publish form. The dashboard's one-click form sends no
// fields but action and notify: the draft is published as previewed there. The review
// page's form says edited=true, and then its component choices count.
type publishFormRequest struct {
	Edited       string `form:"edited"`
	TitleKO      string `form:"title_ko"`
	TitleEN      string `form:"title_en"`
	MessageKO    string `form:"message_ko"`
	MessageEN    string `form:"message_en"`
	Status       string `form:"status"`
	Impact       string `form:"impact"`
	Cause        string `form:"cause"`
	AnnouncedETA string `form:"announced_eta"`
	Notify       string `form:"notify"`
	Action       string `form:"action"`
}

func (s *console) publishDraft(c echo.Context) error {
	var req publishFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	ctx, op := c.Request().Context(), userOp(c)
	p := status.Problems{}
	title, message := lang.Text{KO: req.TitleKO, EN: req.TitleEN}, lang.Text{KO: req.MessageKO, EN: req.MessageEN}
	in := status.PublishInput{Title: title, Message: message, Status: status.IncidentStatus(req.Status),
		Impact: status.Impact(req.Impact), Cause: status.Cause(req.Cause), Notify: checked(req.Notify),
		AnnouncedETA: parseLocal(p, "announced_eta", req.AnnouncedETA, s.Builder.Config().Location)}
	comps := statusFields(c)
	if checked(req.Edited) {
		in.Components = chosenStatuses(comps)
	}
	if len(p) == 0 && req.Action != "preview" {
		inc, err := s.Service.PublishDraft(ctx, op, id, in)
		if err == nil {
			return redirect(c, consolePath+"/incidents/"+url.PathEscape(inc.ID), "draft")
		}
		if _, _, _, ok := formError(err); !ok {
			return err
		}
		return s.publishFailed(c, id, req, comps, p, err)
	}
	v, err := s.draftView(c, id)
	if err != nil {
		return err
	}
	keepPublishForm(&v, req, comps)
	inc, err := s.Service.PreviewPublish(ctx, op, id, in)
	if len(p) > 0 || err != nil {
		return s.renderFailed(c, p, err, &v.Errors, &v.Problem, func(code int) error {
			return s.render(c, code, templates.DraftPage(v))
		})
	}
	v.Preview = s.preview(inc, true, v.Components)
	return s.render(c, http.StatusOK, templates.DraftPage(v))
}

// publishFailed shows the review page with the input kept and every problem next to its
// field: a failed one-click publish lands there too, so staff can fix what is wrong.
func (s *console) publishFailed(c echo.Context, id string, req publishFormRequest, comps map[string]string, p status.Problems, err error) error {
	v, verr := s.draftView(c, id)
	if verr != nil {
		return verr
	}
	if checked(req.Edited) {
		keepPublishForm(&v, req, comps)
	}
	return s.renderFailed(c, p, err, &v.Errors, &v.Problem, func(code int) error {
		return s.render(c, code, templates.DraftPage(v))
	})
}

func keepPublishForm(v *templates.DraftPageView, req publishFormRequest, comps map[string]string) {
	v.Form = templates.IncidentForm{Title: lang.Text{KO: req.TitleKO, EN: req.TitleEN}, Message: lang.Text{KO: req.MessageKO, EN: req.MessageEN},
		Impact: req.Impact, Status: req.Status, Cause: req.Cause, AnnouncedETA: req.AnnouncedETA, Components: comps,
		Notify: checked(req.Notify)}
}

func (s *console) dismissDraft(c echo.Context) error {
	if err := s.Service.DismissDraft(c.Request().Context(), userOp(c), c.Param("id")); err != nil {
		return err
	}
	return redirect(c, consolePath, "dismissed")
}

type monitoringFormRequest struct {
	TemplateID  string `form:"template_id"`
	AutoPublish string `form:"auto_publish_after"`
	Sparkline   string `form:"sparkline"`
}

// saveMonitoring stores a component's monitoring settings from its edit page.
func (s *console) saveMonitoring(c echo.Context) error {
	var req monitoringFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	p := status.Problems{}
	m := status.MonitorSettings{ComponentID: id, TemplateID: strings.TrimSpace(req.TemplateID), Sparkline: checked(req.Sparkline)}
	if v := strings.TrimSpace(req.AutoPublish); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			p.Add("auto_publish_after", "must be a whole number of minutes (0 or empty: never)")
		}
		m.AutoPublishAfter = time.Duration(n) * time.Minute
	}
	var err error
	if len(p) == 0 {
		if _, err = s.Service.SaveMonitorSettings(c.Request().Context(), userOp(c), m); err == nil {
			return redirect(c, consolePath+"/components/"+url.PathEscape(id), "monitoring")
		}
		if _, _, _, ok := formError(err); !ok {
			return err
		}
	}
	v, verr := s.componentEditView(c)
	if verr != nil {
		return verr
	}
	v.Monitoring = templates.MonitoringForm{TemplateID: m.TemplateID, AutoPublish: req.AutoPublish, Sparkline: m.Sparkline}
	var problem string
	return s.renderFailed(c, p, err, &v.MonitoringErrors, &problem, func(code int) error {
		v.MonitoringErrors["form"] = problem
		return s.render(c, code, templates.ComponentEditPage(v))
	})
}

// monitoringForm is a component's saved settings as its form shows them.
func monitoringForm(m *status.MonitorSettings) templates.MonitoringForm {
	f := templates.MonitoringForm{TemplateID: m.TemplateID, Sparkline: m.Sparkline}
	if m.AutoPublishAfter > 0 {
		f.AutoPublish = strconv.Itoa(int(m.AutoPublishAfter / time.Minute))
	}
	return f
}

package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Components and API keys: admin only.

type componentFormRequest struct {
	ID            string `form:"id"`
	Name          string `form:"name"`
	NameKO        string `form:"name_ko"`
	NameEN        string `form:"name_en"`
	Description   string `form:"description"`
	DescriptionKO string `form:"description_ko"`
	DescriptionEN string `form:"description_en"`
	Group         string `form:"group"`
	GroupKO       string `form:"group_ko"`
	GroupEN       string `form:"group_en"`
	Position      string `form:"position"`
	Status        string `form:"status"`
}

type keyFormRequest struct {
	Name  string `form:"name"`
	Scope string `form:"scope"`
}

func (r componentFormRequest) form() templates.ComponentForm {
	return templates.ComponentForm{ID: r.ID, Name: pair(r.Name, r.NameKO, r.NameEN), Description: pair(r.Description, r.DescriptionKO, r.DescriptionEN),
		Group: pair(r.Group, r.GroupKO, r.GroupEN), Position: r.Position, Status: r.Status}
}

// position reads an optional position; nil keeps the default (last, or unchanged).
func (r componentFormRequest) position(p status.Problems) *int {
	v := strings.TrimSpace(r.Position)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.Add("position", "must be a whole number")
		return nil
	}
	return &n
}

func (s *console) componentsView(c echo.Context) (templates.ComponentsView, error) {
	v := templates.ComponentsView{ConsolePage: s.page(c, "Components", "components"), Groups: map[string]lang.Text{}}
	groups, comps, err := s.Service.Components(c.Request().Context())
	for _, g := range groups {
		v.Groups[g.ID] = g.Name
	}
	v.Components = comps
	return v, err
}

func (s *console) componentsPage(c echo.Context) error {
	v, err := s.componentsView(c)
	if err != nil {
		return err
	}
	v.Form.Status = string(status.Operational)
	return s.render(c, http.StatusOK, templates.ComponentsPage(v))
}

func (s *console) createComponent(c echo.Context) error {
	var req componentFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	p := status.Problems{}
	f := req.form()
	in := status.ComponentInput{ID: strings.TrimSpace(req.ID), Name: f.Name, Description: f.Description, Group: f.Group,
		Position: req.position(p), Status: status.ComponentStatus(req.Status)}
	var err error
	if len(p) == 0 {
		_, err = s.Service.CreateComponent(c.Request().Context(), userOp(c), in)
		if err == nil {
			return redirect(c, consolePath+"/components", "component")
		}
	}
	v, verr := s.componentsView(c)
	if verr != nil {
		return verr
	}
	v.Form = req.form()
	return s.renderFailed(c, p, err, &v.Errors, &v.Problem, func(code int) error {
		return s.render(c, code, templates.ComponentsPage(v))
	})
}

// renderFailed fills a form's problems from the problems found reading it and the
// service's error, then renders the form with the right status.
func (s *console) renderFailed(c echo.Context, p status.Problems, err error, errs *templates.FormErrors, problem *string, render func(int) error) error {
	code, msg := http.StatusUnprocessableEntity, "Please correct the marked fields."
	if err != nil {
		var ok bool
		if _, msg, code, ok = formError(err); !ok {
			return err
		}
		if code >= 500 {
			s.Log.ErrorContext(c.Request().Context(), "console request failed", "err", err, "path", c.Request().URL.Path,
				"id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
	}
	*errs, *problem = mergeProblems(p, err), msg
	return render(code)
}

func (s *console) componentEditView(c echo.Context) (templates.ComponentEditView, error) {
	ctx := c.Request().Context()
	comp, err := s.Service.Component(ctx, c.Param("id"))
	if err != nil {
		return templates.ComponentEditView{}, err
	}
	v := templates.ComponentEditView{ConsolePage: s.page(c, consoleText(comp.Name), "components"), Component: *comp}
	groups, _, err := s.Service.Components(ctx)
	var group lang.Text
	for _, g := range groups {
		if g.ID == comp.GroupID {
			group = g.Name
		}
	}
	v.Form = templates.ComponentForm{ID: comp.ID, Name: comp.Name, Description: comp.Description, Group: group,
		Position: strconv.Itoa(comp.Position), Status: string(comp.Status)}
	if err != nil {
		return v, err
	}
	m, err := s.Service.MonitorSettings(ctx, comp.ID)
	if err != nil {
		return v, err
	}
	v.Monitoring = monitoringForm(m)
	if v.Templates, err = s.Service.Templates(ctx); err != nil {
		return v, err
	}
	return v, s.probesView(c, &v)
}

func (s *console) componentPage(c echo.Context) error {
	v, err := s.componentEditView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.ComponentEditPage(v))
}

func (s *console) updateComponent(c echo.Context) error {
	var req componentFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	p := status.Problems{}
	st := status.ComponentStatus(req.Status)
	f := req.form()
	patch := status.ComponentPatch{Name: &f.Name, Description: &f.Description, Group: &f.Group,
		Position: req.position(p), Status: &st}
	var err error
	if len(p) == 0 {
		if _, err = s.Service.UpdateComponent(c.Request().Context(), userOp(c), c.Param("id"), patch); err == nil {
			return redirect(c, consolePath+"/components", "component")
		}
	}
	v, verr := s.componentEditView(c)
	if verr != nil {
		return verr
	}
	req.ID = v.Component.ID
	v.Form = req.form()
	return s.renderFailed(c, p, err, &v.Errors, &v.Problem, func(code int) error {
		return s.render(c, code, templates.ComponentEditPage(v))
	})
}

func (s *console) deleteComponent(c echo.Context) error {
	err := s.Service.DeleteComponent(c.Request().Context(), userOp(c), c.Param("id"))
	if err == nil {
		return redirect(c, consolePath+"/components", "deleted")
	}
	fields, msg, code, ok := formError(err)
	if !ok {
		return err
	}
	v, verr := s.componentEditView(c)
	if verr != nil {
		return verr
	}
	v.Errors, v.Problem = fields, msg
	return s.render(c, code, templates.ComponentEditPage(v))
}

func (s *console) keysView(c echo.Context) (templates.KeysView, error) {
	v := templates.KeysView{ConsolePage: s.page(c, "API keys", "keys"), Scope: string(status.ScopeWrite)}
	var err error
	v.Keys, err = s.Service.APIKeys(c.Request().Context())
	return v, err
}

func (s *console) keysPage(c echo.Context) error {
	v, err := s.keysView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.KeysPage(v))
}

// createKey shows the new key's secret once, on the page answering the post: only its hash
// is stored, so it cannot be shown again.
func (s *console) createKey(c echo.Context) error {
	var req keyFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	secret, k, err := s.Service.CreateAPIKey(c.Request().Context(), userOp(c), req.Name, status.Scope(req.Scope))
	v, verr := s.keysView(c)
	if verr != nil {
		return verr
	}
	if err != nil {
		v.Name, v.Scope = req.Name, req.Scope
		return s.renderFailed(c, nil, err, &v.Errors, &v.Problem, func(code int) error {
			return s.render(c, code, templates.KeysPage(v))
		})
	}
	v.Secret, v.Created = secret, k.Name
	return s.render(c, http.StatusOK, templates.KeysPage(v))
}

func (s *console) revokeKey(c echo.Context) error {
	name, err := pathParam(c, "name")
	if err != nil {
		return echo.ErrNotFound
	}
	if err := s.Service.RevokeAPIKey(c.Request().Context(), userOp(c), name); err != nil {
		return err
	}
	return redirect(c, consolePath+"/keys", "revoked")
}

package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Users, incident templates and the audit log: admin only.

type userFormRequest struct {
	Name     string `form:"name"`
	Role     string `form:"role"`
	Password string `form:"password"`
}

// userActionRequest is one of a user row's forms: change role, disable/enable, or set a
// new password; do says which.
type userActionRequest struct {
	Do       string `form:"do"`
	Role     string `form:"role"`
	Password string `form:"password"`
}

type templateFormRequest struct {
	Name      string `form:"name"`
	Cause     string `form:"cause"`
	Impact    string `form:"impact"`
	Title     string `form:"title"`
	TitleKO   string `form:"title_ko"`
	TitleEN   string `form:"title_en"`
	Message   string `form:"message"`
	MessageKO string `form:"message_ko"`
	MessageEN string `form:"message_en"`
}

// auditPerPage is how many audit entries a page shows.
const auditPerPage = 50

func (s *console) usersView(c echo.Context) (templates.UsersView, error) {
	v := templates.UsersView{ConsolePage: s.page(c, "Users", "users"), Role: string(status.RoleEditor)}
	var err error
	v.Users, err = s.Service.Users(c.Request().Context())
	return v, err
}

func (s *console) usersPage(c echo.Context) error {
	v, err := s.usersView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.UsersPage(v))
}

func (s *console) createUser(c echo.Context) error {
	var req userFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	_, err := s.Service.CreateUser(c.Request().Context(), userOp(c), req.Name, status.Role(req.Role), req.Password)
	if err == nil {
		return redirect(c, consolePath+"/users", "user")
	}
	v, verr := s.usersView(c)
	if verr != nil {
		return verr
	}
	v.Name, v.Role = req.Name, req.Role // never echo the password back
	return s.renderFailed(c, nil, err, &v.Errors, &v.Problem, func(code int) error {
		return s.render(c, code, templates.UsersPage(v))
	})
}

func (s *console) updateUser(c echo.Context) error {
	var req userActionRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	var patch status.UserPatch
	switch req.Do {
	case "role":
		r := status.Role(req.Role)
		patch.Role = &r
	case "disable", "enable":
		d := req.Do == "disable"
		patch.Disabled = &d
	case "password":
		patch.Password = &req.Password
	default:
		return badRequest("Unknown user action.")
	}
	// Admins cannot lock themselves out: another admin has to demote or disable them.
	if me := consoleUser(c); me != nil && me.ID == id && (patch.Disabled != nil && *patch.Disabled ||
		patch.Role != nil && *patch.Role != status.RoleAdmin) {
		return s.userRowFailed(c, id, &status.Error{Code: status.ECONFLICT,
			Message: "You cannot disable or demote your own account; ask another admin."})
	}
	if _, err := s.Service.UpdateUser(c.Request().Context(), userOp(c), id, patch); err != nil {
		return s.userRowFailed(c, id, err)
	}
	return redirect(c, consolePath+"/users", "user")
}

func (s *console) userRowFailed(c echo.Context, id string, err error) error {
	fields, msg, code, ok := formError(err)
	if !ok {
		return err
	}
	v, verr := s.usersView(c)
	if verr != nil {
		return verr
	}
	v.RowID, v.RowError = id, fields
	if len(v.RowError) == 0 {
		v.RowError = templates.FormErrors{"user": msg}
	}
	return s.render(c, code, templates.UsersPage(v))
}

func (s *console) templatesPage(c echo.Context) error {
	ts, err := s.Service.Templates(c.Request().Context())
	if err != nil {
		return err
	}
	v := templates.TemplatesView{ConsolePage: s.page(c, "Incident templates", "templates"), Templates: ts}
	return s.render(c, http.StatusOK, templates.TemplatesPage(v))
}

func (s *console) templateNewPage(c echo.Context) error {
	v := templates.TemplateFormView{ConsolePage: s.page(c, "New template", "templates"),
		Form: templates.TemplateForm{Cause: string(status.CauseOther)}}
	return s.render(c, http.StatusOK, templates.TemplateFormPage(v))
}

func (s *console) findTemplate(c echo.Context, id string) (*status.Template, error) {
	ts, err := s.Service.Templates(c.Request().Context())
	if err != nil {
		return nil, err
	}
	for i := range ts {
		if ts[i].ID == id {
			return &ts[i], nil
		}
	}
	return nil, status.Errorf(status.ENOTFOUND, "Template %s not found.", id)
}

func (s *console) templateEditPage(c echo.Context) error {
	t, err := s.findTemplate(c, c.Param("id"))
	if err != nil {
		return err
	}
	v := templates.TemplateFormView{ConsolePage: s.page(c, t.Name, "templates"), Form: templates.TemplateForm{ID: t.ID,
		Name: t.Name, Cause: string(t.Cause), Impact: string(t.Impact), Title: t.Title,
		Message: t.Message}}
	return s.render(c, http.StatusOK, templates.TemplateFormPage(v))
}

// saveTemplate creates (/templates/new) or replaces (/templates/:id) a template.
func (s *console) saveTemplate(c echo.Context) error {
	var req templateFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	if id != "" {
		if _, err := s.findTemplate(c, id); err != nil {
			return err
		}
	}
	t := status.Template{ID: id, Name: req.Name, Cause: status.Cause(req.Cause), Impact: status.Impact(req.Impact),
		Title: pair(req.Title, req.TitleKO, req.TitleEN), Message: pair(req.Message, req.MessageKO, req.MessageEN)}
	_, err := s.Service.SaveTemplate(c.Request().Context(), userOp(c), t)
	if err == nil {
		return redirect(c, consolePath+"/templates", "template")
	}
	v := templates.TemplateFormView{ConsolePage: s.page(c, "Template", "templates"), Form: templates.TemplateForm{ID: id,
		Name: req.Name, Cause: req.Cause, Impact: req.Impact, Title: pair(req.Title, req.TitleKO, req.TitleEN),
		Message: pair(req.Message, req.MessageKO, req.MessageEN)}}
	return s.renderFailed(c, nil, err, &v.Errors, &v.Problem, func(code int) error {
		return s.render(c, code, templates.TemplateFormPage(v))
	})
}

func (s *console) deleteTemplate(c echo.Context) error {
	if err := s.Service.DeleteTemplate(c.Request().Context(), userOp(c), c.Param("id")); err != nil {
		return err
	}
	return redirect(c, consolePath+"/templates", "deleted")
}

// auditPage pages back through the audit log by id, newest first.
func (s *console) auditPage(c echo.Context) error {
	var before int64
	if b := c.QueryParam("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return echo.ErrNotFound
		}
		before = n
	}
	es, err := s.Service.Audit(c.Request().Context(), auditPerPage+1, before)
	if err != nil {
		return err
	}
	v := templates.AuditView{ConsolePage: s.page(c, "Audit log", "audit"), First: before == 0}
	if len(es) > auditPerPage {
		es = es[:auditPerPage]
		v.Older = es[len(es)-1].ID
	}
	v.Entries = es
	return s.render(c, http.StatusOK, templates.AuditPage(v))
}

package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// The staff console under /admin: server-rendered pages and plain HTML forms, usable without
// JavaScript. Every change goes through status.Service with the signed-in user as the actor,
// so the audit log and timelines name who did what and from where.

const (
	sessionCookie = "candor_session"
	// loginCookie carries the sign-in form's CSRF token (double submit): there is no session
	// yet to hold one, and without it another site could sign a browser into its own account.
	loginCookie = "candor_login"
	csrfField   = "csrf"
	csrfHeader  = "X-CSRF-Token"
	consolePath = "/admin"

	ctxUser    = "candor.user"
	ctxSession = "candor.session"
	ctxSecret  = "candor.session.secret"
)

// console holds what only the console needs, next to the shared server.
type console struct {
	*server
	logins   *loginLimiter // attempts per client address
	accounts *loginLimiter // failures per user name
}

var errCSRF = &apiError{status: http.StatusForbidden, code: "csrf",
	msg: "This form has expired or did not come from this console. Go back, reload the page and try again."}

// registerConsole adds the /admin routes. Reading needs any role; posting incidents,
// updates, maintenance and postmortems needs editor; managing components, keys, users and
// templates and reading the audit log needs admin.
func (s *server) registerConsole(e *echo.Echo) {
	cs := &console{server: s, logins: newLoginLimiter(loginAttempts, loginWindow),
		accounts: newLoginLimiter(0, accountWindow)}
	g := e.Group(consolePath, cs.frame, s.limitBody)
	g.GET("/login", cs.loginPage)
	g.POST("/login", cs.login)

	// Signed-in pages have the staff API's deadline; signing in does not: a password
	// spray may slow it by seconds (see console_auth.go).
	auth := func(next echo.HandlerFunc) echo.HandlerFunc { return withTimeout(cs.auth(next)) }
	viewer, editor, admin := cs.requireRole(status.RoleViewer), cs.requireRole(status.RoleEditor), cs.requireRole(status.RoleAdmin)
	g.POST("/logout", cs.logout, auth)
	g.GET("", cs.dashboard, auth, viewer)
	g.GET("/", cs.dashboard, auth, viewer)

	g.GET("/incidents", cs.incidentList, auth, viewer)
	g.GET("/incidents/new", cs.newIncidentPage, auth, editor)
	g.POST("/incidents/new", cs.newIncident, auth, editor)
	g.GET("/incidents/:id", cs.incidentPage, auth, viewer)
	g.POST("/incidents/:id/updates", cs.postUpdate, auth, editor)
	g.POST("/incidents/:id/resolve", cs.resolve, auth, editor)
	g.GET("/incidents/:id/postmortem", cs.postmortemPage, auth, viewer)
	g.POST("/incidents/:id/postmortem", cs.savePostmortem, auth, editor)

	g.GET("/maintenances", cs.maintenanceList, auth, viewer)
	g.GET("/maintenances/new", cs.newMaintenancePage, auth, editor)
	g.POST("/maintenances/new", cs.newMaintenance, auth, editor)
	g.GET("/maintenances/:id", cs.maintenancePage, auth, viewer)
	g.POST("/maintenances/:id/start", cs.startMaintenance, auth, editor)
	g.POST("/maintenances/:id/cancel", cs.cancelMaintenance, auth, editor)
	g.POST("/maintenances/:id/updates", cs.maintenanceUpdate, auth, editor)
	g.POST("/maintenances/:id/checks/:check", cs.tickCheck, auth, editor)

	g.GET("/components", cs.componentsPage, auth, admin)
	g.POST("/components", cs.createComponent, auth, admin)
	g.GET("/components/:id", cs.componentPage, auth, admin)
	g.POST("/components/:id", cs.updateComponent, auth, admin)
	g.POST("/components/:id/delete", cs.deleteComponent, auth, admin)

	g.GET("/subscribers", cs.subscribersPage, auth, admin)
	g.POST("/subscribers/:id/remove", cs.removeSubscriber, auth, admin)
	g.POST("/subscribers", cs.addSubscriber, auth, admin)
	g.POST("/subscribers/import", cs.importSubscribers, auth, admin)
	g.GET("/keys", cs.keysPage, auth, admin)
	g.POST("/keys", cs.createKey, auth, admin)
	g.POST("/keys/:name/revoke", cs.revokeKey, auth, admin)

	g.GET("/users", cs.usersPage, auth, admin)
	g.POST("/users", cs.createUser, auth, admin)
	g.POST("/users/:id", cs.updateUser, auth, admin)

	g.GET("/templates", cs.templatesPage, auth, admin)
	g.GET("/templates/new", cs.templateNewPage, auth, admin)
	g.POST("/templates/new", cs.saveTemplate, auth, admin)
	g.GET("/templates/:id", cs.templateEditPage, auth, admin)
	g.POST("/templates/:id", cs.saveTemplate, auth, admin)
	g.POST("/templates/:id/delete", cs.deleteTemplate, auth, admin)

	g.GET("/audit", cs.auditPage, auth, admin)
	cs.registerWebhooks(g, auth, admin)
	cs.registerDrafts(g, auth, viewer, editor, admin)
}

// frame makes every console response uncacheable (pages show private, changing data) and
// turns errors into console pages rather than the public error page.
func (s *console) frame(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex")
		h.Set("X-Frame-Options", "DENY") // CSP frame-ancestors covers current browsers
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		return s.errorPage(c, err)
	}
}

// auth requires a live session and, on every state-changing request, its CSRF token.
func (s *console) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret := ""
		if ck, err := c.Cookie(sessionCookie); err == nil {
			secret = ck.Value
		}
		u, sess, err := s.Service.SessionUser(c.Request().Context(), secret)
		if status.ErrorCode(err) == status.EUNAUTHORIZED {
			if secret != "" {
				s.setCookie(c, sessionCookie, "", -1)
			}
			next := consolePath
			if c.Request().Method == http.MethodGet {
				next = c.Request().URL.RequestURI()
			}
			return c.Redirect(http.StatusSeeOther, consolePath+"/login?next="+url.QueryEscape(next))
		} else if err != nil {
			return fmt.Errorf("look up session: %w", err)
		}
		c.Set(ctxUser, u)
		c.Set(ctxSession, sess)
		c.Set(ctxSecret, secret)
		if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead && !sess.CheckCSRF(csrfToken(c)) {
			return errCSRF
		}
		return next(c)
	}
}

// csrfToken is the CSRF token a state-changing request carries: the X-CSRF-Token header or
// the form body's csrf field, never the URL's query, which leaks into logs, Referer
// headers and browser history (and echo's FormValue would read it there too).
func csrfToken(c echo.Context) string {
	if v := c.Request().Header.Get(csrfHeader); v != "" {
		return v
	}
	return c.Request().PostFormValue(csrfField)
}

// requireRole refuses users whose role does not allow need, with a page that says why.
func (s *console) requireRole(need status.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := consoleUser(c)
			if u == nil || !u.Role.Allows(need) {
				role := "no role"
				if u != nil {
					role = "the " + string(u.Role) + " role"
				}
				return &apiError{status: http.StatusForbidden, code: "forbidden",
					msg: fmt.Sprintf("You are signed in with %s; this needs %s. Ask an admin if you need more access.", role, need)}
			}
			return next(c)
		}
	}
}

func consoleUser(c echo.Context) *status.User {
	u, _ := c.Get(ctxUser).(*status.User)
	return u
}

func consoleSession(c echo.Context) *status.Session {
	sess, _ := c.Get(ctxSession).(*status.Session)
	return sess
}

// userOp is the signed-in user as the actor of a change, with the client's address for the
// audit log.
func userOp(c echo.Context) status.Op {
	a := status.Actor{Kind: status.ActorUser, Addr: c.RealIP()}
	if u := consoleUser(c); u != nil {
		a.Name = u.Name
	}
	return status.Op{Actor: a}
}

// page is the frame of a console page for the current request.
func (s *console) page(c echo.Context, title, section string) templates.ConsolePage {
	cfg := s.Builder.Config()
	p := templates.ConsolePage{Title: title, PageName: consoleText(cfg.PageName), Section: section, User: consoleUser(c),
		Location: cfg.Location, Now: s.Service.Clock().Now(), Flash: flashes[c.QueryParam("done")]}
	if sess := consoleSession(c); sess != nil {
		p.CSRF = sess.CSRFToken
	}
	if s.Assets != nil {
		p.CSSURL, p.ConsoleCSSURL = s.Assets.URL("app.css"), s.Assets.URL("console.css")
	}
	return p
}

// flashes are the confirmations a redirect after a successful post may show; a fixed list,
// so a link cannot make the console display arbitrary text.
var flashes = map[string]string{
	"incident":         "Incident posted.",
	"update":           "Update posted.",
	"resolved":         "Incident resolved.",
	"postmortem":       "Postmortem saved.",
	"published":        "Postmortem saved and published.",
	"maintenance":      "Maintenance scheduled.",
	"started":          "Maintenance started.",
	"cancelled":        "Maintenance cancelled.",
	"mupdate":          "Maintenance update posted.",
	"component":        "Component saved.",
	"deleted":          "Deleted.",
	"revoked":          "API key revoked.",
	"subscriber":       "Subscriber added.",
	"removed":          "Subscriber removed.",
	"webhook-test":     "Test event queued; its delivery shows below.",
	"webhook-enabled":  "Webhook enabled.",
	"webhook-disabled": "Webhook disabled; what was pending for it is not sent.",
	"webhook-deleted":  "Webhook deleted.",
	"user":             "User saved.",
	"template":         "Template saved.",
	"draft":            "Draft published: it is public now.",
	"dismissed":        "Draft dismissed.",
	"monitoring":       "Monitoring settings saved.",
	"probe":            "Probe added: its first check comes within its interval.",
	"check":            "Pre-check saved.",
}

// render writes a console page; rendering into a buffer first means a template failure
// still becomes an error page instead of half a page.
func (s *console) render(c echo.Context, code int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return fmt.Errorf("render console page %s: %w", c.Path(), err)
	}
	return c.HTMLBlob(code, buf.Bytes())
}

// redirect answers a successful post with See Other, so reloading the next page does not
// post again.
func redirect(c echo.Context, path, done string) error {
	if done != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + done
	}
	return c.Redirect(http.StatusSeeOther, path)
}

// formError splits a service error into what a form shows: problems next to fields, a
// message for the whole form, and the status code. ok is false for errors a form cannot
// help with (not found, internal), which become error pages.
func formError(err error) (fields templates.FormErrors, msg string, code int, ok bool) {
	var ae *apiError
	if errors.As(err, &ae) && ae.status < 500 {
		return ae.fields, ae.msg, ae.status, true
	}
	switch status.ErrorCode(err) {
	case status.EINVALID:
		fields = status.ErrorFields(err)
		msg = status.ErrorMessage(err)
		if len(fields) > 0 {
			msg = "Please correct the marked fields."
		}
		return fields, msg, http.StatusUnprocessableEntity, true
	case status.ECONFLICT:
		return status.ErrorFields(err), status.ErrorMessage(err), http.StatusConflict, true
	case status.EUNAVAILABLE:
		// The store could not take the write (a full disk, a failover, a stall): the form
		// comes back with what was typed, rather than an error page that loses an incident
		// message written during an outage — the moment the console is for.
		return nil, status.ErrorMessage(err) + " Nothing was saved; what you typed is kept below: post it again in a moment.",
			http.StatusServiceUnavailable, true
	}
	return nil, "", 0, false
}

// errorPage renders err as a friendly console page.
func (s *console) errorPage(c echo.Context, err error) error {
	code, _, msg, _ := classify(err)
	req := c.Request()
	if code >= 500 {
		s.Log.ErrorContext(req.Context(), "console request failed", "err", err, "path", req.URL.Path,
			"id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if code == http.StatusUnauthorized {
		return c.Redirect(http.StatusSeeOther, consolePath+"/login")
	}
	if consoleUser(c) == nil && code != http.StatusServiceUnavailable {
		// Unknown paths skip auth; show the navigation anyway when a session exists. Not
		// when the store is what failed: asking it again, without the request's deadline
		// (withTimeout has ended), held a page during a stall for the store's own deadline
		// on top of the request's. And never longer than a moment: this is decoration.
		if ck, cerr := c.Cookie(sessionCookie); cerr == nil {
			ctx, cancel := context.WithTimeout(req.Context(), time.Second)
			u, sess, serr := s.Service.SessionUser(ctx, ck.Value)
			cancel()
			if serr == nil {
				c.Set(ctxUser, u)
				c.Set(ctxSession, sess)
			}
		}
	}
	heading := "Something went wrong"
	switch code {
	case http.StatusForbidden:
		heading = "Not allowed"
	case http.StatusNotFound:
		heading, msg = "Not found", "There is nothing at this address in the console. It may have been deleted, or the link is wrong."
	case http.StatusConflict:
		heading = "That cannot be done now"
	case http.StatusTooManyRequests:
		heading = "Too many requests"
	case http.StatusServiceUnavailable:
		heading = "Temporarily unavailable"
	default:
		if code >= 500 {
			msg = "The console could not finish this request. It has been logged; please try again in a moment."
		} else if code >= 400 {
			heading = http.StatusText(code)
		}
	}
	v := templates.ConsoleErrorView{ConsolePage: s.page(c, heading, ""), Code: code, Heading: heading, Message: msg}
	if req.Method == http.MethodHead {
		return c.NoContent(code)
	}
	return s.render(c, code, templates.ConsoleErrorPage(v))
}

// consoleText is a staff text as the English-first console shows it: English, else Korean.
func consoleText(t lang.Text) string {
	s, _ := t.Pick(lang.English, lang.Korean)
	return s
}

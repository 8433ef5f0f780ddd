package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Webhooks in the console: admin only, like API keys (URLs and secrets are credentials).

func (s *console) registerWebhooks(g *echo.Group, auth, admin echo.MiddlewareFunc) {
	g.GET("/webhooks", s.webhooksPage, auth, admin)
	g.POST("/webhooks", s.createWebhook, auth, admin)
	g.GET("/webhooks/:id", s.webhookPage, auth, admin)
	g.POST("/webhooks/:id/test", s.testWebhook, auth, admin)
	g.POST("/webhooks/:id/enable", s.enableWebhook(true), auth, admin)
	g.POST("/webhooks/:id/disable", s.enableWebhook(false), auth, admin)
	g.POST("/webhooks/:id/rotate", s.rotateWebhook, auth, admin)
	g.POST("/webhooks/:id/delete", s.deleteWebhook, auth, admin)
}

type webhookFormRequest struct {
	URL          string   `form:"url"`
	Description  string   `form:"description"`
	ContactEmail string   `form:"contact_email"`
	Components   string   `form:"components"`
	Events       []string `form:"events"`
	Lang         string   `form:"lang"`
	Format       string   `form:"format"`
}

func (s *console) webhooksView(c echo.Context) (templates.WebhooksView, error) {
	v := templates.WebhooksView{ConsolePage: s.page(c, "Webhooks", "webhooks"),
		Form: templates.WebhookForm{Components: "*", Lang: "ko", Format: "statuspage"}}
	for _, ev := range status.WebhookEvents {
		v.Form.Events = append(v.Form.Events, string(ev))
	}
	var err error
	v.Hooks, err = s.Service.Webhooks(c.Request().Context())
	return v, err
}

func (s *console) webhooksPage(c echo.Context) error {
	v, err := s.webhooksView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.WebhooksPage(v))
}

// createWebhook shows the new endpoint's secret once, on the page answering the post.
func (s *console) createWebhook(c echo.Context) error {
	var req webhookFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	var comps []string
	for _, id := range strings.Split(req.Components, ",") {
		if id = strings.TrimSpace(id); id != "" {
			comps = append(comps, id)
		}
	}
	if comps == nil {
		comps = []string{}
	}
	events := make([]status.WebhookEvent, len(req.Events))
	for i, e := range req.Events {
		events[i] = status.WebhookEvent(e)
	}
	format := status.WebhookFormat(req.Format)
	in := status.WebhookInput{URL: &req.URL, Description: &req.Description, Components: comps, Events: events,
		Lang: &req.Lang, Format: &format, ContactEmail: &req.ContactEmail}
	e, err := s.Service.CreateWebhook(c.Request().Context(), userOp(c), in)
	v, verr := s.webhooksView(c)
	if verr != nil {
		return verr
	}
	if err != nil {
		v.Form = templates.WebhookForm{URL: req.URL, Description: req.Description, ContactEmail: req.ContactEmail, Components: req.Components,
			Lang: req.Lang, Format: req.Format, Events: req.Events}
		return s.renderFailed(c, nil, err, &v.Errors, &v.Problem, func(code int) error {
			return s.render(c, code, templates.WebhooksPage(v))
		})
	}
	v.Secret, v.Created = e.Secret, e.ID
	return s.render(c, http.StatusOK, templates.WebhooksPage(v))
}

func (s *console) webhookView(c echo.Context) (templates.WebhookView, error) {
	ctx := c.Request().Context()
	h, err := s.Service.Webhook(ctx, c.Param("id"))
	if err != nil {
		return templates.WebhookView{}, err
	}
	v := templates.WebhookView{ConsolePage: s.page(c, "Webhook", "webhooks"), Hook: *h}
	v.Deliveries, err = s.Service.WebhookDeliveries(ctx, h.ID, 50)
	return v, err
}

func (s *console) webhookPage(c echo.Context) error {
	v, err := s.webhookView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.WebhookPage(v))
}

func (s *console) testWebhook(c echo.Context) error {
	if _, err := s.Service.SendTestWebhook(c.Request().Context(), userOp(c), c.Param("id")); err != nil {
		return err
	}
	return redirect(c, consolePath+"/webhooks/"+c.Param("id"), "webhook-test")
}

func (s *console) enableWebhook(on bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := s.Service.UpdateWebhook(c.Request().Context(), userOp(c), c.Param("id"), status.WebhookInput{Enabled: &on}); err != nil {
			return err
		}
		done := "webhook-disabled"
		if on {
			done = "webhook-enabled"
		}
		return redirect(c, consolePath+"/webhooks", done)
	}
}

// rotateWebhook shows the new secret once, on the page answering the post.
func (s *console) rotateWebhook(c echo.Context) error {
	h, err := s.Service.RotateWebhookSecret(c.Request().Context(), userOp(c), c.Param("id"))
	if err != nil {
		return err
	}
	v, err := s.webhookView(c)
	if err != nil {
		return err
	}
	v.Secret = h.Secret
	return s.render(c, http.StatusOK, templates.WebhookPage(v))
}

func (s *console) deleteWebhook(c echo.Context) error {
	if err := s.Service.DeleteWebhook(c.Request().Context(), userOp(c), c.Param("id")); err != nil {
		return err
	}
	return redirect(c, consolePath+"/webhooks", "webhook-deleted")
}

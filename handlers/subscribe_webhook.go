package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Webhooks the public subscribes from the status page (offered only while mail is
// configured: the contact confirms by email). The confirmation and removal pages stay
// served either way, so links already mailed keep working.

func (s *server) registerWebhookSubscribe(e *echo.Echo, limit echo.MiddlewareFunc) {
	if s.PublicWebhooks {
		e.GET("/subscribe/webhook", s.webhookSubscribePage, withTimeout)
		// The URL is resolved (the request-forgery guard) before anything is stored: give it
		// the store's timeout and the same client budget as the email form.
		e.POST("/subscribe/webhook", s.subscribeWebhook, s.limitBody, limit, withTimeout)
	}
	e.GET("/subscribe/webhook/confirm", s.webhookConfirmPage)
	e.POST("/subscribe/webhook/confirm", s.confirmWebhook, s.limitBody, withTimeout)
	e.GET("/subscribe/webhook/remove", s.webhookRemovePage, withTimeout)
	e.POST("/subscribe/webhook/remove", s.removeWebhook, s.limitBody, withTimeout)
	e.POST("/subscribe/webhook/enable", s.enableWebhook, s.limitBody, withTimeout)
}

func (s *server) webhookSubscribePage(c echo.Context) error {
	opts, err := s.options(c, nil)
	if err != nil {
		return err
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "webhook-form", Options: opts})
}

func (s *server) subscribeWebhook(c echo.Context) error {
	form, _ := c.FormParams()
	in := status.PublicWebhookInput{URL: c.FormValue("url"), ContactEmail: c.FormValue("email"), Lang: string(s.lang(c)),
		Format: status.WebhookFormat(c.FormValue("format")), Components: form["components"]}
	_, err := s.Service.SubscribeWebhook(c.Request().Context(), in)
	if err == nil {
		// The same answer whether a confirmation went out or the contact had one this hour.
		return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "webhook-sent"})
	}
	if status.ErrorCode(err) != status.EINVALID {
		return err
	}
	// Refused: the same form again with what was wrong and everything as it was typed.
	l := s.lang(c)
	v := templates.SubscriptionView{Kind: "webhook-form", URL: in.URL, Email: in.ContactEmail, Format: string(in.Format)}
	fields := status.ErrorFields(err)
	chosen := in.Components
	switch {
	case fields["url"] != "":
		// The refusal's own detail is the staff API's, written in English: an English page
		// shows it; a Korean page says the rules in Korean instead of mixing languages.
		detail := status.ErrorMessage(err)
		if l != templates.English {
			detail = templates.T(l, "sub.webhook.error.url.rules")
		}
		v.Error, v.ErrorField = templates.T(l, "sub.webhook.error.url")+" "+detail, "url"
	case fields["components"] != "":
		v.Error, v.ErrorField, chosen = templates.T(l, "sub.error.components"), "components", nil
	case fields["format"] != "":
		v.Error, v.ErrorField = templates.T(l, "sub.webhook.error.format"), "format"
	default:
		v.Error, v.ErrorField = templates.T(l, "sub.error.email"), "email"
	}
	opts, oerr := s.options(c, chosen)
	if oerr != nil {
		return oerr
	}
	v.Options = opts
	return s.subscriptionPage(c, http.StatusBadRequest, v)
}

func (s *server) webhookConfirmPage(c echo.Context) error {
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "webhook-confirm", Token: token(c)})
}

// confirmWebhook enables the endpoint and shows its signing secret, this once.
func (s *server) confirmWebhook(c echo.Context) error {
	e, err := s.Service.ConfirmWebhook(c.Request().Context(), token(c))
	if err != nil {
		return s.linkError(c, err)
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "webhook-confirmed", Secret: e.Secret})
}

// removeLink reads a removal link's endpoint id and token, from the form or the URL (an
// RFC 8058 style POST carries them in the URL).
func removeLink(c echo.Context) (id, tok string) {
	id = c.FormValue("id")
	if id == "" {
		id = c.QueryParam("id")
	}
	return id, token(c)
}

func (s *server) webhookRemovePage(c echo.Context) error {
	id, tok := removeLink(c)
	e, err := s.Service.WebhookByRemoveLink(c.Request().Context(), id, tok)
	if err != nil {
		return s.linkError(c, err)
	}
	return s.subscriptionPage(c, http.StatusOK, webhookManageView(e, id, tok))
}

// webhookManageView is the removal page of endpoint e, which also turns it back on when the
// dispatcher turned it off after failing.
func webhookManageView(e *status.WebhookEndpoint, id, tok string) templates.SubscriptionView {
	v := templates.SubscriptionView{Kind: "webhook-remove", ID: id, Token: tok, Host: email.WebhookHost(e.URL)}
	if e.FailedOff() {
		v.Off = &templates.WebhookOff{Since: e.FailingSince, At: e.DisabledAt, LastError: e.LastError}
	}
	return v
}

func (s *server) enableWebhook(c echo.Context) error {
	id, tok := removeLink(c)
	ctx := c.Request().Context()
	e, err := s.Service.EnableWebhookByLink(ctx, id, tok)
	if status.ErrorCode(err) == status.ECONFLICT {
		// Staff turned it off, or it waits for its confirmation: the page says so again.
		e, rerr := s.Service.WebhookByRemoveLink(ctx, id, tok)
		if rerr != nil {
			return s.linkError(c, rerr)
		}
		v := webhookManageView(e, id, tok)
		v.Error = templates.T(s.lang(c), "sub.webhook.enable.staff")
		if e.Pending() {
			v.Error = templates.T(s.lang(c), "sub.webhook.enable.pending")
		}
		return s.subscriptionPage(c, http.StatusConflict, v)
	}
	if err != nil {
		return s.linkError(c, err)
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "webhook-enabled", Host: email.WebhookHost(e.URL)})
}

func (s *server) removeWebhook(c echo.Context) error {
	id, tok := removeLink(c)
	if err := s.Service.RemoveWebhookByLink(c.Request().Context(), id, tok); err != nil {
		return s.linkError(c, err)
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "webhook-removed"})
}

package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// The public subscription flow: plain HTML forms, no JavaScript. Links in emails carry a
// token; a GET only shows a page with a button, so a mail scanner that follows links
// confirms or unsubscribes nobody — except the RFC 8058 one-click POST to /unsubscribe,
// which is exactly what it is for.

func (s *server) registerSubscribe(e *echo.Echo) {
	// One budget per client address for both forms: the webhook form is no way around it.
	limit := subscribeRateLimit(s)
	e.GET("/subscribe", s.subscribePage, withTimeout)
	e.POST("/subscribe", s.subscribe, s.limitBody, limit, withTimeout)
	s.registerWebhookSubscribe(e, limit)
	e.GET("/subscribe/confirm", s.confirmPage)
	e.POST("/subscribe/confirm", s.confirm, s.limitBody, withTimeout)
	e.GET("/subscription", s.managePage, withTimeout)
	e.POST("/subscription", s.saveSubscription, s.limitBody, withTimeout)
	e.GET("/unsubscribe", s.unsubscribePage)
	e.POST("/unsubscribe", s.unsubscribe, s.limitBody, withTimeout)
}

// subscribeRateLimit bounds subscribe requests per client address (the Service bounds
// confirmation emails per target address): one client cannot walk a list of addresses.
func subscribeRateLimit(s *server) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(1.0 / 60), Burst: 5, ExpiresIn: time.Hour}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "60")
			kind := "form"
			if strings.HasPrefix(c.Request().URL.Path, "/subscribe/webhook") {
				kind = "webhook-form"
			}
			return s.subscriptionPage(c, http.StatusTooManyRequests, templates.SubscriptionView{Kind: kind,
				Error: templates.T(s.lang(c), "sub.error.busy"), SubLang: string(s.lang(c))})
		},
	})
}

// subscriptionPage renders one subscription page in the request's language.
func (s *server) subscriptionPage(c echo.Context, code int, v templates.SubscriptionView) error {
	l := s.lang(c)
	cfg := s.Builder.Config()
	name, _ := cfg.PageName.Pick(l, cfg.DefaultLang)
	v.Page = templates.Page{Lang: l, DefaultLang: cfg.DefaultLang, Name: name, Location: cfg.Location, PublicURL: cfg.PublicURL,
		Path: c.Request().URL.Path, Title: templates.T(l, "sub.heading"), CSSURL: s.Assets.URL("app.css"), Now: time.Now(),
		Webhooks: s.PublicWebhooks}
	if strings.HasPrefix(v.Kind, "webhook-") {
		v.Page.Title = templates.T(l, "sub.webhook.heading")
	}
	if v.Token != "" && c.Request().Method == http.MethodGet {
		q := url.Values{"token": {v.Token}}
		if v.ID != "" {
			q.Set("id", v.ID)
		}
		v.Page.Query = q.Encode() // the language switch keeps the link working
	}
	if v.SubLang == "" {
		v.SubLang = string(l)
	}
	var buf bytes.Buffer
	if err := templates.SubscriptionPage(v).Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the URL holds a token
	return c.HTMLBlob(code, buf.Bytes())
}

// options lists the components for the forms, ticking chosen.
func (s *server) options(c echo.Context, chosen []string) ([]templates.SubscribeOption, error) {
	_, comps, err := s.Service.Components(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := make([]templates.SubscribeOption, 0, len(comps))
	for _, cp := range comps {
		out = append(out, templates.SubscribeOption{ID: cp.ID, Name: cp.Name, Checked: slices.Contains(chosen, cp.ID)})
	}
	return out, nil
}

func (s *server) subscribePage(c echo.Context) error {
	opts, err := s.options(c, nil)
	if err != nil {
		return err
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "form", Options: opts})
}

// formInput reads the subscribe form.
func (s *server) formInput(c echo.Context) status.SubscribeInput {
	form, _ := c.FormParams()
	in := status.SubscribeInput{Email: c.FormValue("email"), Lang: c.FormValue("sub_lang"), Components: form["components"]}
	if in.Lang == "" {
		in.Lang = string(s.lang(c))
	}
	return in
}

// formError re-renders a form with what was wrong, in the page's language; false: err is
// not about the form.
func (s *server) formError(c echo.Context, err error, v templates.SubscriptionView) (bool, error) {
	if status.ErrorCode(err) != status.EINVALID {
		return false, nil
	}
	fields := status.ErrorFields(err)
	key := "sub.error.email"
	v.ErrorField = "email"
	if _, ok := fields["components"]; ok {
		key = "sub.error.components"
		v.ErrorField = "components"
		v.Options = nil
	}
	v.Error = templates.T(s.lang(c), key)
	if v.Options == nil {
		opts, oerr := s.options(c, nil)
		if oerr != nil {
			return true, oerr
		}
		v.Options = opts
	}
	return true, s.subscriptionPage(c, http.StatusBadRequest, v)
}

func (s *server) subscribe(c echo.Context) error {
	in := s.formInput(c)
	_, err := s.Service.SubscribeEmail(c.Request().Context(), in)
	if err != nil {
		opts, oerr := s.options(c, in.Components)
		if oerr != nil {
			return oerr
		}
		if ok, ferr := s.formError(c, err, templates.SubscriptionView{Kind: "form", Email: in.Email, SubLang: in.Lang, Options: opts}); ok {
			return ferr
		}
		return err
	}
	// The same answer whether an email went out or the address had one this hour, and
	// whether it was subscribed before: the form tells nobody about anyone's subscription.
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "sent"})
}

// token is the link's token, from the form or the URL.
func token(c echo.Context) string {
	if t := c.FormValue("token"); t != "" {
		return t
	}
	return c.QueryParam("token")
}

// linkError answers an unknown, used or expired link with a friendly page.
func (s *server) linkError(c echo.Context, err error) error {
	if status.ErrorCode(err) == status.ENOTFOUND {
		return s.subscriptionPage(c, http.StatusNotFound, templates.SubscriptionView{Kind: "invalid"})
	}
	return err
}

func (s *server) confirmPage(c echo.Context) error {
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "confirm", Token: token(c)})
}

func (s *server) confirm(c echo.Context) error {
	if _, err := s.Service.ConfirmSubscription(c.Request().Context(), token(c)); err != nil {
		return s.linkError(c, err)
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "confirmed"})
}

func (s *server) managePage(c echo.Context) error {
	tok := token(c)
	sub, err := s.Service.SubscriberByLink(c.Request().Context(), tok)
	if err != nil {
		return s.linkError(c, err)
	}
	chosen := sub.Components
	if sub.All() {
		chosen = nil
	}
	opts, err := s.options(c, chosen)
	if err != nil {
		return err
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "manage", Token: tok, Email: sub.Email,
		SubLang: sub.Lang, Options: opts, All: sub.All()})
}

func (s *server) saveSubscription(c echo.Context) error {
	tok := token(c)
	in := s.formInput(c)
	_, err := s.Service.UpdateSubscription(c.Request().Context(), tok, in)
	if err != nil {
		if ok, ferr := s.formError(c, err, templates.SubscriptionView{Kind: "manage", Token: tok, SubLang: in.Lang}); ok {
			return ferr
		}
		return s.linkError(c, err)
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "saved"})
}

func (s *server) unsubscribePage(c echo.Context) error {
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "unsubscribe", Token: token(c)})
}

// unsubscribe deletes the subscriber: the page's button, and the RFC 8058 one-click POST
// a mail client makes to the List-Unsubscribe URL (body List-Unsubscribe=One-Click).
func (s *server) unsubscribe(c echo.Context) error {
	if err := s.Service.Unsubscribe(c.Request().Context(), token(c)); err != nil {
		return s.linkError(c, err)
	}
	return s.subscriptionPage(c, http.StatusOK, templates.SubscriptionView{Kind: "unsubscribed"})
}

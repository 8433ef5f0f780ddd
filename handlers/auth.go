package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

const ctxKey = "candor.apikey"

// requireScope authenticates the bearer key and checks it allows need.
func (s *server) requireScope(need status.Scope) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			auth := c.Request().Header.Get("Authorization")
			scheme, secret, ok := strings.Cut(auth, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
				return status.Errorf(status.EUNAUTHORIZED, "Send an API key: Authorization: Bearer KEY.")
			}
			key, err := s.Service.Authenticate(c.Request().Context(), strings.TrimSpace(secret))
			if err != nil {
				return err
			}
			if !key.Scope.Allows(need) {
				return status.Errorf(status.EFORBIDDEN, "This API key has scope %q; this request needs %q.", key.Scope, need)
			}
			c.Set(ctxKey, key)
			return next(c)
		}
	}
}

// op describes the authenticated caller for the service's audit log.
func (s *server) op(c echo.Context) status.Op {
	a := status.Actor{Kind: status.ActorAPIKey, Addr: c.RealIP()}
	if k, ok := c.Get(ctxKey).(*status.APIKey); ok {
		a.Name = k.Name
	}
	return status.Op{Actor: a}
}

func apiKey(c echo.Context) *status.APIKey {
	k, _ := c.Get(ctxKey).(*status.APIKey)
	return k
}

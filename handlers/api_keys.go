package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

type keyJSON struct {
	Name       string  `json:"name"`
	Scope      string  `json:"scope"`
	Prefix     string  `json:"prefix"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
	RevokedAt  *string `json:"revoked_at"`
	// Key is the secret, present only in the response that created it.
	Key string `json:"key,omitempty"`
}

func toKeyJSON(k status.APIKey) keyJSON {
	return keyJSON{Name: k.Name, Scope: string(k.Scope), Prefix: k.Prefix, CreatedAt: ts(k.CreatedAt),
		LastUsedAt: tsPtr(k.LastUsedAt), RevokedAt: tsPtr(k.RevokedAt)}
}

func (s *server) listKeys(c echo.Context) error {
	keys, err := s.Service.APIKeys(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, toKeyJSON(k))
	}
	return c.JSON(http.StatusOK, map[string]any{"keys": out})
}

func (s *server) createKey(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req struct {
		Name  string `json:"name"`
		Scope string `json:"scope"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	if req.Scope == "" {
		req.Scope = string(status.ScopeRead)
	}
	// Key creation is deliberately not idempotent-replayable: a replay would have to store
	// the secret, and secrets are never stored.
	secret, k, err := s.Service.CreateAPIKey(c.Request().Context(), s.op(c), req.Name, status.Scope(req.Scope))
	if err != nil {
		return err
	}
	out := toKeyJSON(*k)
	out.Key = secret
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, out)
}

func (s *server) revokeKey(c echo.Context) error {
	name, err := pathParam(c, "name")
	if err != nil {
		return err
	}
	if err := s.Service.RevokeAPIKey(c.Request().Context(), s.op(c), name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Preflight header values, shared by every answer (never modify).
var (
	hdrAllowMethods  = []string{"GET, HEAD, OPTIONS"}
	hdrAllowHeaders  = []string{"Accept, Accept-Language, Cache-Control, If-Modified-Since, If-None-Match"}
	hdrPreflightAge  = []string{"86400"}
	hdrVaryPreflight = []string{"Access-Control-Request-Headers"}
)

// preflight answers a browser's CORS preflight (OPTIONS) for /api/v2: any origin may read
// the public documents, with any request headers it asks for — they carry no credentials
// and change nothing — and may cache the answer for a day. Like every public answer it
// stays within eight headers (see public.go).
func (s *server) preflight(c echo.Context) error {
	h := c.Response().Header()
	h["Access-Control-Allow-Origin"] = hdrAnyOrigin
	h["Access-Control-Allow-Methods"] = hdrAllowMethods
	h["Access-Control-Allow-Headers"] = hdrAllowHeaders
	if asked := c.Request().Header.Get("Access-Control-Request-Headers"); asked != "" && headerList(asked) {
		h["Access-Control-Allow-Headers"] = []string{asked}
		h["Vary"] = hdrVaryPreflight
	}
	h["Access-Control-Max-Age"] = hdrPreflightAge
	h["Cache-Control"] = hdrPublicCache
	c.Response().WriteHeader(http.StatusNoContent)
	return nil
}

// headerList reports whether v is a comma-separated list of header names (RFC 9110 tokens),
// so that nothing else is ever reflected into a response header.
func headerList(v string) bool {
	if len(v) > 1024 {
		return false
	}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return false
		}
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
				return false
			}
		}
	}
	return true
}

package handlers

import "github.com/labstack/echo/v4"

// stream serves GET /api/v1/stream, the public Server-Sent Events stream that tells open
// pages the public state changed (see package live). It is public like the pages it
// refreshes and, like /api/v2, readable from other origins.
func (s *server) stream(c echo.Context) error {
	if s.Live == nil {
		return s.apiNotFound(c)
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	s.Live.ServeHTTP(c.Response(), c.Request())
	return nil
}

package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

// Probes per component and the metrics they collect, in /api/v1.

type probeJSON struct {
	ID           string  `json:"id"`
	Component    string  `json:"component"`
	Name         string  `json:"name"`
	Kind         string  `json:"kind"`
	Target       string  `json:"target"`
	Method       string  `json:"method,omitempty"`
	ExpectStatus int     `json:"expect_status,omitempty"`
	BodyContains string  `json:"body_contains,omitempty"`
	CertMinDays  int     `json:"cert_min_days,omitempty"`
	Timeout      string  `json:"timeout"`
	Interval     string  `json:"interval"`
	FailAfter    int     `json:"fail_after"`
	RecoverAfter int     `json:"recover_after"`
	Status       string  `json:"status"`
	Enabled      bool    `json:"enabled"`
	Failing      bool    `json:"failing"`
	Failures     int     `json:"consecutive_failures"`
	Successes    int     `json:"consecutive_successes"`
	LastRunAt    *string `json:"last_run_at"`
	NextRunAt    *string `json:"next_run_at"`
	LastOK       bool    `json:"last_ok"`
	LastError    string  `json:"last_error"`
	LastLatency  float64 `json:"last_latency_ms"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
}

func toProbeJSON(p status.Probe) probeJSON {
	return probeJSON{ID: p.ID, Component: p.ComponentID, Name: p.Name, Kind: string(p.Kind), Target: p.Target,
		Method: p.Method, ExpectStatus: p.ExpectStatus, BodyContains: p.BodyContains, CertMinDays: p.CertMinDays,
		Timeout: p.Timeout.String(), Interval: p.Interval.String(), FailAfter: p.FailAfter, RecoverAfter: p.RecoverAfter,
		Status: string(p.Status), Enabled: p.Enabled, Failing: p.Failing, Failures: p.Failures, Successes: p.Successes,
		LastRunAt: tsPtr(p.LastRunAt), NextRunAt: tsPtr(p.NextRunAt), LastOK: p.LastOK, LastError: p.LastError,
		LastLatency: ms(p.LastLatency), CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt)}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// probeRequest configures a probe; durations are Go durations ("30s", "1m").
type probeRequest struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Target       string `json:"target"`
	Method       string `json:"method"`
	ExpectStatus int    `json:"expect_status"`
	BodyContains string `json:"body_contains"`
	CertMinDays  int    `json:"cert_min_days"`
	Timeout      string `json:"timeout"`
	Interval     string `json:"interval"`
	FailAfter    int    `json:"fail_after"`
	RecoverAfter int    `json:"recover_after"`
	Status       string `json:"status"`
	Enabled      *bool  `json:"enabled"`
}

func (r probeRequest) input() (status.ProbeInput, error) {
	in := status.ProbeInput{Name: r.Name, Kind: status.ProbeKind(r.Kind), Target: r.Target, Method: r.Method,
		ExpectStatus: r.ExpectStatus, BodyContains: r.BodyContains, CertMinDays: r.CertMinDays, FailAfter: r.FailAfter,
		RecoverAfter: r.RecoverAfter, Status: status.ComponentStatus(r.Status), Enabled: r.Enabled}
	p := status.Problems{}
	for _, d := range []struct {
		field, value string
		dst          *time.Duration
	}{{"timeout", r.Timeout, &in.Timeout}, {"interval", r.Interval, &in.Interval}} {
		if v := strings.TrimSpace(d.value); v != "" {
			var err error
			if *d.dst, err = time.ParseDuration(v); err != nil {
				p.Add(d.field, "must be a duration like 30s or 1m")
			}
		}
	}
	return in, p.Err()
}

func (s *server) listProbes(c echo.Context) error {
	id := c.Param("id")
	if _, err := s.Service.Component(c.Request().Context(), id); err != nil {
		return err
	}
	ps, err := s.Service.Probes(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := make([]probeJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, toProbeJSON(p))
	}
	return c.JSON(http.StatusOK, map[string]any{"probes": out})
}

func (s *server) readProbeRequest(c echo.Context) (status.ProbeInput, error) {
	body, err := readBody(c)
	if err != nil {
		return status.ProbeInput{}, err
	}
	var req probeRequest
	if err := decodeStrict(body, &req); err != nil {
		return status.ProbeInput{}, err
	}
	return req.input()
}

func (s *server) createProbe(c echo.Context) error {
	in, err := s.readProbeRequest(c)
	if err != nil {
		return err
	}
	comp := c.Param("id")
	if _, err := s.Service.Component(c.Request().Context(), comp); err != nil {
		return err
	}
	p, err := s.Service.CreateProbe(c.Request().Context(), s.op(c), comp, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/probes/"+p.ID)
	return c.JSON(http.StatusCreated, toProbeJSON(*p))
}

// putProbe replaces a probe's configuration (its results stay).
func (s *server) putProbe(c echo.Context) error {
	in, err := s.readProbeRequest(c)
	if err != nil {
		return err
	}
	p, err := s.Service.UpdateProbe(c.Request().Context(), s.op(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProbeJSON(*p))
}

func (s *server) deleteProbe(c echo.Context) error {
	if err := s.Service.DeleteProbe(c.Request().Context(), s.op(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type metricsPointJSON struct {
	At           string   `json:"at"`
	Checks       int      `json:"checks"`
	Failures     int      `json:"failures"`
	Availability *float64 `json:"availability"` // null without checks
	AvgLatency   *float64 `json:"avg_latency_ms"`
	MaxLatency   *float64 `json:"max_latency_ms"`
}

func toPointJSON(p status.MetricsPoint) metricsPointJSON {
	out := metricsPointJSON{At: ts(p.At), Checks: p.Checks, Failures: p.Failures}
	if p.Checks > 0 {
		a, avg, mx := p.Availability(), ms(p.AvgLatency), ms(p.MaxLatency)
		out.Availability, out.AvgLatency, out.MaxLatency = &a, &avg, &mx
	}
	return out
}

// metrics answers GET /api/v1/components/{id}/metrics?from=&to=&step=: response time and
// availability from the component's probes. Defaults: the last 24 hours in 1-hour steps.
func (s *server) metricsOf(c echo.Context) error {
	now := s.Service.Clock().Now().UTC().Truncate(time.Minute).Add(time.Minute)
	from, err := parseQueryTime(c, "from", now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	to, err := parseQueryTime(c, "to", now)
	if err != nil {
		return err
	}
	step := time.Hour
	if v := c.QueryParam("step"); v != "" {
		if step, err = time.ParseDuration(v); err != nil {
			return &apiError{status: http.StatusBadRequest, code: "bad_request", msg: "step must be a duration like 1m, 5m or 1h.",
				fields: map[string]string{"step": "must be a duration like 1m, 5m or 1h"}}
		}
	}
	m, err := s.Service.ComponentMetrics(c.Request().Context(), c.Param("id"), from, to, step)
	if err != nil {
		return err
	}
	points := make([]metricsPointJSON, 0, len(m.Points))
	for _, p := range m.Points {
		points = append(points, toPointJSON(p))
	}
	return c.JSON(http.StatusOK, map[string]any{"component": m.ComponentID, "from": ts(m.From), "to": ts(m.To),
		"step": m.Step.String(), "total": toPointJSON(m.Total), "points": points})
}

func parseQueryTime(c echo.Context, name string, def time.Time) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, &apiError{status: http.StatusBadRequest, code: "bad_request",
			msg: name + " must be an RFC 3339 time like 2026-11-22T16:00:00Z.", fields: map[string]string{name: "must be an RFC 3339 time"}}
	}
	return t, nil
}

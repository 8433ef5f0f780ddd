package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/candorstatus/candor/status"
)

type deviceRequest struct {
	Token      string   `json:"token"`
	Platform   string   `json:"platform"`
	Locale     string   `json:"locale"`
	Components []string `json:"components"`
}

type deviceJSON struct {
	Platform   string   `json:"platform"`
	Locale     string   `json:"locale"`
	Components []string `json:"components"`
	CreatedAt  string   `json:"created_at"`
	UpdatedAt  string   `json:"updated_at"`
}

// deviceRateLimit bounds device registrations per client address: an app registers once
// per install and on token refresh, so a few a minute is generous, and a script flooding
// the table (or FCM's topic quota through it) is stopped early.
func deviceRateLimit() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(0.5), Burst: 10, ExpiresIn: 10 * time.Minute}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler: func(echo.Context, error) error {
			return &apiError{status: http.StatusForbidden, code: "forbidden", msg: "Cannot identify the client."}
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "10")
			return &apiError{status: http.StatusTooManyRequests, code: "rate_limited", msg: "Too many device registrations from this address; try again later."}
		},
	})
}

func publicOp(c echo.Context) status.Op {
	return status.Op{Actor: status.Actor{Kind: "device", Name: "app", Addr: c.RealIP()}}
}

// registerDevice is public: apps call it with their FCM token. Idempotent by token.
func (s *server) registerDevice(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req deviceRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	d, created, err := s.Service.RegisterDevice(c.Request().Context(), publicOp(c), status.DeviceInput{Token: req.Token,
		Platform: status.Platform(req.Platform), Locale: req.Locale, Components: req.Components})
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return c.JSON(code, deviceJSON{Platform: string(d.Platform), Locale: d.Locale, Components: d.Components,
		CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt)})
}

func (s *server) deleteDevice(c echo.Context) error {
	token, err := pathParam(c, "token")
	if err != nil {
		return err
	}
	if err := s.Service.DeleteDevice(c.Request().Context(), publicOp(c), token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type deliveryJSON struct {
	ID        int64   `json:"id"`
	Kind      string  `json:"kind"`
	Event     string  `json:"event"`
	Lang      string  `json:"lang"`
	Target    string  `json:"target"` // "condition: …", "topic: …" or "tokens: N"
	Status    string  `json:"status"`
	Attempts  int     `json:"attempts"`
	Sent      int     `json:"sent"`
	Failed    int     `json:"failed"`
	Pending   int     `json:"pending_tokens"`
	LastError *string `json:"last_error"`
	NextTry   *string `json:"next_attempt_at"`
	CreatedAt string  `json:"created_at"`
	DoneAt    *string `json:"done_at"`
}

type updateDeliveriesJSON struct {
	UpdateID string                   `json:"update_id"`
	Counts   map[status.JobStatus]int `json:"counts"`
	Jobs     []deliveryJSON           `json:"jobs"`
}

// deliveries shows staff, per update, what the phones were sent and what failed.
func (s *server) deliveries(c echo.Context) error {
	jobs, err := s.Service.Deliveries(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	var out []updateDeliveriesJSON
	idx := map[string]int{}
	for _, j := range jobs {
		i, ok := idx[j.UpdateID]
		if !ok {
			i = len(out)
			idx[j.UpdateID] = i
			out = append(out, updateDeliveriesJSON{UpdateID: j.UpdateID, Counts: map[status.JobStatus]int{}, Jobs: []deliveryJSON{}})
		}
		target := "condition: " + j.Condition
		switch {
		case j.Topic != "":
			target = "topic: " + j.Topic
		case j.Condition == "":
			target = "tokens: " + itoa(len(j.Tokens)+j.Sent+j.Failed)
		}
		d := deliveryJSON{ID: j.ID, Kind: string(j.Kind), Event: j.Event, Lang: j.Lang, Target: target, Status: string(j.Status),
			Attempts: j.Attempts, Sent: j.Sent, Failed: j.Failed, LastError: optString(j.LastError), CreatedAt: ts(j.CreatedAt),
			DoneAt: tsPtr(j.DoneAt)}
		if j.Status == status.JobPending {
			d.Pending = len(j.Tokens)
			d.NextTry = tsPtr(j.NextAttemptAt)
		}
		out[i].Jobs = append(out[i].Jobs, d)
		out[i].Counts[j.Status]++
	}
	if out == nil {
		out = []updateDeliveriesJSON{}
	}
	return c.JSON(http.StatusOK, map[string]any{"incident_id": c.Param("id"), "updates": out})
}

func itoa(n int) string { return fmt.Sprint(n) }

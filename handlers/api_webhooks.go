package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

type webhookJSON struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Description    string   `json:"description"`
	Components     []string `json:"components"`
	Events         []string `json:"events"`
	Lang           string   `json:"lang"`
	Format         string   `json:"format"`
	Enabled        bool     `json:"enabled"`
	DisabledAt     *string  `json:"disabled_at"`
	DisabledReason string   `json:"disabled_reason"`
	FailingSince   *string  `json:"failing_since"`
	Failures       int      `json:"failures"`
	LastSuccessAt  *string  `json:"last_success_at"`
	LastFailureAt  *string  `json:"last_failure_at"`
	LastError      string   `json:"last_error"`
	ContactEmail   string   `json:"contact_email"`
	Public         bool     `json:"public"`
	Pending        bool     `json:"pending"`
	ConfirmedAt    *string  `json:"confirmed_at"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	// Secret is the signing secret, only in the answers that created or rotated it.
	Secret string `json:"secret,omitempty"`
}

func toWebhookJSON(e *status.WebhookEndpoint) webhookJSON {
	events := make([]string, len(e.Events))
	for i, ev := range e.Events {
		events[i] = string(ev)
	}
	return webhookJSON{ID: e.ID, URL: e.URL, Description: e.Description, Components: append([]string{}, e.Components...),
		Events: events, Lang: e.Lang, Format: string(e.Format), Enabled: !e.Disabled(), DisabledAt: tsPtr(e.DisabledAt),
		DisabledReason: e.DisabledReason, FailingSince: tsPtr(e.FailingSince), Failures: e.Failures,
		LastSuccessAt: tsPtr(e.LastSuccessAt), LastFailureAt: tsPtr(e.LastFailureAt), LastError: e.LastError,
		ContactEmail: e.ContactEmail, Public: e.Public, Pending: e.Pending(), ConfirmedAt: tsPtr(e.ConfirmedAt),
		CreatedAt: ts(e.CreatedAt), UpdatedAt: ts(e.UpdatedAt)}
}

type webhookDeliveryJSON struct {
	ID            int64   `json:"id"`
	MessageID     string  `json:"message_id"`
	Event         string  `json:"event"`
	SubjectID     string  `json:"subject_id"`
	Status        string  `json:"status"`
	Attempts      int     `json:"attempts"`
	NextAttemptAt *string `json:"next_attempt_at"` // null once done
	LastStatus    *int    `json:"last_status"`     // null: no HTTP answer
	LatencyMS     *int64  `json:"latency_ms"`      // null: not attempted
	LastError     string  `json:"last_error"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
	DoneAt        *string `json:"done_at"`
}

func toWebhookDeliveryJSON(d *status.WebhookDelivery) webhookDeliveryJSON {
	out := webhookDeliveryJSON{ID: d.ID, MessageID: d.MessageID, Event: string(d.Event), SubjectID: d.SubjectID,
		Status: string(d.Status), Attempts: d.Attempts, LastError: d.LastError, CreatedAt: ts(d.CreatedAt),
		UpdatedAt: ts(d.UpdatedAt), DoneAt: tsPtr(d.DoneAt)}
	if d.Status == status.JobPending {
		out.NextAttemptAt = tsPtr(d.NextAttemptAt)
	}
	if d.LastStatus != 0 {
		code := d.LastStatus
		out.LastStatus = &code
	}
	if d.Attempts > 0 {
		ms := d.LastLatency.Milliseconds()
		out.LatencyMS = &ms
	}
	return out
}

// webhookRequest is the body of POST and PATCH /api/v1/webhooks; absent fields are left
// alone (PATCH) or take their defaults (POST).
type webhookRequest struct {
	URL          *string   `json:"url"`
	Description  *string   `json:"description"`
	Components   *[]string `json:"components"`
	Events       *[]string `json:"events"`
	Lang         *string   `json:"lang"`
	Format       *string   `json:"format"`
	Enabled      *bool     `json:"enabled"`
	ContactEmail *string   `json:"contact_email"`
}

func (r webhookRequest) input() status.WebhookInput {
	in := status.WebhookInput{URL: r.URL, Description: r.Description, Lang: r.Lang, Enabled: r.Enabled, ContactEmail: r.ContactEmail}
	if r.Components != nil {
		in.Components = append([]string{}, *r.Components...)
	}
	if r.Events != nil {
		in.Events = make([]status.WebhookEvent, len(*r.Events))
		for i, e := range *r.Events {
			in.Events[i] = status.WebhookEvent(e)
		}
	}
	if r.Format != nil {
		f := status.WebhookFormat(*r.Format)
		in.Format = &f
	}
	return in
}

func (s *server) bindWebhook(c echo.Context) (webhookRequest, error) {
	var req webhookRequest
	body, err := readBody(c)
	if err != nil {
		return req, err
	}
	return req, decodeStrict(body, &req)
}

func (s *server) listWebhooks(c echo.Context) error {
	hooks, err := s.Service.Webhooks(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]webhookJSON, 0, len(hooks))
	for i := range hooks {
		out = append(out, toWebhookJSON(&hooks[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"webhooks": out})
}

func (s *server) createWebhook(c echo.Context) error {
	req, err := s.bindWebhook(c)
	if err != nil {
		return err
	}
	if req.URL == nil {
		return &status.Error{Code: status.EINVALID, Message: "A webhook needs a URL.", Fields: map[string]string{"url": "required"}}
	}
	// Not replayable with Idempotency-Key: a replay would have to store the secret's answer.
	e, err := s.Service.CreateWebhook(c.Request().Context(), s.op(c), req.input())
	if err != nil {
		return err
	}
	out := toWebhookJSON(e)
	out.Secret = e.Secret
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, out)
}

func (s *server) getWebhook(c echo.Context) error {
	e, err := s.Service.Webhook(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebhookJSON(e))
}

func (s *server) patchWebhook(c echo.Context) error {
	req, err := s.bindWebhook(c)
	if err != nil {
		return err
	}
	e, err := s.Service.UpdateWebhook(c.Request().Context(), s.op(c), c.Param("id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebhookJSON(e))
}

func (s *server) deleteWebhook(c echo.Context) error {
	if err := s.Service.DeleteWebhook(c.Request().Context(), s.op(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *server) rotateWebhookSecret(c echo.Context) error {
	e, err := s.Service.RotateWebhookSecret(c.Request().Context(), s.op(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := toWebhookJSON(e)
	out.Secret = e.Secret
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

func (s *server) testWebhook(c echo.Context) error {
	d, err := s.Service.SendTestWebhook(c.Request().Context(), s.op(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, toWebhookDeliveryJSON(d))
}

func (s *server) webhookDeliveries(c echo.Context) error {
	limit := status.MaxWebhookDeliveriesListed
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > status.MaxWebhookDeliveriesListed {
			return &status.Error{Code: status.EINVALID, Message: "limit must be a number from 1 to 100.",
				Fields: map[string]string{"limit": "invalid"}}
		}
		limit = n
	}
	ds, err := s.Service.WebhookDeliveries(c.Request().Context(), c.Param("id"), limit)
	if err != nil {
		return err
	}
	out := make([]webhookDeliveryJSON, 0, len(ds))
	for i := range ds {
		out = append(out, toWebhookDeliveryJSON(&ds[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": out})
}

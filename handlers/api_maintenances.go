package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

type maintenanceRequest struct {
	Title          lang.Text `json:"title"`
	Message        lang.Text `json:"message"`
	Components     []string  `json:"components"`
	ScheduledFor   *string   `json:"scheduled_for"`
	ScheduledUntil *string   `json:"scheduled_until"`
	Notify         *bool     `json:"notify"`
	RemindBefore   []string  `json:"remind_before"`
	AutoComplete   *bool     `json:"auto_complete"`
	PreChecks      []string  `json:"pre_checks"`
}

type maintenanceUpdateRequest struct {
	Status  string    `json:"status"`
	Message lang.Text `json:"message"`
	Notify  *bool     `json:"notify"`
}

type maintenanceUpdateJSON struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Event     *string   `json:"event"`
	Status    string    `json:"status"`
	Message   lang.Text `json:"message"`
	Notify    bool      `json:"notify"`
	PostedBy  string    `json:"posted_by"`
	CreatedAt string    `json:"created_at"`
}

type maintenanceJSON struct {
	ID             string                  `json:"id"`
	Title          lang.Text               `json:"title"`
	Status         string                  `json:"status"`
	Components     []affectedJSON          `json:"components"`
	ScheduledFor   string                  `json:"scheduled_for"`
	ScheduledUntil string                  `json:"scheduled_until"`
	Notify         bool                    `json:"notify"`
	RemindBefore   []string                `json:"remind_before"`
	AutoComplete   bool                    `json:"auto_complete"`
	Held           bool                    `json:"held"` // postponed by work control
	HeldBy         []string                `json:"held_by"`
	HeldSince      *string                 `json:"held_since"`
	OverrideReason *string                 `json:"override_reason"`
	Late           bool                    `json:"late"`
	StartedAt      *string                 `json:"started_at"`
	EndedAt        *string                 `json:"ended_at"`
	CreatedAt      string                  `json:"created_at"`
	UpdatedAt      string                  `json:"updated_at"`
	URL            string                  `json:"url"`
	Updates        []maintenanceUpdateJSON `json:"updates"`

	// CompletedWithProblems is set when the checks after the work found its components'
	// probes or signals unhealthy (a draft incident was opened).
	CompletedWithProblems bool `json:"completed_with_problems"`
	// PreChecks is the checklist staff tick before the work may start (single maintenance
	// answers only; lists leave it out).
	PreChecks []preCheckJSON `json:"pre_checks,omitempty"`
}

type preCheckJSON struct {
	ID     string  `json:"id"`
	Text   string  `json:"text"`
	Done   bool    `json:"done"`
	DoneBy *string `json:"done_by"`
	DoneAt *string `json:"done_at"`
}

// fmtDuration writes a duration the way people type it: "24h", "1h30m", "45m".
func fmtDuration(d time.Duration) string {
	s := d.String()
	s = strings.Replace(s, "m0s", "m", 1)
	s = strings.Replace(s, "h0m", "h", 1)
	return s
}

func (s *server) toMaintenanceJSON(m *status.Maintenance, comps []status.Component) maintenanceJSON {
	out := maintenanceJSON{ID: m.ID, Title: m.Title, Status: string(m.Status), Components: []affectedJSON{},
		ScheduledFor: ts(m.ScheduledFor), ScheduledUntil: ts(m.ScheduledUntil), Notify: m.Notify, RemindBefore: []string{},
		AutoComplete: m.AutoComplete, Held: m.Held(), HeldBy: append([]string{}, m.HeldBy...), HeldSince: tsPtr(m.HeldSince),
		OverrideReason: optString(m.OverrideReason), Late: m.Late(s.Service.Clock().Now()), StartedAt: tsPtr(m.StartedAt),
		EndedAt: tsPtr(m.EndedAt), CreatedAt: ts(m.CreatedAt), UpdatedAt: ts(m.UpdatedAt),
		URL: s.Builder.Config().PublicURL + "/maintenances/" + m.ID, Updates: []maintenanceUpdateJSON{},
		CompletedWithProblems: m.Status == status.MaintCompleted && m.ProblemsFound()}
	for _, id := range m.Components {
		a := affectedJSON{ID: id}
		for _, c := range comps {
			if c.ID == id {
				a.Name, a.Status = c.Name, string(c.Status)
			}
		}
		out.Components = append(out.Components, a)
	}
	for _, d := range m.RemindBefore {
		out.RemindBefore = append(out.RemindBefore, fmtDuration(d))
	}
	for _, u := range m.Updates {
		out.Updates = append(out.Updates, maintenanceUpdateJSON{ID: u.ID, Kind: string(u.Kind), Event: optString(u.Event),
			Status: string(u.Status), Message: u.Message, Notify: u.Notify, PostedBy: u.PostedBy, CreatedAt: ts(u.CreatedAt)})
	}
	return out
}

func (s *server) maintenanceJSON(c echo.Context, id string) (any, error) {
	var v maintenanceJSON
	err := s.read(c.Request().Context(), func(tx status.Tx) error {
		var err error
		v, err = s.maintenanceFrom(tx, id)
		return err
	})
	return v, err
}

// tickCheck ticks or unticks one pre-check: POST /api/v1/maintenances/{id}/checks/{check}
// with {"done": true|false}.
func (s *server) tickCheck(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req struct {
		Done *bool `json:"done"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	if req.Done == nil {
		return &status.Error{Code: status.EINVALID, Message: "Say whether the item is done: {\"done\": true}.",
			Fields: map[string]string{"done": "is required"}}
	}
	if _, err := s.Service.TickMaintenanceCheck(c.Request().Context(), s.op(c), c.Param("id"), c.Param("check"), *req.Done); err != nil {
		return err
	}
	v, err := s.maintenanceJSON(c, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

var maintenanceViews = map[string][]status.MaintenanceStatus{
	"":         nil,
	"upcoming": {status.MaintScheduled},
	"active":   {status.MaintInProgress, status.MaintVerifying},
	"done":     {status.MaintCompleted, status.MaintCancelled},
}

func (s *server) listMaintenances(c echo.Context) error {
	statuses, ok := maintenanceViews[c.QueryParam("status")]
	if !ok {
		return &apiError{status: http.StatusBadRequest, code: "bad_request", msg: "status must be upcoming, active or done.",
			fields: map[string]string{"status": "must be upcoming, active or done"}}
	}
	ms, err := s.Service.Maintenances(c.Request().Context(), status.MaintenanceFilter{Statuses: statuses, Limit: 100})
	if err != nil {
		return err
	}
	_, comps, err := s.Service.Components(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]maintenanceJSON, 0, len(ms))
	for i := range ms {
		out = append(out, s.toMaintenanceJSON(&ms[i], comps))
	}
	return c.JSON(http.StatusOK, map[string]any{"maintenances": out})
}

func (s *server) getMaintenance(c echo.Context) error {
	v, err := s.maintenanceJSON(c, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func parseDurations(field string, vs []string) ([]time.Duration, error) {
	if vs == nil {
		return nil, nil
	}
	out := make([]time.Duration, 0, len(vs))
	for _, v := range vs {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, &status.Error{Code: status.EINVALID, Message: fmt.Sprintf("Invalid %s: %q is not a duration like \"24h\" or \"90m\".", field, v),
				Fields: map[string]string{field: `each must be a duration like "24h" or "90m"`}}
		}
		out = append(out, d)
	}
	return out, nil
}

func (s *server) createMaintenance(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req maintenanceRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	in := status.MaintenanceInput{Title: req.Title, Message: req.Message, Components: req.Components,
		Notify: notifyOrDefault(req.Notify), AutoComplete: req.AutoComplete == nil || *req.AutoComplete, PreChecks: req.PreChecks}
	if in.ScheduledFor, err = parseTime("scheduled_for", req.ScheduledFor); err != nil {
		return err
	}
	if in.ScheduledUntil, err = parseTime("scheduled_until", req.ScheduledUntil); err != nil {
		return err
	}
	if in.RemindBefore, err = parseDurations("remind_before", req.RemindBefore); err != nil {
		return err
	}
	op := s.op(c)
	if op.Idempotency, err = idempotency(c, body); err != nil {
		return err
	}
	op = withRender(op, s.renderMaintenance)
	m, err := s.Service.ScheduleMaintenance(c.Request().Context(), op, in)
	if r, ok := status.IsReplay(err); ok {
		return s.replay(c, r, func(id string) (any, error) { return s.maintenanceJSON(c, id) })
	}
	if err != nil {
		return err
	}
	return s.maintenanceWritten(c, op, m.ID)
}

func (s *server) maintenanceWritten(c echo.Context, op status.Op, id string) error {
	return s.written(c, op, id, "/api/v1/maintenances/"+id, s.renderMaintenance)
}

// maintenanceAction binds a small JSON body and runs one of the maintenance actions.
func (s *server) maintenanceAction(c echo.Context, dst any, run func(op status.Op) (*status.Maintenance, error)) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := decodeStrict(body, dst); err != nil {
			return err
		}
	}
	op := s.op(c)
	if op.Idempotency, err = idempotency(c, body); err != nil {
		return err
	}
	op = withRender(op, s.renderMaintenance)
	m, err := run(op)
	if r, ok := status.IsReplay(err); ok {
		return s.replay(c, r, func(id string) (any, error) { return s.maintenanceJSON(c, id) })
	}
	if err != nil {
		return err
	}
	return s.maintenanceWritten(c, op, m.ID)
}

func (s *server) postMaintenanceUpdate(c echo.Context) error {
	var req maintenanceUpdateRequest
	return s.maintenanceAction(c, &req, func(op status.Op) (*status.Maintenance, error) {
		return s.Service.PostMaintenanceUpdate(c.Request().Context(), op, c.Param("id"), status.MaintenanceUpdateInput{
			Status: status.MaintenanceStatus(req.Status), Message: req.Message, Notify: notifyOrDefault(req.Notify)})
	})
}

func (s *server) startMaintenance(c echo.Context) error {
	var req struct {
		OverrideReason string `json:"override_reason"`
	}
	return s.maintenanceAction(c, &req, func(op status.Op) (*status.Maintenance, error) {
		return s.Service.StartMaintenance(c.Request().Context(), op, c.Param("id"), req.OverrideReason)
	})
}

func (s *server) cancelMaintenance(c echo.Context) error {
	var req struct {
		Message lang.Text `json:"message"`
	}
	return s.maintenanceAction(c, &req, func(op status.Op) (*status.Maintenance, error) {
		return s.Service.CancelMaintenance(c.Request().Context(), op, c.Param("id"), req.Message)
	})
}

package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// Draft incidents monitoring opened, their signals and each component's monitoring
// settings in /api/v1. Drafts share the incidents' id space and routes: a draft's id is the
// incident's once published.

type signalJSON struct {
	Key        string  `json:"key"`
	Component  string  `json:"component"`
	Source     string  `json:"source"`
	Summary    string  `json:"summary"`
	Status     string  `json:"status"`
	Firing     bool    `json:"firing"`
	Active     *string `json:"active"` // the status in effect, null when it holds nothing
	Pending    bool    `json:"pending"`
	BeganAt    *string `json:"began_at"`
	EndedAt    *string `json:"ended_at"`
	LastSeenAt *string `json:"last_seen_at"`
	Repeats    int     `json:"repeats"`
	IncidentID *string `json:"incident_id"`
}

func toSignalJSON(g status.Signal) signalJSON {
	return signalJSON{Key: g.Key, Component: g.ComponentID, Source: g.Source, Summary: g.Summary, Status: string(g.Status),
		Firing: g.Firing, Active: optString(string(g.Active)), Pending: g.Pending(), BeganAt: tsPtr(g.BeganAt),
		EndedAt: tsPtr(g.EndedAt), LastSeenAt: tsPtr(g.LastSeenAt), Repeats: g.Repeats, IncidentID: optString(g.IncidentID)}
}

type draftJSON struct {
	ID string `json:"id"`
	// Status is "draft" while open (as GET /api/v1/incidents?status=draft asks), else
	// "published" or "dismissed".
	Status          string         `json:"status"`
	Title           lang.Text      `json:"title"`
	Message         lang.Text      `json:"message"`
	Impact          string         `json:"impact"`
	Cause           *string        `json:"cause"`
	Components      []affectedJSON `json:"components"`
	StartedAt       string         `json:"started_at"`
	SuggestedStatus string         `json:"suggested_status"`
	AutoPublishAt   *string        `json:"auto_publish_at"`
	Source          string         `json:"source"`
	Summary         string         `json:"summary"`
	Signals         []signalJSON   `json:"signals"`
	CreatedAt       string         `json:"created_at"`
	UpdatedAt       string         `json:"updated_at"`
	ClosedAt        *string        `json:"closed_at"`
	ClosedBy        *string        `json:"closed_by"`
}

func toDraftJSON(d *status.DraftDetail, names map[string]lang.Text) draftJSON {
	st := string(d.Status)
	if d.Status == status.DraftOpen {
		st = "draft"
	}
	out := draftJSON{ID: d.ID, Status: st, Title: d.Title, Message: d.Message, Impact: string(d.Impact),
		Cause: optString(string(d.Cause)), Components: []affectedJSON{}, StartedAt: ts(d.StartedAt),
		SuggestedStatus: string(d.Suggested), AutoPublishAt: tsPtr(d.AutoPublishAt), Source: d.Source, Summary: d.Summary,
		Signals: []signalJSON{}, CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt), ClosedAt: tsPtr(d.ClosedAt),
		ClosedBy: optString(d.ClosedBy)}
	for _, c := range d.Components {
		out.Components = append(out.Components, affectedJSON{ID: c.ComponentID, Name: names[c.ComponentID], Status: string(c.Status)})
	}
	for _, g := range d.Signals {
		out.Signals = append(out.Signals, toSignalJSON(g))
	}
	return out
}

// listDrafts answers GET /api/v1/incidents?status=draft: every open draft, newest first,
// in the incidents list's envelope (one page: drafts are few and short-lived).
func (s *server) listDrafts(c echo.Context) error {
	ctx := c.Request().Context()
	drafts, err := s.Service.Drafts(ctx)
	if err != nil {
		return err
	}
	_, comps, err := s.Service.Components(ctx)
	if err != nil {
		return err
	}
	out := make([]draftJSON, 0, len(drafts))
	for i := range drafts {
		out = append(out, toDraftJSON(&drafts[i], namesOf(comps)))
	}
	return c.JSON(http.StatusOK, map[string]any{"incidents": out, "page": 1, "per_page": len(out), "total": len(out), "pages": 1})
}

// draftJSON answers GET /api/v1/incidents/{id} for the id of a draft.
func (s *server) draftJSON(c echo.Context, id string) (any, error) {
	ctx := c.Request().Context()
	d, err := s.Service.DraftByID(ctx, id)
	if err != nil {
		return nil, err
	}
	_, comps, err := s.Service.Components(ctx)
	if err != nil {
		return nil, err
	}
	return toDraftJSON(d, namesOf(comps)), nil
}

// publishRequest changes what a draft publishes; every field is optional.
type publishRequest struct {
	Title        lang.Text         `json:"title"`
	Message      lang.Text         `json:"message"`
	Status       string            `json:"status"`
	Impact       string            `json:"impact"`
	Cause        string            `json:"cause"`
	Components   map[string]string `json:"components"`
	AnnouncedETA *string           `json:"announced_eta"`
	Notify       *bool             `json:"notify"`
}

// publishIncident publishes a draft: POST /api/v1/incidents/{id}/publish, with an empty
// body for the draft as pre-filled.
func (s *server) publishIncident(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req publishRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := decodeStrict(body, &req); err != nil {
			return err
		}
	}
	in := status.PublishInput{Title: req.Title, Message: req.Message, Status: status.IncidentStatus(req.Status),
		Impact: status.Impact(req.Impact), Cause: status.Cause(req.Cause), Notify: notifyOrDefault(req.Notify)}
	if req.Components != nil {
		in.Components = componentStatuses(req.Components)
	}
	if in.AnnouncedETA, err = parseTime("announced_eta", req.AnnouncedETA); err != nil {
		return err
	}
	op := s.op(c)
	if op.Idempotency, err = idempotency(c, body); err != nil {
		return err
	}
	inc, err := s.Service.PublishDraft(c.Request().Context(), op, c.Param("id"), in)
	if r, ok := status.IsReplay(err); ok {
		return s.replay(c, r, func(id string) (any, error) { return s.incidentJSON(c, id) })
	}
	if err != nil {
		return err
	}
	return s.incidentCreated(c, op, inc.ID)
}

// dismissIncident closes a draft without publishing it.
func (s *server) dismissIncident(c echo.Context) error {
	id := c.Param("id")
	if err := s.Service.DismissDraft(c.Request().Context(), s.op(c), id); err != nil {
		return err
	}
	v, err := s.draftJSON(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// listSignals answers GET /api/v1/signals (?component=ID, ?active=true, ?pending=true).
func (s *server) listSignals(c echo.Context) error {
	f := status.SignalFilter{ComponentID: c.QueryParam("component")}
	for name, dst := range map[string]*bool{"active": &f.Active, "pending": &f.Pending} {
		switch c.QueryParam(name) {
		case "", "false":
		case "true":
			*dst = true
		default:
			return &apiError{status: http.StatusBadRequest, code: "bad_request", msg: name + " must be true or false.",
				fields: map[string]string{name: "must be true or false"}}
		}
	}
	list, err := s.Service.Signals(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]signalJSON, 0, len(list))
	for _, g := range list {
		out = append(out, toSignalJSON(g))
	}
	return c.JSON(http.StatusOK, map[string]any{"signals": out})
}

type monitoringJSON struct {
	Component string `json:"component"`
	// TemplateID names the incident template drafts start from (null: Candor's words).
	TemplateID *string `json:"template_id"`
	// AutoPublishAfter is a Go duration ("5m"); "0s" never publishes by itself.
	AutoPublishAfter string  `json:"auto_publish_after"`
	Sparkline        bool    `json:"sparkline"`
	UpdatedAt        *string `json:"updated_at"`
}

func toMonitoringJSON(m *status.MonitorSettings) monitoringJSON {
	return monitoringJSON{Component: m.ComponentID, TemplateID: optString(m.TemplateID),
		AutoPublishAfter: m.AutoPublishAfter.String(), Sparkline: m.Sparkline, UpdatedAt: tsPtr(m.UpdatedAt)}
}

func (s *server) getMonitoring(c echo.Context) error {
	m, err := s.Service.MonitorSettings(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMonitoringJSON(m))
}

type monitoringRequest struct {
	TemplateID       *string `json:"template_id"`
	AutoPublishAfter *string `json:"auto_publish_after"`
	Sparkline        *bool   `json:"sparkline"`
}

// putMonitoring changes the fields given of a component's monitoring settings.
func (s *server) putMonitoring(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req monitoringRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	m, err := s.Service.MonitorSettings(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if req.TemplateID != nil {
		m.TemplateID = strings.TrimSpace(*req.TemplateID)
	}
	if req.Sparkline != nil {
		m.Sparkline = *req.Sparkline
	}
	if req.AutoPublishAfter != nil {
		d, err := time.ParseDuration(strings.TrimSpace(*req.AutoPublishAfter))
		if err != nil {
			return &status.Error{Code: status.EINVALID, Message: "Invalid auto_publish_after: want a duration like 5m, or 0s for never.",
				Fields: map[string]string{"auto_publish_after": "must be a duration like 5m"}}
		}
		m.AutoPublishAfter = d
	}
	saved, err := s.Service.SaveMonitorSettings(ctx, s.op(c), *m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMonitoringJSON(saved))
}

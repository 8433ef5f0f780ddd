package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

type incidentRequest struct {
	Title                lang.Text         `json:"title"`
	Impact               string            `json:"impact"`
	Status               string            `json:"status"`
	Message              lang.Text         `json:"message"`
	Components           map[string]string `json:"components"`
	AnnouncedETA         *string           `json:"announced_eta"`
	Cause                string            `json:"cause"`
	UsersAffectedPercent *float64          `json:"users_affected_percent"`
	Notify               *bool             `json:"notify"`
	StartedAt            *string           `json:"started_at"`
}

type updateRequest struct {
	Status       string            `json:"status"`
	Impact       string            `json:"impact"`
	Message      lang.Text         `json:"message"`
	Components   map[string]string `json:"components"`
	AnnouncedETA *string           `json:"announced_eta"`
	Notify       *bool             `json:"notify"`
}

// incidentsPerPage is the page size of GET /api/v1/incidents.
const incidentsPerPage = 20

// maxPage bounds ?page= wherever lists are paged: far past any real history, and small
// enough that (page-1) × page size never overflows into a negative offset.
const maxPage = 1_000_000

func componentStatuses(m map[string]string) map[string]status.ComponentStatus {
	out := make(map[string]status.ComponentStatus, len(m))
	for k, v := range m {
		out[k] = status.ComponentStatus(v)
	}
	return out
}

func notifyOrDefault(b *bool) bool { return b == nil || *b }

func (s *server) incidentJSON(c echo.Context, id string) (incidentJSON, error) {
	v, _, err := s.loadIncident(c, id)
	return v, err
}

func (s *server) loadIncident(c echo.Context, id string) (incidentJSON, *status.Incident, error) {
	var v incidentJSON
	var inc *status.Incident
	err := s.read(c.Request().Context(), func(tx status.Tx) error {
		var err error
		v, inc, err = s.incidentFrom(tx, id)
		return err
	})
	return v, inc, err
}

func (s *server) listIncidents(c echo.Context) error {
	f := status.IncidentFilter{Limit: incidentsPerPage}
	switch st := c.QueryParam("status"); st {
	case "", "open", "resolved":
		f.Status = st
	case "draft":
		return s.listDrafts(c)
	default:
		return &apiError{status: http.StatusBadRequest, code: "bad_request", msg: "status must be open, resolved or draft.",
			fields: map[string]string{"status": "must be open, resolved or draft"}}
	}
	page := 1
	if p := c.QueryParam("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return &apiError{status: http.StatusBadRequest, code: "bad_request", msg: "page must be a positive integer.",
				fields: map[string]string{"page": "must be a positive integer"}}
		}
		if n > maxPage {
			return &status.Error{Code: status.EINVALID, Message: fmt.Sprintf("page must be at most %d.", maxPage),
				Fields: map[string]string{"page": fmt.Sprintf("must be at most %d", maxPage)}}
		}
		page = n
	}
	f.Offset = (page - 1) * incidentsPerPage
	list, total, err := s.Service.Incidents(c.Request().Context(), f)
	if err != nil {
		return err
	}
	_, comps, err := s.Service.Components(c.Request().Context())
	if err != nil {
		return err
	}
	sigs, err := s.Service.SignalsByIncident(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]incidentJSON, 0, len(list))
	for i := range list {
		v := s.toIncidentJSON(&list[i], componentNames(&list[i], comps))
		v.SuggestedStatus = suggested(&list[i], sigs[list[i].ID])
		out = append(out, v)
	}
	return c.JSON(http.StatusOK, map[string]any{"incidents": out, "page": page, "per_page": incidentsPerPage,
		"total": total, "pages": (total + incidentsPerPage - 1) / incidentsPerPage})
}

func (s *server) getIncident(c echo.Context) error {
	id := c.Param("id")
	v, inc, err := s.loadIncident(c, id)
	if status.ErrorCode(err) == status.ENOTFOUND {
		d, derr := s.draftJSON(c, id) // drafts share the incidents' ids
		if status.ErrorCode(derr) == status.ENOTFOUND {
			return err
		} else if derr != nil {
			return derr
		}
		return c.JSON(http.StatusOK, d)
	}
	if err != nil {
		return err
	}
	sigs, err := s.Service.Signals(c.Request().Context(), status.SignalFilter{IncidentID: id})
	if err != nil {
		return err
	}
	v.SuggestedStatus = suggested(inc, sigs)
	return c.JSON(http.StatusOK, v)
}

// suggested is the phase an open incident's signals suggest staff confirm: "monitoring"
// once every signal that belongs to it has resolved, while it is still investigating or
// identified; nil otherwise.
func suggested(inc *status.Incident, sigs []status.Signal) *string {
	if (inc.Status == status.Investigating || inc.Status == status.Identified) && status.SuggestMonitoring(sigs) {
		st := string(status.Monitoring)
		return &st
	}
	return nil
}

func (s *server) createIncident(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req incidentRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	in := status.IncidentInput{Title: req.Title, Impact: status.Impact(req.Impact), Status: status.IncidentStatus(req.Status),
		Message: req.Message, Components: componentStatuses(req.Components), Cause: status.Cause(req.Cause),
		UsersAffectedPercent: req.UsersAffectedPercent, Notify: notifyOrDefault(req.Notify)}
	if in.AnnouncedETA, err = parseTime("announced_eta", req.AnnouncedETA); err != nil {
		return err
	}
	if in.StartedAt, err = parseTime("started_at", req.StartedAt); err != nil {
		return err
	}
	op := s.op(c)
	if op.Idempotency, err = idempotency(c, body); err != nil {
		return err
	}
	op = withRender(op, s.renderIncident)
	inc, err := s.Service.CreateIncident(c.Request().Context(), op, in)
	if r, ok := status.IsReplay(err); ok {
		return s.replay(c, r, func(id string) (any, error) { return s.incidentJSON(c, id) })
	}
	if err != nil {
		return err
	}
	return s.incidentCreated(c, op, inc.ID)
}

func (s *server) postUpdate(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req updateRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	in := status.UpdateInput{Status: status.IncidentStatus(req.Status), Impact: status.Impact(req.Impact), Message: req.Message,
		Components: componentStatuses(req.Components), Notify: notifyOrDefault(req.Notify)}
	if in.AnnouncedETA, err = parseTime("announced_eta", req.AnnouncedETA); err != nil {
		return err
	}
	op := s.op(c)
	if op.Idempotency, err = idempotency(c, body); err != nil {
		return err
	}
	op = withRender(op, s.renderIncident)
	inc, err := s.Service.PostUpdate(c.Request().Context(), op, c.Param("id"), in)
	if r, ok := status.IsReplay(err); ok {
		return s.replay(c, r, func(id string) (any, error) { return s.incidentJSON(c, id) })
	}
	if err != nil {
		return err
	}
	return s.incidentCreated(c, op, inc.ID)
}

// incidentCreated answers a successful incident write with the incident as it now stands.
func (s *server) incidentCreated(c echo.Context, op status.Op, id string) error {
	return s.written(c, op, id, "/api/v1/incidents/"+id, s.renderIncident)
}

// warnings flags an announced time history finds unlikely. The request was accepted —
// staff may know more than history — but they should see the odds before the public does.
func warnings(c *status.Chance) []warningJSON {
	if !c.Unlikely() {
		return nil
	}
	return []warningJSON{{Code: "unlikely_eta", Message: "The announced restoration time is unlikely: " + c.Describe(lang.English) +
		" The status page shows the model's range beside it.", Chance: &c.P, Met: c.Met, Of: c.Of}}
}

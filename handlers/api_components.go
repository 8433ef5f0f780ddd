package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

type componentRequest struct {
	ID                 string    `json:"id"`
	Name               lang.Text `json:"name"`
	Description        lang.Text `json:"description"`
	Group              lang.Text `json:"group"`
	Position           *int      `json:"position"`
	Status             string    `json:"status"`
	OnlyShowIfDegraded bool      `json:"only_show_if_degraded"`
	Showcase           *bool     `json:"showcase"`
}

type componentPatchRequest struct {
	Name               *lang.Text `json:"name"`
	Description        *lang.Text `json:"description"`
	Group              *lang.Text `json:"group"`
	Position           *int       `json:"position"`
	Status             *string    `json:"status"`
	OnlyShowIfDegraded *bool      `json:"only_show_if_degraded"`
	Showcase           *bool      `json:"showcase"`
}

func (s *server) listComponents(c echo.Context) error {
	groups, comps, err := s.Service.Components(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]componentJSON, 0, len(comps))
	for _, cp := range comps {
		out = append(out, toComponentJSON(cp, groups))
	}
	return c.JSON(http.StatusOK, map[string]any{"components": out})
}

func (s *server) componentJSON(c echo.Context, id string) (any, error) {
	var v componentJSON
	err := s.read(c.Request().Context(), func(tx status.Tx) error {
		var err error
		v, err = componentFrom(tx, id)
		return err
	})
	return v, err
}

func (s *server) getComponent(c echo.Context) error {
	v, err := s.componentJSON(c, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *server) createComponent(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req componentRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	op := s.op(c)
	if op.Idempotency, err = idempotency(c, body); err != nil {
		return err
	}
	op = withRender(op, renderComponent)
	comp, err := s.Service.CreateComponent(c.Request().Context(), op, status.ComponentInput{ID: req.ID, Name: req.Name,
		Description: req.Description, Group: req.Group, Position: req.Position, Status: status.ComponentStatus(req.Status),
		OnlyShowIfDegraded: req.OnlyShowIfDegraded, Showcase: req.Showcase})
	if r, ok := status.IsReplay(err); ok {
		return s.replay(c, r, func(id string) (any, error) { return s.componentJSON(c, id) })
	}
	if err != nil {
		return err
	}
	return s.written(c, op, comp.ID, "", renderComponent)
}

func (s *server) patchComponent(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req componentPatchRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	patch := status.ComponentPatch{Name: req.Name, Description: req.Description, Group: req.Group, Position: req.Position,
		OnlyShowIfDegraded: req.OnlyShowIfDegraded, Showcase: req.Showcase}
	if req.Status != nil {
		st := status.ComponentStatus(*req.Status)
		patch.Status = &st
	}
	comp, err := s.Service.UpdateComponent(c.Request().Context(), s.op(c), c.Param("id"), patch)
	if err != nil {
		return err
	}
	v, err := s.componentJSON(c, comp.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *server) deleteComponent(c echo.Context) error {
	if err := s.Service.DeleteComponent(c.Request().Context(), s.op(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

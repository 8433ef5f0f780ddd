package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// subscribersPage shows the email subscribers per component and the addresses that
// bounce, with a way to remove them (admins).
func (s *console) subscribersPage(c echo.Context) error {
	ctx := c.Request().Context()
	v := templates.SubscribersView{ConsolePage: s.page(c, "Email subscribers", "subscribers")}
	var err error
	if v.Counts, err = s.Service.SubscriberCounts(ctx); err != nil {
		return err
	}
	if v.Bouncing, err = s.Service.Subscribers(ctx, status.SubscriberFilter{Limit: 200, Bouncing: true}); err != nil {
		return err
	}
	_, comps, err := s.Service.Components(ctx)
	if err != nil {
		return err
	}
	v.Names = map[string]string{status.AllComponents: "Everything"}
	for _, cp := range comps {
		v.Names[cp.ID] = cp.Name.String()
	}
	return s.render(c, http.StatusOK, templates.SubscribersPage(v))
}

func (s *console) removeSubscriber(c echo.Context) error {
	if err := s.Service.RemoveSubscriber(c.Request().Context(), userOp(c), c.Param("id")); err != nil {
		return err
	}
	return redirect(c, consolePath+"/subscribers", "removed")
}

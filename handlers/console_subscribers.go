package handlers

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// subscribersPage shows the email subscribers per component and the addresses that
// bounce, with a way to remove them (admins).
func (s *console) subscribersPage(c echo.Context) error {
	v, err := s.subscribersView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.SubscribersPage(v))
}

func (s *console) subscribersView(c echo.Context) (templates.SubscribersView, error) {
	ctx := c.Request().Context()
	v := templates.SubscribersView{ConsolePage: s.page(c, "Email subscribers", "subscribers")}
	var err error
	if v.Counts, err = s.Service.SubscriberCounts(ctx); err != nil {
		return v, err
	}
	if v.Bouncing, err = s.Service.Subscribers(ctx, status.SubscriberFilter{Limit: 200, Bouncing: true}); err != nil {
		return v, err
	}
	_, comps, err := s.Service.Components(ctx)
	if err != nil {
		return v, err
	}
	v.Names = map[string]string{status.AllComponents: "Everything"}
	for _, cp := range comps {
		v.Names[cp.ID] = cp.Name.String()
	}
	return v, nil
}

// subscribersProblem shows the page again with what was wrong with a form.
func (s *console) subscribersProblem(c echo.Context, code int, problem, notice string) error {
	v, err := s.subscribersView(c)
	if err != nil {
		return err
	}
	v.Problem, v.Notice = problem, notice
	return s.render(c, code, templates.SubscribersPage(v))
}

type addSubscriberForm struct {
	Email      string `form:"email"`
	Lang       string `form:"lang"`
	Components string `form:"components"`
}

func (s *console) addSubscriber(c echo.Context) error {
	var req addSubscriberForm
	if err := bindForm(c, &req); err != nil {
		return err
	}
	_, err := s.Service.AddSubscriber(c.Request().Context(), userOp(c), status.SubscribeInput{Email: req.Email, Lang: req.Lang,
		Components: strings.Fields(req.Components)})
	if err == nil {
		return redirect(c, consolePath+"/subscribers", "subscriber")
	}
	if _, msg, code, ok := formError(err); ok {
		return s.subscribersProblem(c, code, msg, "")
	}
	return err
}

func (s *console) importSubscribers(c echo.Context) error {
	var req struct {
		CSV string `form:"csv"`
	}
	if err := bindForm(c, &req); err != nil {
		return err
	}
	rows, err := parseSubscriberCSV([]byte(req.CSV))
	if err != nil {
		return s.subscribersProblem(c, http.StatusBadRequest, "The CSV could not be read: one row per address, email,lang,components.", "")
	}
	res, err := s.Service.ImportSubscribers(c.Request().Context(), userOp(c), rows)
	if err != nil {
		if _, msg, code, ok := formError(err); ok {
			return s.subscribersProblem(c, code, msg, "")
		}
		return err
	}
	notice := fmt.Sprintf("%d added, %d already subscribed, %d skipped.", res.Added, res.Existing, len(res.Problems))
	for i := 1; i <= len(rows); i++ {
		if p, ok := res.Problems[i]; ok {
			notice += fmt.Sprintf(" Row %d: %s", i, p)
		}
	}
	return s.subscribersProblem(c, http.StatusOK, "", notice)
}

func (s *console) removeSubscriber(c echo.Context) error {
	if err := s.Service.RemoveSubscriber(c.Request().Context(), userOp(c), c.Param("id")); err != nil {
		return err
	}
	return redirect(c, consolePath+"/subscribers", "removed")
}

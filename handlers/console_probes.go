package handlers

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Probes on a component's console page. Field names carry a "probe_" prefix: the page's
// component form has a name and a status of its own.

type probeFormRequest struct {
	Name         string `form:"probe_name"`
	Kind         string `form:"probe_kind"`
	Target       string `form:"probe_target"`
	Method       string `form:"probe_method"`
	ExpectStatus string `form:"probe_expect_status"`
	BodyContains string `form:"probe_body_contains"`
	CertMinDays  string `form:"probe_cert_min_days"`
	Interval     string `form:"probe_interval"`
	Timeout      string `form:"probe_timeout"`
	FailAfter    string `form:"probe_fail_after"`
	RecoverAfter string `form:"probe_recover_after"`
	Status       string `form:"probe_status"`
}

func (r probeFormRequest) form() templates.ProbeForm {
	return templates.ProbeForm{Name: r.Name, Kind: r.Kind, Target: r.Target, Method: r.Method, ExpectStatus: r.ExpectStatus,
		BodyContains: r.BodyContains, CertMinDays: r.CertMinDays, Interval: r.Interval, Timeout: r.Timeout,
		FailAfter: r.FailAfter, RecoverAfter: r.RecoverAfter, Status: r.Status}
}

// input reads the form; p collects what cannot be read, under the service's field names.
func (r probeFormRequest) input(p status.Problems) status.ProbeInput {
	num := func(field, v string) int {
		v = strings.TrimSpace(v)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			p.Add(field, "must be a whole number")
		}
		return n
	}
	dur := func(field, v string) time.Duration {
		v = strings.TrimSpace(v)
		if v == "" {
			return 0
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			p.Add(field, "must be a duration like 30s or 1m")
		}
		return d
	}
	in := status.ProbeInput{Name: r.Name, Kind: status.ProbeKind(r.Kind), Target: r.Target, Method: r.Method,
		ExpectStatus: num("expect_status", r.ExpectStatus), BodyContains: r.BodyContains,
		CertMinDays: num("cert_min_days", r.CertMinDays), Interval: dur("interval", r.Interval),
		Timeout: dur("timeout", r.Timeout), FailAfter: num("fail_after", r.FailAfter),
		RecoverAfter: num("recover_after", r.RecoverAfter), Status: status.ComponentStatus(r.Status)}
	if in.Kind != status.ProbeHTTP && in.Kind != "" {
		in.Method = "" // the form always sends the field; it only means something for HTTP
	}
	return in
}

func (s *console) createProbe(c echo.Context) error {
	var req probeFormRequest
	if err := bindForm(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	p := status.Problems{}
	in := req.input(p)
	var err error
	if len(p) == 0 {
		if _, err = s.Service.CreateProbe(c.Request().Context(), userOp(c), id, in); err == nil {
			return redirect(c, consolePath+"/components/"+url.PathEscape(id), "probe")
		}
		if _, _, _, ok := formError(err); !ok {
			return err
		}
	}
	v, verr := s.componentEditView(c)
	if verr != nil {
		return verr
	}
	v.ProbeForm = req.form()
	var errs templates.FormErrors
	var problem string
	return s.renderFailed(c, p, err, &errs, &problem, func(code int) error {
		v.ProbeErrors = templates.FormErrors{"form": problem}
		for k, msg := range errs {
			v.ProbeErrors["probe_"+k] = msg
		}
		return s.render(c, code, templates.ComponentEditPage(v))
	})
}

func (s *console) deleteProbe(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	comp := ""
	if ps, err := s.Service.Probes(ctx, ""); err == nil {
		for _, p := range ps {
			if p.ID == id {
				comp = p.ComponentID
			}
		}
	}
	if err := s.Service.DeleteProbe(ctx, userOp(c), id); err != nil {
		return err
	}
	return redirect(c, consolePath+"/components/"+url.PathEscape(comp), "deleted")
}

// probesView fills a component page's probes, their last day and their sparkline.
func (s *console) probesView(c echo.Context, v *templates.ComponentEditView) error {
	ctx := c.Request().Context()
	var err error
	if v.Probes, err = s.Service.Probes(ctx, v.Component.ID); err != nil {
		return err
	}
	v.ProbeForm = templates.ProbeForm{Kind: "http", Method: "GET", Interval: "1m", Status: string(status.PartialOutage)}
	now := s.Service.Clock().Now().UTC().Truncate(time.Minute)
	if v.Day, err = s.Service.ComponentMetrics(ctx, v.Component.ID, now.Add(-24*time.Hour), now, time.Hour); err != nil {
		return err
	}
	hour, err := s.Service.ComponentMetrics(ctx, v.Component.ID, now.Add(-time.Hour), now, time.Minute)
	if err != nil {
		return err
	}
	v.Spark = templates.NewSpark(hour.Points)
	return nil
}

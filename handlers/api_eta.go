package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

// calibrationRecent is how many resolved incidents the calibration report lists.
const calibrationRecent = 20

func minutes(d time.Duration) float64 { return float64(d) / float64(time.Minute) }

func share(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(n) / float64(of)
	return &v
}

// etaCalibration shows staff their promises' track record beside the model's.
func (s *server) etaCalibration(c echo.Context) error {
	incs, _, err := s.Service.Incidents(c.Request().Context(), status.IncidentFilter{Status: "resolved"})
	if err != nil {
		return err
	}
	cal := status.Calibrate(incs, calibrationRecent)
	recent := make([]map[string]any, 0, len(cal.Recent))
	for _, r := range cal.Recent {
		ann := make([]string, 0, len(r.Announced))
		for _, a := range r.Announced {
			ann = append(ann, ts(a))
		}
		item := map[string]any{"id": r.ID, "title": r.Title, "started_at": ts(r.StartedAt), "resolved_at": ts(r.ResolvedAt),
			"duration_min": minutes(r.ResolvedAt.Sub(r.StartedAt)), "announced": ann, "first_estimate": nil}
		if e := r.First; e != nil {
			item["first_estimate"] = map[string]any{"p50": ts(e.P50), "p80": ts(e.P80), "p90": ts(e.P90),
				"samples": e.Samples, "basis": e.Pool}
		}
		recent = append(recent, item)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"resolved_incidents": cal.Incidents,
		"announced": map[string]any{
			"count": cal.Announced.Count, "met": cal.Announced.Met, "met_share": share(cal.Announced.Met, cal.Announced.Count),
			"median_late_min": minutes(cal.Announced.MedianLate), "median_error_min": minutes(cal.Announced.MedianError),
		},
		"model": map[string]any{
			"count":        cal.Model.Count,
			"p50_coverage": share(cal.Model.P50Met, cal.Model.Count), "p80_coverage": share(cal.Model.P80Met, cal.Model.Count),
			"p90_coverage":             share(cal.Model.P90Met, cal.Model.Count),
			"p50_median_abs_error_min": minutes(cal.Model.P50MedianAbsError),
		},
		"recent": recent,
	})
}

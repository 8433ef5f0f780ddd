package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

type uptimeDayJSON struct {
	Day                string `json:"day"`
	NoData             bool   `json:"no_data"`
	MajorMinutes       int    `json:"major_minutes"`
	PartialMinutes     int    `json:"partial_minutes"`
	DegradedMinutes    int    `json:"degraded_minutes"`
	MaintenanceMinutes int    `json:"maintenance_minutes"`
	Incidents          int    `json:"incidents"`
}

type componentUptimeJSON struct {
	ComponentID string          `json:"component_id"`
	Days        []uptimeDayJSON `json:"days"`
	// UptimePercent is null when no day in the range has data.
	UptimePercent *float64 `json:"uptime_percent"`
}

// uptime answers GET /api/v1/uptime?component=ID&from=YYYY-MM-DD&to=YYYY-MM-DD with the
// daily roll-ups: every component in display order, or the one asked for.
func (s *server) uptime(c echo.Context) error {
	rep, err := s.Service.UptimeReport(c.Request().Context(), c.QueryParam("component"), c.QueryParam("from"),
		c.QueryParam("to"))
	if err != nil {
		return err
	}
	out := make([]componentUptimeJSON, 0, len(rep.Components))
	for _, h := range rep.Components {
		v := componentUptimeJSON{ComponentID: h.ComponentID, Days: make([]uptimeDayJSON, 0, len(h.Days))}
		for _, d := range h.Days {
			v.Days = append(v.Days, toUptimeDayJSON(d))
			if !d.NoData && v.UptimePercent == nil {
				p := h.Percent
				v.UptimePercent = &p
			}
		}
		out = append(out, v)
	}
	return c.JSON(http.StatusOK, map[string]any{"from": rep.From, "to": rep.To, "components": out})
}

func toUptimeDayJSON(d status.UptimeDayRecord) uptimeDayJSON {
	return uptimeDayJSON{Day: d.Day, NoData: d.NoData, MajorMinutes: d.MajorMinutes, PartialMinutes: d.PartialMinutes,
		DegradedMinutes: d.DegradedMinutes, MaintenanceMinutes: d.MaintenanceMinutes, Incidents: d.Incidents}
}

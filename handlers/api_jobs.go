package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type jobJSON struct {
	Name         string  `json:"name"`
	Schedule     string  `json:"schedule"`
	LastRun      *string `json:"last_run"`
	LastDuration float64 `json:"last_duration_ms"`
	LastError    *string `json:"last_error"`
	Runs         int     `json:"runs"`
	Failures     int     `json:"failures"`
	Skipped      int     `json:"skipped"`
	Running      bool    `json:"running"`
	NextRun      *string `json:"next_run"`
}

func (s *server) listJobs(c echo.Context) error {
	out := []jobJSON{}
	if s.Jobs != nil {
		for _, j := range s.Jobs.Statuses() {
			out = append(out, jobJSON{Name: j.Name, Schedule: j.Schedule, LastRun: tsPtr(j.LastStart),
				LastDuration: float64(j.LastDuration) / float64(time.Millisecond), LastError: optString(j.LastError),
				Runs: j.Runs, Failures: j.Failures, Skipped: j.Skipped, Running: j.Running, NextRun: tsPtr(j.Next)})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"jobs": out})
}

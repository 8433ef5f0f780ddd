package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// A write's answer is the resource as it stands after the write, read in one transaction.
// With an Idempotency-Key it is rendered inside the write's own transaction (the
// IdempotencyRequest's Render), so the write, the key and the recorded answer commit
// together and a retry after a crash replays exactly the first answer; without one it is
// read once after the commit.

// render is a resource's answer read through tx.
type render func(tx status.Tx, id string) (statusCode int, body []byte, err error)

// written answers a successful write of resource id at location (with code, normally 201):
// from what the write itself rendered when it had an Idempotency-Key, else from one read.
func (s *server) written(c echo.Context, op status.Op, id, location string, fn render) error {
	if location != "" {
		c.Response().Header().Set("Location", location)
	}
	if r := op.Idempotency; r != nil && r.Body != nil {
		return c.JSONBlob(r.StatusCode, r.Body)
	}
	var code int
	var body []byte
	err := s.read(c.Request().Context(), func(tx status.Tx) error {
		var err error
		code, body, err = fn(tx, id)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSONBlob(code, body)
}

// withRender sets the Render of an idempotent request to fn.
func withRender(op status.Op, fn render) status.Op {
	if op.Idempotency != nil {
		op.Idempotency.Render = fn
	}
	return op
}

// read runs fn in one read transaction.
func (s *server) read(ctx context.Context, fn func(status.Tx) error) error {
	return s.Service.Store().Read(ctx, fn)
}

func encoded(code int, v any) (int, []byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, nil, fmt.Errorf("encode response: %w", err)
	}
	return code, b, nil
}

// incidentFrom is an incident's /api/v1 JSON read through tx.
func (s *server) incidentFrom(tx status.Tx, id string) (incidentJSON, *status.Incident, error) {
	inc, err := tx.Incident(id)
	if err != nil {
		return incidentJSON{}, nil, err
	}
	comps, err := tx.Components()
	if err != nil {
		return incidentJSON{}, nil, err
	}
	return s.toIncidentJSON(inc, componentNames(inc, comps)), inc, nil
}

// writeAnswerUpdates is how many of the newest timeline entries an incident write answers
// with (updates_total says how many there are; GET /api/v1/incidents/{id} has them all).
// Why not all: under load, reading and encoding a timeline of a thousand entries for every
// update was most of the server's work and kept write latency far above 100 ms (issue 18);
// this way a write costs the same however long the incident has run.
const writeAnswerUpdates = 20

// renderIncident answers an incident write: the incident with the newest entries of its
// timeline, with a warning when the time it announced is unlikely.
func (s *server) renderIncident(tx status.Tx, id string) (int, []byte, error) {
	inc, err := tx.IncidentState(id)
	if err != nil {
		return 0, nil, err
	}
	ups, total, err := tx.LatestUpdates(id, writeAnswerUpdates)
	if err != nil {
		return 0, nil, err
	}
	inc.Updates = ups
	comps, err := tx.Components()
	if err != nil {
		return 0, nil, err
	}
	names := componentNames(inc, comps)
	if total > len(ups) && !s.recentSuffices(inc, names) {
		if inc, err = tx.Incident(id); err != nil {
			return 0, nil, err
		}
		names = componentNames(inc, comps)
	}
	v := s.toIncidentJSON(inc, names)
	v.Updates, v.UpdatesTotal = v.Updates[max(0, len(v.Updates)-writeAnswerUpdates):], total
	if u := inc.LatestUpdate(); u != nil && !u.AnnouncedETA.IsZero() {
		v.Warnings = warnings(u.AnnouncedChance)
	}
	return encoded(http.StatusCreated, v)
}

// recentSuffices reports whether the newest entries of a timeline give everything the
// incident's JSON derives from it as the whole one would: what the domain derives
// (status.Incident.RecentEntriesSuffice) and the names of deleted components, which only
// the entries that changed them keep.
func (s *server) recentSuffices(inc *status.Incident, names map[string]lang.Text) bool {
	if !inc.RecentEntriesSuffice(s.Service.Clock().Now()) {
		return false
	}
	for _, c := range inc.Components {
		if _, ok := names[c.ComponentID]; !ok {
			return false
		}
	}
	return true
}

// componentFrom is a component's /api/v1 JSON read through tx.
func componentFrom(tx status.Tx, id string) (componentJSON, error) {
	c, err := tx.Component(id)
	if err != nil {
		return componentJSON{}, err
	}
	groups, err := tx.Groups()
	if err != nil {
		return componentJSON{}, err
	}
	return toComponentJSON(*c, groups), nil
}

func renderComponent(tx status.Tx, id string) (int, []byte, error) {
	v, err := componentFrom(tx, id)
	if err != nil {
		return 0, nil, err
	}
	return encoded(http.StatusCreated, v)
}

// maintenanceFrom is a maintenance's /api/v1 JSON read through tx.
func (s *server) maintenanceFrom(tx status.Tx, id string) (maintenanceJSON, error) {
	m, err := tx.Maintenance(id)
	if err != nil {
		return maintenanceJSON{}, err
	}
	comps, err := tx.Components()
	if err != nil {
		return maintenanceJSON{}, err
	}
	v := s.toMaintenanceJSON(m, comps)
	checks, err := tx.MaintenanceChecks(id)
	if err != nil {
		return maintenanceJSON{}, err
	}
	for _, ch := range checks {
		v.PreChecks = append(v.PreChecks, preCheckJSON{ID: ch.ID, Text: ch.Text, Done: ch.Done(), DoneBy: optString(ch.DoneBy),
			DoneAt: tsPtr(ch.DoneAt)})
	}
	return v, nil
}

func (s *server) renderMaintenance(tx status.Tx, id string) (int, []byte, error) {
	v, err := s.maintenanceFrom(tx, id)
	if err != nil {
		return 0, nil, err
	}
	return encoded(http.StatusCreated, v)
}

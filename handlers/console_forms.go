package handlers

import (
	"maps"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Helpers that turn HTML form values into domain inputs. Form field names follow the API's
// JSON names, so the service's per-field problems land next to the right input.

// bindForm binds the posted form (only the body: path and query cannot set fields).
func bindForm(c echo.Context, dst any) error {
	if err := (&echo.DefaultBinder{}).BindBody(c, dst); err != nil {
		return badRequest("The form could not be read; reload the page and try again.")
	}
	return nil
}

// localLayouts are what datetime-local inputs send (seconds appear when a step is set) and
// what people type where the browser offers a plain text box.
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// parseLocal reads a date and time typed in the page's zone; "" is the zero time.
func parseLocal(p status.Problems, field, v string, loc *time.Location) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t
		}
	}
	p.Add(field, "must be a date and time like 2026-11-22T16:00")
	return time.Time{}
}

// formatLocal writes t for a datetime-local input in loc ("" for the zero time).
func formatLocal(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02T15:04")
}

// parsePercent reads an optional share of users, 0–100.
func parsePercent(p status.Problems, field, v string) *float64 {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "%"))
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) { // ParseFloat reads "NaN" and "Inf"
		p.Add(field, "must be a number between 0 and 100")
		return nil
	}
	return &f
}

// statusFields collects the "components.<id>" selects of a form; an empty choice means the
// component is not affected (new incident) or unchanged (update).
func statusFields(c echo.Context) map[string]string {
	out := map[string]string{}
	form, err := c.FormParams()
	if err != nil {
		return out
	}
	for k, vs := range form {
		if id, ok := strings.CutPrefix(k, "components."); ok && len(vs) > 0 {
			out[id] = strings.TrimSpace(vs[0])
		}
	}
	return out
}

// chosenStatuses keeps the components a form gave a status.
func chosenStatuses(m map[string]string) map[string]status.ComponentStatus {
	out := map[string]status.ComponentStatus{}
	for id, st := range m {
		if st != "" {
			out[id] = status.ComponentStatus(st)
		}
	}
	return out
}

// checked reads a checkbox; unchecked boxes are not sent at all.
func checked(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "on", "1", "yes":
		return true
	}
	return false
}

// mergeProblems adds a service error's field problems to those found while reading the
// form, so one round trip shows every problem.
func mergeProblems(parse status.Problems, err error) templates.FormErrors {
	out := templates.FormErrors{}
	maps.Copy(out, status.ErrorFields(err))
	maps.Copy(out, parse)
	return out
}

// parseDurationList reads "24h, 1h30m" into durations; "" is none at all.
func parseDurationList(p status.Problems, field, v string) []time.Duration {
	out := []time.Duration{}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		d, err := time.ParseDuration(part)
		if err != nil {
			p.Add(field, "must be durations like 24h, 1h or 30m, separated by commas")
			return nil
		}
		out = append(out, d)
	}
	return out
}

// pair is a text typed in the form's two inputs of one field ("title_ko", "title_en"); a
// form posted with the field's plain name instead ("title", as a script might) gives the
// same text in every language, as a string does in the API.
func pair(plain, ko, en string) lang.Text {
	if ko == "" && en == "" {
		return lang.Same(plain)
	}
	return lang.Text{KO: ko, EN: en}
}

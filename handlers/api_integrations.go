package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

// Monitoring in: Prometheus Alertmanager's webhook and a generic signal API. Both only
// report; status.Service decides (hold, dedup, holds by incidents and maintenance).

// Alertmanager labels that map an alert to Candor.
const (
	labelComponent = "candor_component"
	labelStatus    = "candor_status"
)

// MaxWebhookBytes bounds an Alertmanager notification: a group of a few hundred alerts with
// their annotations (Alertmanager's max_alerts caps it, reporting truncatedAlerts).
const MaxWebhookBytes = 1 << 20

// limitBodyTo is limitBody with its own bound.
func limitBodyTo(n int64) echo.MiddlewareFunc {
	tooLarge := &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large",
		msg: fmt.Sprintf("The request body is larger than %d KiB; set max_alerts in Alertmanager's webhook_config.", n>>10)}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > n {
				return tooLarge
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, n)
			if err := next(c); err != nil {
				var mb *http.MaxBytesError
				if errors.As(err, &mb) || err == errTooLarge {
					return tooLarge
				}
				return err
			}
			return nil
		}
	}
}

// amPayload is Alertmanager's webhook payload, version 4. Only what Candor uses is read;
// the rest (receiver, groupLabels, commonAnnotations, externalURL, …) is accepted and
// ignored, and so are fields Alertmanager or Grafana may add later.
type amPayload struct {
	Version         string    `json:"version"`
	GroupKey        string    `json:"groupKey"`
	Status          string    `json:"status"`
	TruncatedAlerts int       `json:"truncatedAlerts"`
	Alerts          []amAlert `json:"alerts"`
}

type amAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

// signalResultJSON says what became of one alert or signal.
type signalResultJSON struct {
	Key         string  `json:"key"`
	Fingerprint string  `json:"fingerprint,omitempty"`
	Component   string  `json:"component"`
	Result      string  `json:"result"`
	Applied     bool    `json:"applied"`
	TakesEffect *string `json:"takes_effect_at,omitempty"`
	Problem     string  `json:"problem,omitempty"`
}

func toSignalResult(o status.SignalOutcome) signalResultJSON {
	r := signalResultJSON{Key: o.Key, Component: o.Component, Result: o.Result, Applied: o.Applied, TakesEffect: tsPtr(o.DueAt)}
	if o.Problem != "" {
		r.Problem = o.Field + " " + o.Problem
	}
	return r
}

// alertmanager takes Alertmanager's webhook. Alerts that cannot be mapped (no
// candor_component label, an unknown component, a bad candor_status) are skipped and
// listed in the answer, which is still 200: Alertmanager would otherwise retry the whole
// group, the good alerts with it, for a mistake only a configuration change fixes.
func (s *server) alertmanager(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var p amPayload
	if err := decodeLoose(body, &p); err != nil {
		return err
	}
	switch {
	case p.Version != "4":
		return &status.Error{Code: status.EINVALID, Message: fmt.Sprintf("Unsupported Alertmanager webhook version %q; Candor reads version 4.", p.Version),
			Fields: map[string]string{"version": `must be "4"`}}
	case len(p.Alerts) == 0:
		return &status.Error{Code: status.EINVALID, Message: "The payload has no alerts.", Fields: map[string]string{"alerts": "must not be empty"}}
	}
	ins := make([]status.SignalInput, 0, len(p.Alerts))
	var prints []string
	var skipped []signalResultJSON
	for i, a := range p.Alerts {
		fp := a.Fingerprint
		if fp == "" {
			fp = fingerprint(a.Labels)
		}
		key := "alertmanager:" + fp
		comp := strings.TrimSpace(a.Labels[labelComponent])
		switch {
		case a.Status != "firing" && a.Status != "resolved":
			skipped = append(skipped, signalResultJSON{Key: key, Fingerprint: fp, Component: comp, Result: status.SignalIgnored,
				Problem: fmt.Sprintf("alerts[%d].status must be firing or resolved", i)})
			continue
		case comp == "":
			skipped = append(skipped, signalResultJSON{Key: key, Fingerprint: fp, Result: status.SignalIgnored,
				Problem: "no " + labelComponent + " label: the alert names no Candor component"})
			continue
		}
		ins = append(ins, status.SignalInput{Key: key, Component: comp, Status: status.ComponentStatus(strings.TrimSpace(a.Labels[labelStatus])),
			Source: "alertmanager", Summary: alertSummary(a), Resolved: a.Status == "resolved", StartedAt: a.StartsAt})
		prints = append(prints, fp)
	}
	results := skipped
	if len(ins) > 0 {
		out, err := s.Service.ReportSignals(c.Request().Context(), s.op(c), ins)
		if err != nil {
			return err
		}
		for i, o := range out {
			r := toSignalResult(o)
			r.Fingerprint = prints[i]
			if o.Field == "status" {
				r.Problem = labelStatus + " label " + o.Problem
			}
			results = append(results, r)
		}
	}
	for _, r := range results {
		if r.Result == status.SignalIgnored {
			s.Log.WarnContext(c.Request().Context(), "alert skipped", "fingerprint", r.Fingerprint, "problem", r.Problem, "group", p.GroupKey)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"received": len(p.Alerts), "truncated_alerts": p.TruncatedAlerts, "results": results})
}

// alertSummary is what staff read about an alert: its name and its summary annotation.
func alertSummary(a amAlert) string {
	text := a.Annotations["summary"]
	if text == "" {
		text = a.Annotations["description"]
	}
	name := a.Labels["alertname"]
	switch {
	case name == "":
		return text
	case text == "":
		return name
	}
	return name + ": " + text
}

// fingerprint identifies an alert by its labels when the payload carries no fingerprint
// (Alertmanager before 0.19), as Alertmanager does: the same label set is the same alert.
func fingerprint(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, k := range names {
		fmt.Fprintf(h, "%s\xff%s\xff", k, labels[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// signalRequest is the generic signal API's body.
type signalRequest struct {
	Component string  `json:"component"`
	Status    string  `json:"status"`
	Source    string  `json:"source"`
	Summary   string  `json:"summary"`
	DedupKey  string  `json:"dedup_key"`
	Resolved  bool    `json:"resolved"`
	StartedAt *string `json:"started_at"`
}

// signal takes one report from anything that is not Alertmanager (Grafana, Datadog, a
// script). Without a dedup_key, the source's reports on one component are one signal.
func (s *server) signal(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req signalRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	started, err := parseTime("started_at", req.StartedAt)
	if err != nil {
		return err
	}
	dedup := strings.TrimSpace(req.DedupKey)
	if dedup == "" {
		dedup = strings.TrimSpace(req.Component)
	}
	in := status.SignalInput{Key: "signal:" + strings.TrimSpace(req.Source) + ":" + dedup, Component: req.Component,
		Status: status.ComponentStatus(req.Status), Source: req.Source, Summary: req.Summary, Resolved: req.Resolved, StartedAt: started}
	out, err := s.Service.ReportSignals(c.Request().Context(), s.op(c), []status.SignalInput{in})
	if err != nil {
		return err
	}
	if o := out[0]; o.Result == status.SignalIgnored {
		return &status.Error{Code: status.EINVALID, Message: fmt.Sprintf("Invalid %s: %s", o.Field, o.Problem),
			Fields: map[string]string{o.Field: o.Problem}}
	}
	return c.JSON(http.StatusOK, toSignalResult(out[0]))
}

// decodeLoose decodes a JSON object from a sender Candor does not control, accepting
// fields it does not know, with the same clear errors as decodeStrict for malformed JSON
// and wrong types.
func decodeLoose(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("The request body is empty; send a JSON object.")
	}
	if err := checkUTF8(body); err != nil {
		return err
	}
	err := json.Unmarshal(body, dst)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("Malformed JSON at byte %d: %s.", se.Offset, se.Error()))
	case errors.As(err, &te):
		return typeProblem(te)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return badRequest(fmt.Sprintf("Malformed time %q: want RFC 3339, as Alertmanager sends.", pe.Value))
	}
	return badRequest("Malformed JSON: " + err.Error())
}

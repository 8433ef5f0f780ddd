package eta

import (
	"sort"
	"strings"
	"time"

	"github.com/candorstatus/candor/statuspage"
)

// RecordsFromStatuspage converts a Statuspage incident history into records.
//
// Scheduled maintenances (ScheduledFor set, or impact "maintenance") are skipped: their
// end is planned, not restored. Start is started_at, falling back to created_at.
// Identified is the earliest update with status "identified"; Monitoring is monitoring_at,
// falling back to the earliest "monitoring" update. End is resolved_at when the incident's
// status is resolved or postmortem, falling back to the latest "resolved" update and,
// failing that, to the latest update of any kind (a resolved incident must not pass for
// an open one, which would make it look endless). Components are the incident's
// components[] ids plus every affected_components code of its updates. Timestamps are
// RFC 3339 with or without fractional seconds; unparseable ones count as absent, and an
// incident without any usable start is skipped.
func RecordsFromStatuspage(incs []statuspage.Incident) []Record {
	out := make([]Record, 0, len(incs))
	for _, in := range incs {
		if in.ScheduledFor != nil || strings.EqualFold(strings.TrimSpace(in.Impact), "maintenance") {
			continue
		}
		r := Record{ID: in.ID, Impact: normImpact(in.Impact)}
		r.Start = parseTime(in.StartedAt)
		if r.Start.IsZero() {
			r.Start = parseTime(in.CreatedAt)
		}
		if r.Start.IsZero() {
			continue
		}
		comps := map[string]bool{}
		var lastResolved, lastAny time.Time
		for _, u := range in.IncidentUpdates {
			t := updateTime(u)
			for _, ac := range u.AffectedComponents {
				if ac.Code != "" {
					comps[ac.Code] = true
				}
			}
			if t.IsZero() {
				continue
			}
			if t.After(lastAny) {
				lastAny = t
			}
			switch strings.ToLower(u.Status) {
			case "identified":
				if r.Identified.IsZero() || t.Before(r.Identified) {
					r.Identified = t
				}
			case "monitoring":
				if in.MonitoringAt == nil && (r.Monitoring.IsZero() || t.Before(r.Monitoring)) {
					r.Monitoring = t
				}
			case "resolved":
				if t.After(lastResolved) {
					lastResolved = t
				}
			}
		}
		if in.MonitoringAt != nil {
			r.Monitoring = parseTime(*in.MonitoringAt)
		}
		switch strings.ToLower(in.Status) {
		case "resolved", "postmortem":
			if in.ResolvedAt != nil {
				r.End = parseTime(*in.ResolvedAt)
			}
			if r.End.IsZero() {
				r.End = lastResolved
			}
			if r.End.IsZero() {
				r.End = lastAny
			}
		}
		for _, c := range in.Components {
			if c.ID != "" {
				comps[c.ID] = true
			}
		}
		for c := range comps {
			r.Components = append(r.Components, c)
		}
		sort.Strings(r.Components)
		out = append(out, r)
	}
	return out
}

// updateTime is when an update was posted: created_at, falling back to display_at.
func updateTime(u statuspage.IncidentUpdate) time.Time {
	if t := parseTime(u.CreatedAt); !t.IsZero() {
		return t
	}
	return parseTime(u.DisplayAt)
}

// parseTime parses RFC 3339 with or without fractional seconds; zero when it cannot.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

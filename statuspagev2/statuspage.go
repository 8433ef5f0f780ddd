// Package statuspagev2 holds the wire format of Atlassian Statuspage's public v2 API.
//
// Candor serves these shapes under /api/v2 so that existing widgets and client libraries work
// unchanged, and reads them back when importing a history exported from Statuspage. Fields
// are pointers (never omitempty) where Statuspage sends null: clients index every field
// directly, so a missing key would break them.
package statuspagev2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Page describes the status page itself.
type Page struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	TimeZone  string `json:"time_zone"`
	UpdatedAt string `json:"updated_at"`
}

// Status is the page's overall indicator.
type Status struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
}

// Component is a component or, with Group true, a group of components.
type Component struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Status             string   `json:"status"`
	CreatedAt          string   `json:"created_at"`
	UpdatedAt          string   `json:"updated_at"`
	Position           int      `json:"position"`
	Description        *string  `json:"description"`
	Showcase           bool     `json:"showcase"`
	StartDate          *string  `json:"start_date"`
	GroupID            *string  `json:"group_id"`
	PageID             string   `json:"page_id"`
	Group              bool     `json:"group"`
	OnlyShowIfDegraded bool     `json:"only_show_if_degraded"`
	Components         []string `json:"components,omitempty"` // ids of children; groups only
}

// AffectedComponent records one component's change in an incident update. Statuspage calls
// the component id "code" here.
type AffectedComponent struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	OldStatus string `json:"old_status"`
	NewStatus string `json:"new_status"`
}

// IncidentUpdate is one entry of an incident's timeline.
type IncidentUpdate struct {
	ID                   string              `json:"id"`
	Status               string              `json:"status"`
	Body                 string              `json:"body"`
	IncidentID           string              `json:"incident_id"`
	CreatedAt            string              `json:"created_at"`
	UpdatedAt            string              `json:"updated_at"`
	DisplayAt            string              `json:"display_at"`
	AffectedComponents   []AffectedComponent `json:"affected_components"` // null when the update changed none
	DeliverNotifications bool                `json:"deliver_notifications"`
	CustomTweet          json.RawMessage     `json:"custom_tweet"`
	TweetID              json.RawMessage     `json:"tweet_id"`
}

// Incident is an incident or, with ScheduledFor set, a scheduled maintenance. Candor's extra
// fields (ETA, share of users affected) are appended by the server's own types.
type Incident struct {
	ID                string           `json:"id"`
	Name              string           `json:"name"`
	Status            string           `json:"status"`
	Impact            string           `json:"impact"`
	CreatedAt         string           `json:"created_at"`
	UpdatedAt         string           `json:"updated_at"`
	StartedAt         *string          `json:"started_at"` // null for maintenance not started yet
	MonitoringAt      *string          `json:"monitoring_at"`
	ResolvedAt        *string          `json:"resolved_at"`
	Shortlink         string           `json:"shortlink"`
	PageID            string           `json:"page_id"`
	IncidentUpdates   []IncidentUpdate `json:"incident_updates"`
	Components        []Component      `json:"components"`
	ReminderIntervals json.RawMessage  `json:"reminder_intervals"`
	ScheduledFor      *string          `json:"scheduled_for,omitempty"`
	ScheduledUntil    *string          `json:"scheduled_until,omitempty"`
}

// IncidentsDocument is the body of /api/v2/incidents.json.
type IncidentsDocument struct {
	Page      *Page      `json:"page"`
	Incidents []Incident `json:"incidents"`
}

// ParseIncidentsFile is ParseIncidents of the file at path.
func ParseIncidentsFile(path string) ([]Incident, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseIncidents(f)
}

// ParseIncidents reads a Statuspage incident history: either an incidents.json response
// ({"page":…, "incidents":[…]}), several of them concatenated, or a bare array of incidents.
// Scheduled maintenances are returned too; callers that want only incidents skip those with
// ScheduledFor set.
func ParseIncidents(r io.Reader) ([]Incident, error) {
	dec := json.NewDecoder(r)
	var out []Incident
	for n := 0; ; n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			if n == 0 {
				return nil, fmt.Errorf("parse statuspage history: empty input")
			}
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("parse statuspage history (document %d): %w", n+1, err)
		}
		trimmed := bytes.TrimSpace(raw)
		switch {
		case len(trimmed) > 0 && trimmed[0] == '[':
			var list []Incident
			if err := json.Unmarshal(trimmed, &list); err != nil {
				return nil, fmt.Errorf("parse statuspage history (document %d): %w", n+1, err)
			}
			out = append(out, list...)
		case len(trimmed) > 0 && trimmed[0] == '{':
			var doc struct {
				Incidents             *[]Incident `json:"incidents"`
				ScheduledMaintenances *[]Incident `json:"scheduled_maintenances"`
			}
			if err := json.Unmarshal(trimmed, &doc); err != nil {
				return nil, fmt.Errorf("parse statuspage history (document %d): %w", n+1, err)
			}
			if doc.Incidents == nil && doc.ScheduledMaintenances == nil {
				return nil, fmt.Errorf("parse statuspage history (document %d): no \"incidents\" array", n+1)
			}
			if doc.Incidents != nil {
				out = append(out, *doc.Incidents...)
			}
			if doc.ScheduledMaintenances != nil {
				out = append(out, *doc.ScheduledMaintenances...)
			}
		default:
			return nil, fmt.Errorf("parse statuspage history (document %d): expected an object or an array", n+1)
		}
	}
}

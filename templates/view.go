// Package templates renders Candor's HTML with templ: the public status pages (and, later,
// the staff console). Components take view models built elsewhere and do no I/O, so every
// page can be rendered ahead of time into a snapshot and tested by parsing its HTML.
package templates

import (
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// Lang is a language the public pages are written in.
type Lang = lang.Lang

// Supported languages, as package lang names them.
const (
	Korean  = lang.Korean
	English = lang.English
)

// Langs lists every supported language.
var Langs = lang.All

// The browser policies of public pages, carried in their <meta> tags (the server adds
// frame-ancestors for the answers it sends as headers).
const (
	ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'self'; form-action 'self'"
	ReferrerPolicy        = "strict-origin-when-cross-origin"
)

// Page is what every public page needs besides its own content.
type Page struct {
	Lang Lang
	// DefaultLang is the language a staff text falls back to when it has none in Lang.
	DefaultLang Lang
	Name        string         // the page's name, e.g. "Candor Messenger Status"
	PublicURL   string         // absolute base URL without trailing slash, e.g. https://status.example.com
	Location    *time.Location // the page's time zone
	// Path is the current page's path without query, used to build the language switch.
	Path string
	// Query is the page's own query (e.g. "page=2") without lang; links keep it.
	Query       string
	Now         time.Time // when the page was rendered
	Revision    int64
	CSSURL      string // fingerprinted asset URLs
	JSURL       string
	Title       string // the <title> prefix for this page; the page name is appended
	Description string // <meta name=description>
	// StaleSince is set while the store cannot be read: the page shows what was known then.
	StaleSince time.Time
	// Webhooks is set when the public may subscribe webhook URLs (mail is configured): the
	// subscribe form links to the webhook form.
	Webhooks bool
}

// ComponentView is one component row on the home page.
type ComponentView struct {
	Component status.Component
	Uptime    status.ComponentUptime
	// Spark is its probes' response time over the last hour, when it opted in (nil: none).
	Spark *Spark
	// Row, when set, is the row as ComponentRow rendered it for an equal view (SameRow) in
	// the same language; the home page writes it as it is. A snapshot keeps rows between
	// builds: a page of a thousand components is mostly their uptime bars.
	Row []byte
}

// GroupView is a group of components; Group.ID is "" for the ungrouped ones.
type GroupView struct {
	Group      status.Group
	Components []ComponentView
	// Worst is the worst status among the group's components, shown when collapsed.
	Worst status.ComponentStatus
}

// ETAView is the restoration estimate shown for an open incident. Every time in it is
// either in the future at Page.Now or flagged as passed; templates never present a passed
// time as upcoming.
type ETAView struct {
	// Announced is the staff-announced time (zero: none); AnnouncedPassed when it is past.
	Announced       time.Time
	AnnouncedPassed bool
	// AnnouncedChance is the model's probability of the announced time being met (-1:
	// unknown), with the counts behind it (Of 0: none).
	AnnouncedChance           float64
	AnnouncedMet, AnnouncedOf int
	// Model range (zero P50: no estimate yet).
	P50, P80, P90 time.Time
	Samples       int
	Few           bool // little history: wording says so
	// Basis is what the range rests on, for the words that say what it means.
	Basis wording.Basis
	// Missed is set when a promised time or the shown p90 passed with the incident open.
	Missed bool
}

// IncidentSummary is an incident as listed on the home page and in history.
type IncidentSummary struct {
	Incident status.Incident
	ETA      *ETAView // nil for resolved incidents or when there is nothing to say
	// ComponentNames maps a component id to its current (or, if deleted, last known) name.
	ComponentNames map[string]lang.Text
}

// HomeView is the model of "/".
type HomeView struct {
	Page
	Overall     status.Overall
	Groups      []GroupView
	Active      []IncidentSummary // open incidents, newest first
	Maintenance []MaintenanceView // in-progress first, then upcoming
	// Recent lists incidents resolved in the last few days, newest first.
	Recent     []IncidentSummary
	UptimeDays int

	days dayTexts // set by HomePage
}

// IncidentView is the model of "/incidents/{id}".
type IncidentView struct {
	Page
	IncidentSummary
	// Postmortem is the published postmortem, or nil.
	Postmortem *status.Postmortem
}

// MonthView groups history by calendar month in the page's zone.
type MonthView struct {
	Month     time.Time // first day of the month, local
	Incidents []IncidentSummary
}

// HistoryView is the model of "/history".
type HistoryView struct {
	Page
	Months     []MonthView
	PageNumber int // 1-based
	PageCount  int
}

// ErrorView is the friendly page shown for errors (404, 500, ...).
type ErrorView struct {
	Page
	Code    int
	Heading string
	Message string
}

// MaintenanceView is planned work as the public sees it.
type MaintenanceView struct {
	Maintenance status.Maintenance
	// ComponentNames maps a component id to its name.
	ComponentNames map[string]lang.Text
}

// MaintenancePageView is the model of "/maintenances/{id}".
type MaintenancePageView struct {
	Page
	MaintenanceView
}

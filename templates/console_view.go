package templates

import (
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// The staff console's view models. The console is English-first; the texts the public
// reads are written and shown in every language, side by side, and the previews show what
// each language's page and phones will read.

// ConsolePage is what every console page needs besides its own content.
type ConsolePage struct {
	Title    string
	PageName string // the status page's name
	// Section names the navigation entry to mark as current ("dashboard", "incidents", ...).
	Section string
	// User is the signed-in user (nil on the login page and on errors before sign-in).
	User *status.User
	// CSRF is the session's token, embedded in every form.
	CSRF          string
	CSSURL        string // the public stylesheet (the preview reuses its cards)
	ConsoleCSSURL string
	Location      *time.Location
	Now           time.Time
	// Flash is a one-line confirmation of what the last action did.
	Flash string
}

// Can reports whether the signed-in user may do what needs role need.
func (p ConsolePage) Can(need status.Role) bool { return p.User != nil && p.User.Role.Allows(need) }

// FormErrors maps a field (named as in the API's JSON, e.g. "announced_eta" or
// "components.search") to what is wrong with it.
type FormErrors map[string]string

// LoginView is the sign-in page.
type LoginView struct {
	ConsolePage
	Name    string
	Next    string // where to go after signing in
	Token   string // the login form's CSRF token (double-submitted with a cookie)
	Problem string
}

// ConsoleErrorView is a friendly error inside the console.
type ConsoleErrorView struct {
	ConsolePage
	Code    int
	Heading string
	Message string
}

// DashIncident is an open incident on the dashboard.
type DashIncident struct {
	Incident status.Incident
	ETA      *ETAView // the public page's estimate, in English
	// Chance scores the standing announced time (nil: none or no history).
	Chance   *status.Chance
	Unlikely bool // the announced time is unlikely to be met
	Missed   bool // a promised time passed with the incident open
}

// JobView is one periodic job's health.
type JobView struct {
	Name, Schedule string
	LastRun        time.Time
	LastDuration   time.Duration
	LastError      string
	Runs, Failures int
	Running        bool
	Next           time.Time
}

// OverdueView is a postmortem follow-up past its due day.
type OverdueView struct {
	IncidentID    string
	IncidentTitle lang.Text
	Action        status.FollowUp
}

// DashboardView is the console's home.
type DashboardView struct {
	ConsolePage
	Incidents []DashIncident
	Held      []status.Maintenance // postponed by work control: needs a decision
	Active    []status.Maintenance
	Upcoming  []status.Maintenance
	// Jobs is nil when this process runs no scheduler.
	Jobs    []JobView
	HasJobs bool
	Failed  []status.OutboxJob
	// Hooks are the webhook endpoints disabled or failing now.
	Hooks    []status.WebhookEndpoint
	Overdue  []OverdueView
	Names    map[string]lang.Text // component id → name
	Titles   map[string]lang.Text // incident id → title (for failures and held maintenance)
	Problems []string             // parts of the dashboard that could not be loaded

	// Drafts are incidents monitoring opened that nobody published yet; Suggestions are
	// open incidents whose signals say the trouble is over. Both come first.
	Drafts      []DraftCard
	Suggestions []Suggestion
}

// IncidentForm is the new-incident form as typed.
type IncidentForm struct {
	Title, Message        lang.Text
	Impact, Status, Cause string
	AnnouncedETA          string // datetime-local, in the page's zone
	UsersAffected         string
	// Components maps component id to the status chosen for it ("" : not affected).
	Components map[string]string
	Notify     bool
	Template   string // the template it was filled from
}

// UpdateForm is the post-an-update form as typed.
type UpdateForm struct {
	Status, Impact string
	Message        lang.Text
	AnnouncedETA   string
	Components     map[string]string // "" : no change
	Notify         bool
}

// PreviewCard is the status page's card for the previewed incident in one language.
type PreviewCard struct {
	Page    Page
	Summary IncidentSummary
}

// PushPreview is the push a phone gets in one language.
type PushPreview struct {
	Lang        Lang
	Title, Body string
	High        bool
	TTL         time.Duration
}

// EmailPreview is the email subscribers would get in one language.
type EmailPreview struct {
	Lang          Lang
	Subject, Text string
}

// PreviewView shows exactly what posting would publish.
type PreviewView struct {
	Cards  []PreviewCard
	Pushes []PushPreview // empty when the update does not notify
	// Emails is the subscriber email in each language (empty when it does not notify).
	Emails []EmailPreview
	Notify bool
	// Unlikely is set when history finds the announced time unlikely; Chance explains it.
	Unlikely bool
	Chance   *status.Chance
	Estimate *status.Estimate
	Resolved bool
	// Fallbacks says, per text left empty in a language, what that language's readers
	// will see instead.
	Fallbacks []string
}

// NewIncidentView is the new-incident page.
type NewIncidentView struct {
	ConsolePage
	Form       IncidentForm
	Errors     FormErrors
	Problem    string
	Components []status.Component
	Groups     []status.Group
	Templates  []status.Template
	Preview    *PreviewView
}

// IncidentListView lists open and recent incidents.
type IncidentListView struct {
	ConsolePage
	Open     []DashIncident
	Resolved []status.Incident
	Page     int
	More     bool
}

// IncidentDetailView is one incident with the forms that move it on.
type IncidentDetailView struct {
	ConsolePage
	Incident   status.Incident
	Names      map[string]lang.Text
	ETA        *ETAView
	Chance     *status.Chance
	Components []status.Component
	Update     UpdateForm
	Errors     FormErrors // of the update form
	Problem    string
	Resolve    lang.Text // the resolve form's message
	// ResolveErrors are the resolve form's problems.
	ResolveErrors FormErrors
	Preview       *PreviewView
	Postmortem    *status.Postmortem
	Deliveries    []status.OutboxJob
}

// MaintenanceForm is the schedule-maintenance form as typed.
type MaintenanceForm struct {
	Title, Message               lang.Text
	Components                   []string
	ScheduledFor, ScheduledUntil string // datetime-local
	RemindBefore                 string // e.g. "24h, 1h"
	Notify, AutoComplete         bool

	PreChecks string // one item a line
}

// MaintenanceListView lists maintenance by where it stands.
type MaintenanceListView struct {
	ConsolePage
	Upcoming, Active, Done []status.Maintenance
	Names                  map[string]lang.Text
}

// MaintenanceFormView is the schedule-maintenance page.
type MaintenanceFormView struct {
	ConsolePage
	Form       MaintenanceForm
	Errors     FormErrors
	Problem    string
	Components []status.Component
}

// MaintenanceDetailView is one maintenance with its start, cancel and update forms.
type MaintenanceDetailView struct {
	ConsolePage
	M     status.Maintenance
	Names map[string]lang.Text
	// Checks is its pre-check list, ticked by staff before it may start.
	Checks []status.MaintenanceCheck
	// Titles names the incidents holding it.
	Titles map[string]lang.Text
	// Form says which form Errors and Problem belong to: "start", "cancel" or "update".
	Form           string
	Errors         FormErrors
	Problem        string
	OverrideReason string
	ShowOverride   bool
	CancelMessage  lang.Text
	UpdateStatus   string
	UpdateMessage  lang.Text
	UpdateNotify   bool
}

// ComponentForm is the component form as typed.
type ComponentForm struct {
	ID, Position, Status     string
	Name, Description, Group lang.Text
}

// ComponentsView lists components with the create form.
type ComponentsView struct {
	ConsolePage
	Components []status.Component
	Groups     map[string]lang.Text // group id → name
	Form       ComponentForm
	Errors     FormErrors
	Problem    string
}

// ComponentEditView edits one component.
type ComponentEditView struct {
	ConsolePage
	Component status.Component
	Form      ComponentForm
	Errors    FormErrors
	Problem   string
	// Monitoring is how the component reacts to signals; Templates are what its drafts may
	// start from.
	Monitoring       MonitoringForm
	MonitoringErrors FormErrors
	Templates        []status.Template
	// Probes check the component from Candor; Day is their last 24 hours and Spark their
	// last hour.
	Probes      []status.Probe
	ProbeForm   ProbeForm
	ProbeErrors FormErrors
	Day         *status.Metrics
	Spark       *Spark
}

// KeysView lists API keys with the create form; Secret is shown once after creation.
type KeysView struct {
	ConsolePage
	Keys    []status.APIKey
	Name    string
	Scope   string
	Errors  FormErrors
	Problem string
	Secret  string
	Created string // the new key's name
}

// UsersView lists console users with the create form and per-user actions.
type UsersView struct {
	ConsolePage
	Users    []status.User
	Name     string
	Role     string
	Errors   FormErrors // of the create form
	Problem  string
	RowID    string     // the user whose row action failed
	RowError FormErrors // its problems
}

// TemplatesView lists incident templates.
type TemplatesView struct {
	ConsolePage
	Templates []status.Template
}

// TemplateForm is the template form as typed.
type TemplateForm struct {
	ID, Name, Cause, Impact string
	Title, Message          lang.Text
}

// TemplateFormView creates or edits a template.
type TemplateFormView struct {
	ConsolePage
	Form    TemplateForm
	Errors  FormErrors
	Problem string
}

// AuditView is one page of the audit log, newest first.
type AuditView struct {
	ConsolePage
	Entries []status.AuditEntry
	// Older is the id to page back from (0: no older entries).
	Older int64
	First bool
}

// ActionRow is a follow-up action row of the postmortem form as typed.
type ActionRow struct {
	ID, Owner, Due, State string
	Title                 lang.Text
}

// PostmortemForm is the postmortem form as typed.
type PostmortemForm struct {
	Cause, Impact, Timeline lang.Text
	Actions                 []ActionRow
	Publish                 bool
}

// PostmortemView edits an incident's postmortem.
type PostmortemView struct {
	ConsolePage
	Incident    status.Incident
	Form        PostmortemForm
	PublishedAt time.Time
	Errors      FormErrors // actions are keyed "actions.<row>.<field>"
	Problem     string
}

// SubscribersView is the console's email subscribers page.
type SubscribersView struct {
	ConsolePage
	Counts   []status.SubscriberCount
	Bouncing []status.Subscriber
	Names    map[string]string // component names by id ("*": everything)
	// Notice says what an import did; Problem what was wrong with a form.
	Notice, Problem string
}

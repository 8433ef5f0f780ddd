package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ComponentEvent is one component whose status a write changed.
type ComponentEvent struct {
	Component *Component // as it stands after the write
	Old       ComponentStatus
	Now       time.Time
}

// WebhookPlanner renders the webhook messages a change owes and queues their deliveries,
// inside the write transaction (implemented by notifier/webhook.Planner). Each method
// reports whether it queued anything.
type WebhookPlanner interface {
	PlanIncidentWebhooks(tx Tx, ev PushEvent) (bool, error)
	PlanMaintenanceWebhooks(tx Tx, ev MaintenanceEvent) (bool, error)
	PlanComponentWebhooks(tx Tx, evs []ComponentEvent) (bool, error)
	// PlanTestWebhook queues a test message to one endpoint, enabled or not.
	PlanTestWebhook(tx Tx, e *WebhookEndpoint, now time.Time) (*WebhookDelivery, error)
}

// SetWebhooks makes writes queue webhook deliveries through p, and registration check
// each URL with checkURL (nil: only ValidateWebhookURL). Call it before the service is
// shared.
func (s *Service) SetWebhooks(p WebhookPlanner, checkURL func(ctx context.Context, url string) error) {
	s.webhooks, s.checkWebhookURL = p, checkURL
}

// planIncidentWebhooks queues the webhooks an incident entry owes, whether or not it
// notifies phones: systems follow every change.
func (s *Service) planIncidentWebhooks(tx Tx, kind string, inc *Incident, u *Update, now time.Time) (bool, error) {
	if s.webhooks == nil {
		return false, nil
	}
	queued, err := s.webhooks.PlanIncidentWebhooks(tx, PushEvent{Kind: kind, Incident: inc, Update: u, Now: now})
	if err != nil {
		return false, fmt.Errorf("plan webhooks: %w", err)
	}
	return queued, nil
}

func (s *Service) planMaintenanceWebhooks(tx Tx, kind string, m *Maintenance, u *MaintenanceUpdate, now time.Time) (bool, error) {
	if s.webhooks == nil {
		return false, nil
	}
	queued, err := s.webhooks.PlanMaintenanceWebhooks(tx, MaintenanceEvent{Kind: kind, Maintenance: m, Update: u, Now: now})
	if err != nil {
		return false, fmt.Errorf("plan maintenance webhooks: %w", err)
	}
	return queued, nil
}

// componentRecorder is the Tx a write's function sees while webhooks are on: it notes
// every component status an UpdateComponent changes (first old, last new), whichever path
// changed it — an incident, maintenance, a signal, staff — so one place announces them.
type componentRecorder struct {
	Tx
	old   map[string]ComponentStatus
	order []string
	last  map[string]*Component
}

func (r *componentRecorder) UpdateComponent(c *Component) error {
	if _, seen := r.old[c.ID]; !seen {
		prev, err := r.Tx.Component(c.ID)
		if err != nil {
			return err
		}
		if r.old == nil {
			r.old, r.last = map[string]ComponentStatus{}, map[string]*Component{}
		}
		r.old[c.ID] = prev.Status
		r.order = append(r.order, c.ID)
	}
	if err := r.Tx.UpdateComponent(c); err != nil {
		return err
	}
	cp := *c
	r.last[c.ID] = &cp
	return nil
}

// events returns the components whose status differs from before the write.
func (r *componentRecorder) events(now time.Time) []ComponentEvent {
	if r == nil {
		return nil
	}
	var out []ComponentEvent
	for _, id := range r.order {
		c := r.last[id]
		if c != nil && c.Status != r.old[id] {
			out = append(out, ComponentEvent{Component: c, Old: r.old[id], Now: now})
		}
	}
	return out
}

// WebhookInput is a new endpoint, or with nil fields left alone, a change to one.
type WebhookInput struct {
	URL         *string
	Description *string
	Components  []string // nil: unchanged (new: everything)
	Events      []WebhookEvent
	Lang        *string
	Format      *WebhookFormat
	Enabled     *bool
	// ContactEmail is told when the endpoint is disabled after failing ("" clears it).
	ContactEmail *string
}

func (s *Service) checkURL(ctx context.Context, url string) error {
	if err := ValidateWebhookURL(url); err != nil {
		return err
	}
	if s.checkWebhookURL == nil {
		return nil
	}
	if err := s.checkWebhookURL(ctx, url); err != nil {
		return &Error{Code: EINVALID, Message: err.Error(), Fields: map[string]string{"url": "not allowed"}}
	}
	return nil
}

func (in WebhookInput) apply(e *WebhookEndpoint) {
	if in.URL != nil {
		e.URL = strings.TrimSpace(*in.URL)
	}
	if in.Description != nil {
		e.Description = strings.TrimSpace(*in.Description)
	}
	if in.Components != nil {
		e.Components = slices.Clone(in.Components)
	}
	if in.Events != nil {
		e.Events = slices.Clone(in.Events)
	}
	if in.Lang != nil {
		e.Lang = *in.Lang
	}
	if in.Format != nil {
		e.Format = *in.Format
	}
	if in.ContactEmail != nil {
		e.ContactEmail = *in.ContactEmail
	}
}

// normalizeContact normalises in's contact address in place; EINVALID for a bad one.
func (in *WebhookInput) normalizeContact() error {
	if in.ContactEmail == nil {
		return nil
	}
	c := strings.TrimSpace(*in.ContactEmail)
	if c != "" {
		n, err := NormalizeEmail(c)
		if err != nil {
			return fieldError("contact_email", "invalid", "The contact must be one email address, like ops@example.com.")
		}
		c = n
	}
	in.ContactEmail = &c
	return nil
}

// CreateWebhook registers an endpoint with a fresh signing secret, returned in it (the
// only time the secret is shown). Defaults: every component, every event, the
// statuspage format, Korean.
func (s *Service) CreateWebhook(ctx context.Context, op Op, in WebhookInput) (*WebhookEndpoint, error) {
	e := &WebhookEndpoint{ID: NewID(), Components: []string{AllComponents}, Events: slices.Clone(WebhookEvents),
		Lang: "ko", Format: FormatStatuspage, Secret: NewWebhookSecret()}
	if err := in.normalizeContact(); err != nil {
		return nil, err
	}
	in.apply(e)
	if err := s.checkURL(ctx, e.URL); err != nil {
		return nil, err
	}
	if in.Enabled != nil && !*in.Enabled {
		e.DisabledReason = StaffDisabledReason
	}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if err := knownComponents(tx, e.Components); err != nil {
			return change{}, err
		}
		e.CreatedAt, e.UpdatedAt = now, now
		if e.DisabledReason != "" {
			e.DisabledAt = now
		}
		if err := tx.PutWebhookEndpoint(e); err != nil {
			return change{}, err
		}
		return change{resource: e.ID, audit: &AuditEntry{Action: "webhook.create", Target: e.ID, Detail: redactURL(e.URL)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// knownComponents refuses component ids that name no component ("*" aside).
func knownComponents(tx Tx, ids []string) error {
	for _, id := range ids {
		if id == AllComponents {
			if len(ids) > 1 {
				return fieldError("components", "invalid", `"*" means every component; list nothing else with it.`)
			}
			continue
		}
		if _, err := tx.Component(id); ErrorCode(err) == ENOTFOUND {
			return fieldError("components", "unknown", fmt.Sprintf("Component %q does not exist.", id))
		} else if err != nil {
			return err
		}
	}
	return nil
}

// redactURL keeps a URL's scheme, host and path for the audit log: a query may carry a
// token (Slack and Discord put theirs in the path, so only its start is kept).
func redactURL(u string) string {
	if i := strings.IndexAny(u, "?"); i >= 0 {
		u = u[:i]
	}
	if len(u) > 60 {
		u = u[:60] + "…"
	}
	return u
}

// UpdateWebhook changes an endpoint. Enabling one clears its failure run, so it gets a
// fresh day before it is disabled again; disabling fails what was pending for it.
func (s *Service) UpdateWebhook(ctx context.Context, op Op, id string, in WebhookInput) (*WebhookEndpoint, error) {
	if err := in.normalizeContact(); err != nil {
		return nil, err
	}
	if in.URL != nil {
		if err := s.checkURL(ctx, strings.TrimSpace(*in.URL)); err != nil {
			return nil, err
		}
	}
	var e *WebhookEndpoint
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		var err error
		if e, err = tx.WebhookEndpoint(id); err != nil {
			return change{}, err
		}
		if e.Public && in.ContactEmail != nil && *in.ContactEmail == "" {
			return change{}, fieldError("contact_email", "required", "A webhook subscribed from the status page keeps its contact email.")
		}
		in.apply(e)
		if in.Components != nil {
			if err := knownComponents(tx, e.Components); err != nil {
				return change{}, err
			}
		}
		if in.Enabled != nil {
			switch {
			case *in.Enabled && e.Pending():
				return change{}, Errorf(ECONFLICT, "Webhook %s waits for its contact to confirm it by email; it cannot be enabled before.", id)
			case *in.Enabled && e.Disabled():
				e.DisabledAt, e.DisabledReason, e.FailingSince, e.Failures = time.Time{}, "", time.Time{}, 0
			case !*in.Enabled && !e.Disabled():
				e.DisabledAt, e.DisabledReason = now, StaffDisabledReason
				if _, err := tx.FailWebhookDeliveries(e.ID, "endpoint disabled by staff", now); err != nil {
					return change{}, err
				}
			}
		}
		e.UpdatedAt = now
		if err := tx.PutWebhookEndpoint(e); err != nil {
			return change{}, err
		}
		return change{resource: e.ID, jobs: true, audit: &AuditEntry{Action: "webhook.update", Target: e.ID, Detail: redactURL(e.URL)}}, nil
	})
	if err != nil {
		return nil, err
	}
	e.Secret = ""
	return e, nil
}

// RotateWebhookSecret gives an endpoint a new signing secret, returned in it (shown once).
// Deliveries still pending are signed with the new one.
func (s *Service) RotateWebhookSecret(ctx context.Context, op Op, id string) (*WebhookEndpoint, error) {
	var e *WebhookEndpoint
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		var err error
		if e, err = tx.WebhookEndpoint(id); err != nil {
			return change{}, err
		}
		e.Secret, e.UpdatedAt = NewWebhookSecret(), now
		if err := tx.PutWebhookEndpoint(e); err != nil {
			return change{}, err
		}
		return change{resource: e.ID, audit: &AuditEntry{Action: "webhook.rotate_secret", Target: e.ID}}, nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// DeleteWebhook deletes an endpoint and whatever was still owed to it.
func (s *Service) DeleteWebhook(ctx context.Context, op Op, id string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if err := tx.DeleteWebhookEndpoint(id); err != nil {
			return change{}, err
		}
		return change{resource: id, audit: &AuditEntry{Action: "webhook.delete", Target: id}}, nil
	})
}

// Webhooks lists every endpoint, secrets left out.
func (s *Service) Webhooks(ctx context.Context) ([]WebhookEndpoint, error) {
	var out []WebhookEndpoint
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.WebhookEndpoints()
		return err
	})
	for i := range out {
		out[i].Secret = ""
	}
	return out, err
}

// Webhook returns one endpoint, its secret left out; ENOTFOUND if absent.
func (s *Service) Webhook(ctx context.Context, id string) (*WebhookEndpoint, error) {
	var e *WebhookEndpoint
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		e, err = tx.WebhookEndpoint(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	e.Secret = ""
	return e, nil
}

// MaxWebhookDeliveriesListed bounds a deliveries list.
const MaxWebhookDeliveriesListed = 100

// WebhookDeliveries returns an endpoint's most recent deliveries (at most limit, 1–100),
// newest first; ENOTFOUND for an unknown endpoint.
func (s *Service) WebhookDeliveries(ctx context.Context, id string, limit int) ([]WebhookDelivery, error) {
	if limit <= 0 || limit > MaxWebhookDeliveriesListed {
		limit = MaxWebhookDeliveriesListed
	}
	var out []WebhookDelivery
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.WebhookEndpoint(id); err != nil {
			return err
		}
		var err error
		out, err = tx.WebhookDeliveries(WebhookDeliveryFilter{EndpointID: id, Limit: limit})
		return err
	})
	return out, err
}

// SendTestWebhook queues a test event to an endpoint, behind what is already queued for
// it; ECONFLICT when the endpoint is disabled (its queue is not worked) or webhooks are off.
func (s *Service) SendTestWebhook(ctx context.Context, op Op, id string) (*WebhookDelivery, error) {
	if s.webhooks == nil {
		return nil, Errorf(ECONFLICT, "Webhooks are not set up on this server.")
	}
	var d *WebhookDelivery
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		e, err := tx.WebhookEndpoint(id)
		if err != nil {
			return change{}, err
		}
		if e.Disabled() {
			return change{}, Errorf(ECONFLICT, "Webhook %s is disabled (%s); enable it first.", id, e.DisabledReason)
		}
		if d, err = s.webhooks.PlanTestWebhook(tx, e, now); err != nil {
			return change{}, err
		}
		return change{resource: id, jobs: true, audit: &AuditEntry{Action: "webhook.test", Target: id}}, nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// WebhookDeliveryRetention is how long finished webhook deliveries stay listed.
const WebhookDeliveryRetention = 30 * 24 * time.Hour

// SweepWebhookDeliveries forgets deliveries finished more than WebhookDeliveryRetention
// ago (and the messages no delivery names any more); it returns how many.
func (s *Service) SweepWebhookDeliveries(ctx context.Context) (int, error) {
	var n int
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteWebhookDeliveriesBefore(s.now().Add(-WebhookDeliveryRetention))
		return err
	})
	return n, err
}

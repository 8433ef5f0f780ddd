package status

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ComponentInput creates a component.
type ComponentInput struct {
	ID                 string // optional; derived from Name when empty
	Name               string
	Description        string
	Group              string // group name; created when new; "" for none
	Position           *int   // nil: after the last one
	Status             ComponentStatus
	OnlyShowIfDegraded bool
	Showcase           *bool // nil: true
	// StartDate is when the component's uptime starts counting; zero: its creation.
	StartDate time.Time
}

// ComponentPatch changes the fields that are set.
type ComponentPatch struct {
	Name               *string
	Description        *string
	Group              *string
	Position           *int
	Status             *ComponentStatus
	OnlyShowIfDegraded *bool
	Showcase           *bool
}

// Components returns the groups and the components, in display order.
func (s *Service) Components(ctx context.Context) ([]Group, []Component, error) {
	var groups []Group
	var comps []Component
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		if groups, err = tx.Groups(); err != nil {
			return err
		}
		comps, err = tx.Components()
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list components: %w", err)
	}
	return groups, comps, nil
}

// Component returns one component.
func (s *Service) Component(ctx context.Context, id string) (*Component, error) {
	var c *Component
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		c, err = tx.Component(id)
		return err
	})
	return c, err
}

func validateName(p Problems, field, name string, max int) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(name)); {
	case n == 0:
		p.Add(field, "must not be empty")
	case n > max:
		p.Add(field, "must be at most %d characters (got %d)", max, n)
	}
	checkText(p, field, name, SingleLine)
}

// CreateComponent adds a component, and its group when the group is new.
func (s *Service) CreateComponent(ctx context.Context, op Op, in ComponentInput) (*Component, error) {
	p := Problems{}
	validateName(p, "name", in.Name, MaxNameLen)
	if utf8.RuneCountInString(in.Description) > MaxDescriptionLen {
		p.Add("description", "must be at most %d characters", MaxDescriptionLen)
	}
	checkText(p, "description", in.Description, MultiLine)
	checkNotBefore2000(p, "start_date", in.StartDate)
	if in.Group != "" {
		validateName(p, "group", in.Group, MaxNameLen)
	}
	id := in.ID
	if id == "" {
		id = Slug(in.Name)
		if id == "" {
			id = "c-" + newID(8) // a name with no ASCII letters or digits
		}
	}
	if !ValidID(id) {
		p.Add("id", "must be 1–%d lower-case letters, digits, '-' or '_'", MaxIDLen)
	}
	if in.Status == "" {
		in.Status = Operational
	}
	if !in.Status.Valid() {
		p.Add("status", "must be one of %s", joinValues(ComponentStatuses))
	}
	if in.Position != nil && *in.Position < 0 {
		p.Add("position", "must not be negative")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	c := &Component{ID: id, Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description),
		Status: in.Status, OnlyShowIfDegraded: in.OnlyShowIfDegraded, Showcase: in.Showcase == nil || *in.Showcase,
		StartDate: in.StartDate.UTC().Truncate(time.Microsecond)}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		comps, err := tx.Components()
		if err != nil {
			return change{}, err
		}
		for _, o := range comps {
			if o.ID == c.ID {
				return change{}, &Error{Code: ECONFLICT, Message: fmt.Sprintf("A component with id %q already exists.", c.ID),
					Fields: map[string]string{"id": "already taken"}}
			}
		}
		if in.Position != nil {
			c.Position = *in.Position
		} else {
			c.Position = nextPosition(comps)
		}
		if c.GroupID, err = s.ensureGroup(tx, in.Group, now); err != nil {
			return change{}, err
		}
		c.CreatedAt, c.UpdatedAt = now, now
		if err := tx.CreateComponent(c); err != nil {
			return change{}, err
		}
		return change{kind: "component", id: c.ID, public: true, resource: c.ID,
			audit: &AuditEntry{Action: "component.create", Target: c.ID, Detail: c.Name}}, nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func nextPosition(comps []Component) int {
	max := 0
	for _, c := range comps {
		if c.Position >= max {
			max = c.Position + 1
		}
	}
	return max
}

// ensureGroup returns the id of the group named name, creating it when new.
func (s *Service) ensureGroup(tx Tx, name string, now time.Time) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil
	}
	groups, err := tx.Groups()
	if err != nil {
		return "", err
	}
	pos := 0
	for _, g := range groups {
		if strings.EqualFold(g.Name, name) || g.ID == name {
			return g.ID, nil
		}
		if g.Position >= pos {
			pos = g.Position + 1
		}
	}
	id := Slug(name)
	for _, g := range groups {
		if g.ID == id {
			id = ""
		}
	}
	if id == "" {
		id = "g-" + newID(8)
	}
	g := &Group{ID: id, Name: name, Position: pos, CreatedAt: now, UpdatedAt: now}
	if err := tx.PutGroup(g); err != nil {
		return "", fmt.Errorf("create group %q: %w", name, err)
	}
	return id, nil
}

// pruneGroups deletes groups left without components.
func pruneGroups(tx Tx) error {
	groups, err := tx.Groups()
	if err != nil {
		return err
	}
	comps, err := tx.Components()
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, c := range comps {
		used[c.GroupID] = true
	}
	for _, g := range groups {
		if !used[g.ID] {
			if err := tx.DeleteGroup(g.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// UpdateComponent applies a patch to a component.
func (s *Service) UpdateComponent(ctx context.Context, op Op, id string, in ComponentPatch) (*Component, error) {
	p := Problems{}
	if in.Name != nil {
		validateName(p, "name", *in.Name, MaxNameLen)
	}
	if in.Description != nil {
		checkText(p, "description", *in.Description, MultiLine)
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > MaxDescriptionLen {
		p.Add("description", "must be at most %d characters", MaxDescriptionLen)
	}
	if in.Group != nil && *in.Group != "" {
		validateName(p, "group", *in.Group, MaxNameLen)
	}
	if in.Status != nil && !in.Status.Valid() {
		p.Add("status", "must be one of %s", joinValues(ComponentStatuses))
	}
	if in.Position != nil && *in.Position < 0 {
		p.Add("position", "must not be negative")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var c *Component
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		var err error
		if c, err = tx.Component(id); err != nil {
			return change{}, err
		}
		var what []string
		if in.Name != nil {
			c.Name = strings.TrimSpace(*in.Name)
			what = append(what, "name")
		}
		if in.Description != nil {
			c.Description = strings.TrimSpace(*in.Description)
			what = append(what, "description")
		}
		if in.Position != nil {
			c.Position = *in.Position
			what = append(what, "position")
		}
		if in.Status != nil {
			c.Status = *in.Status
			what = append(what, "status="+string(c.Status))
		}
		if in.OnlyShowIfDegraded != nil {
			c.OnlyShowIfDegraded = *in.OnlyShowIfDegraded
		}
		if in.Showcase != nil {
			c.Showcase = *in.Showcase
		}
		if in.Group != nil {
			if c.GroupID, err = s.ensureGroup(tx, *in.Group, now); err != nil {
				return change{}, err
			}
			what = append(what, "group")
		}
		c.UpdatedAt = now
		if err := tx.UpdateComponent(c); err != nil {
			return change{}, err
		}
		if in.Group != nil {
			if err := pruneGroups(tx); err != nil {
				return change{}, err
			}
		}
		return change{kind: "component", id: c.ID, public: true, resource: c.ID,
			audit: &AuditEntry{Action: "component.update", Target: c.ID, Detail: strings.Join(what, ", ")}}, nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteComponent removes a component that no open incident holds. Past timelines keep its name.
func (s *Service) DeleteComponent(ctx context.Context, op Op, id string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		c, err := tx.Component(id)
		if err != nil {
			return change{}, err
		}
		open, err := tx.Incidents(IncidentFilter{Status: "open", StateOnly: true})
		if err != nil {
			return change{}, err
		}
		for _, inc := range open {
			if _, held := inc.ComponentStatus(id); held {
				return change{}, Errorf(ECONFLICT, "Component %q is affected by open incident %s; resolve it first.", id, inc.ID)
			}
		}
		if err := tx.DeleteComponent(id); err != nil {
			return change{}, err
		}
		if err := pruneGroups(tx); err != nil {
			return change{}, err
		}
		return change{kind: "component", id: id, public: true, resource: id,
			audit: &AuditEntry{Action: "component.delete", Target: id, Detail: c.Name}}, nil
	})
}

func joinValues[T ~string](vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

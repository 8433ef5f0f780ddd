package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/candorstatus/candor/lang"
)

// ComponentInput creates a component.
type ComponentInput struct {
	ID          string // optional; derived from Name when empty
	Name        lang.Text
	Description lang.Text
	// Group names the component's group (in either language) or gives its id; a new name
	// creates the group. Zero: none.
	Group              lang.Text
	Position           *int // nil: after the last one
	Status             ComponentStatus
	OnlyShowIfDegraded bool
	Showcase           *bool // nil: true
	// StartDate is when the component's uptime starts counting; zero: its creation.
	StartDate time.Time
}

// ComponentPatch changes the fields that are set.
type ComponentPatch struct {
	Name               *lang.Text
	Description        *lang.Text
	Group              *lang.Text // a zero text ungroups the component
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
	validateText(p, "name", in.Name, MaxNameLen, true, SingleLine)
	validateText(p, "description", in.Description, MaxDescriptionLen, false, MultiLine)
	validateText(p, "group", in.Group, MaxNameLen, false, SingleLine)
	checkNotBefore2000(p, "start_date", in.StartDate)
	if in.ID != "" && !ValidID(in.ID) {
		p.Add("id", "must be 1–%d lower-case letters, digits, '-' or '_'", MaxIDLen)
	}
	if in.Status == "" {
		in.Status = Operational
	}
	if !in.Status.Valid() {
		p.Add("status", "must be one of %s", joinValues(ComponentStatuses))
	}
	checkPosition(p, in.Position)
	if err := p.Err(); err != nil {
		return nil, err
	}
	c := &Component{ID: in.ID, Name: trimText(in.Name), Description: trimText(in.Description),
		Status: in.Status, OnlyShowIfDegraded: in.OnlyShowIfDegraded, Showcase: in.Showcase == nil || *in.Showcase,
		StartDate: in.StartDate.UTC().Truncate(time.Microsecond)}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		comps, err := tx.Components()
		if err != nil {
			return change{}, err
		}
		switch base := slugOf(c.Name); {
		case c.ID != "":
			err = checkIDFree(tx, c.ID, comps)
		case slices.ContainsFunc(comps, func(o Component) bool { return o.ID == base }):
			// The same name twice is more likely a mistake than a second component.
			err = checkIDFree(tx, base, comps)
		default:
			// A group's or a deleted component's id is passed over, never reused.
			c.ID, err = freeID(tx, base, "", "c-", "")
		}
		if err != nil {
			return change{}, err
		}
		if in.Position != nil {
			c.Position = *in.Position
		} else {
			c.Position = nextPosition(comps)
		}
		if c.GroupID, err = s.ensureGroup(tx, in.Group, now, c.ID); err != nil {
			return change{}, err
		}
		c.CreatedAt, c.UpdatedAt = now, now
		if err := tx.CreateComponent(c); err != nil {
			return change{}, err
		}
		return change{kind: "component", id: c.ID, public: true, resource: c.ID,
			audit: &AuditEntry{Action: "component.create", Target: c.ID, Detail: c.Name.String()}}, nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func checkPosition(p Problems, pos *int) {
	switch {
	case pos == nil:
	case *pos < 0:
		p.Add("position", "must not be negative")
	case *pos > MaxPosition:
		p.Add("position", "must be at most %d", MaxPosition)
	}
}

// nextPosition is the place after the last component, at most MaxPosition (a store written
// before positions were bounded may hold larger ones).
func nextPosition(comps []Component) int {
	max := 0
	for _, c := range comps {
		if c.Position >= max {
			max = min(c.Position, MaxPosition-1) + 1
		}
	}
	return max
}

// ensureGroup returns the id of the group that name names (its id, or its name in either
// language, ignoring case), creating the group when new. A new group never takes the id
// reserved for the component being created with it.
func (s *Service) ensureGroup(tx Tx, name lang.Text, now time.Time, reserved string) (string, error) {
	name = trimText(name)
	if name.IsZero() {
		return "", nil
	}
	groups, err := tx.Groups()
	if err != nil {
		return "", err
	}
	pos := 0
	for _, g := range groups {
		// The slug of its name also names a group: it was the group's id until ids became
		// unique across groups and components, and a group that clashed was renamed.
		if sameName(g.Name, name) || g.ID == name.KO || g.ID == name.EN || isSlugOf(g.Name, name) {
			return g.ID, nil
		}
		if g.Position >= pos {
			pos = g.Position + 1
		}
	}
	// "-group" first: a group is often named like its only component ("Voice calls").
	id, err := freeID(tx, slugOf(name), "-group", "g-", reserved)
	if err != nil {
		return "", err
	}
	g := &Group{ID: id, Name: name, Position: pos, CreatedAt: now, UpdatedAt: now}
	if err := tx.PutGroup(g); err != nil {
		return "", fmt.Errorf("create group %q: %w", name.String(), err)
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
		validateText(p, "name", *in.Name, MaxNameLen, true, SingleLine)
	}
	if in.Description != nil {
		validateText(p, "description", *in.Description, MaxDescriptionLen, false, MultiLine)
	}
	if in.Group != nil {
		validateText(p, "group", *in.Group, MaxNameLen, false, SingleLine)
	}
	if in.Status != nil && !in.Status.Valid() {
		p.Add("status", "must be one of %s", joinValues(ComponentStatuses))
	}
	checkPosition(p, in.Position)
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
			c.Name = trimText(*in.Name)
			what = append(what, "name")
		}
		if in.Description != nil {
			c.Description = trimText(*in.Description)
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
			if c.GroupID, err = s.ensureGroup(tx, *in.Group, now, ""); err != nil {
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
			audit: &AuditEntry{Action: "component.delete", Target: id, Detail: c.Name.String()}}, nil
	})
}

// sameName reports whether two names are the same in some language, ignoring case: a group
// named {"ko": "메시징", "en": "Messaging"} is the group "messaging" too.
func sameName(a, b lang.Text) bool {
	for _, x := range []string{a.KO, a.EN} {
		for _, y := range []string{b.KO, b.EN} {
			if x != "" && strings.EqualFold(x, y) {
				return true
			}
		}
	}
	return false
}

// slugOf derives an id from a name: from its English text, else its Korean one (which
// gives "" when it has no ASCII letters or digits).
func slugOf(name lang.Text) string {
	if id := Slug(name.EN); id != "" {
		return id
	}
	return Slug(name.KO)
}

func joinValues[T ~string](vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// isSlugOf reports whether ref, given as a group, is the slug of name in some language.
func isSlugOf(name, ref lang.Text) bool {
	for _, r := range []string{ref.KO, ref.EN} {
		if r != "" && (r == Slug(name.EN) || r == Slug(name.KO)) {
			return true
		}
	}
	return false
}

// freeID returns the first id no group or component has or ever had among base, then
// base+suffix (when suffix is set), then base-2, base-3, …; a random id with prefix when
// base is empty (a name without ASCII letters or digits) or every candidate is taken.
// reserved is passed over too: an id about to be taken in the same transaction.
func freeID(tx Tx, base, suffix, prefix, reserved string) (string, error) {
	var candidates []string
	if base != "" {
		candidates = append(candidates, base)
		if suffix != "" {
			candidates = append(candidates, clipID(base, suffix))
		}
		for n := 2; n <= 20; n++ {
			candidates = append(candidates, clipID(base+suffix, fmt.Sprintf("-%d", n)))
		}
	}
	for _, id := range candidates {
		if id == reserved {
			continue
		}
		taken, err := tx.IDTaken(id)
		if err != nil {
			return "", fmt.Errorf("look up id %s: %w", id, err)
		}
		if !taken {
			return id, nil
		}
	}
	return prefix + newID(8), nil
}

// clipID appends suffix to base, shortening base so the id stays within MaxIDLen.
func clipID(base, suffix string) string {
	if len(base)+len(suffix) > MaxIDLen {
		base = strings.TrimRight(base[:MaxIDLen-len(suffix)], "-")
	}
	return base + suffix
}

// checkIDFree refuses an id given for a new component when any group or component has or
// had it, saying which.
func checkIDFree(tx Tx, id string, comps []Component) error {
	taken, err := tx.IDTaken(id)
	if err != nil {
		return fmt.Errorf("look up id %s: %w", id, err)
	}
	if !taken {
		return nil
	}
	msg, field := fmt.Sprintf("A component with id %q already exists.", id), "already taken"
	if !slices.ContainsFunc(comps, func(c Component) bool { return c.ID == id }) {
		msg = fmt.Sprintf("The id %q belongs to a group or to a deleted component; ids are never reused.", id)
		field = "used by a group or a deleted component"
	}
	return &Error{Code: ECONFLICT, Message: msg, Fields: map[string]string{"id": field}}
}

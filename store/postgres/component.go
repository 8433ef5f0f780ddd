package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

// Groups returns every group ordered by position, then name (bytes), then id.
func (t *tx) Groups() ([]status.Group, error) {
	rows, err := t.query(`SELECT id, name, description, position, created_at, updated_at
		FROM component_groups ORDER BY position, name, id`)
	if err != nil {
		return nil, t.fail(err, "load groups")
	}
	defer rows.Close()
	var gs []status.Group
	for rows.Next() {
		var g status.Group
		if err := rows.Scan(&g.ID, textCol(&g.Name), textCol(&g.Description), &g.Position,
			timeCol{&g.CreatedAt}, timeCol{&g.UpdatedAt}); err != nil {
			return nil, t.fail(err, "load groups")
		}
		gs = append(gs, g)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load groups")
	}
	return gs, nil
}

// PutGroup inserts the group or updates the one with its id; an update keeps the stored
// creation time. Inserting takes the id (ECONFLICT when taken, see IDTaken).
func (t *tx) PutGroup(g *status.Group) error {
	return t.atomically(func() error {
		var exists bool
		if err := t.queryRow(`SELECT EXISTS (SELECT FROM component_groups WHERE id = $1)`, g.ID).Scan(&exists); err != nil {
			return t.fail(err, "look up group %s", g.ID)
		}
		if !exists {
			if err := t.takeID(g.ID, "group"); err != nil {
				return err
			}
		}
		_, err := t.exec(`INSERT INTO component_groups (id, name, description, position, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
				position = excluded.position, updated_at = excluded.updated_at`,
			g.ID, textArg(g.Name), textArg(g.Description), g.Position, timeArg(g.CreatedAt), timeArg(g.UpdatedAt))
		if err != nil {
			return t.fail(err, "put group %s", g.ID)
		}
		return nil
	})
}

// IDTaken reports whether a group or a component has or ever had id.
func (t *tx) IDTaken(id string) (bool, error) {
	var taken bool
	if err := t.queryRow(`SELECT EXISTS (SELECT FROM used_ids WHERE id = $1)`, id).Scan(&taken); err != nil {
		return false, t.fail(err, "look up id %s", id)
	}
	return taken, nil
}

// takeID records that a group or a component (kind) took id; ECONFLICT when one has or
// had it.
func (t *tx) takeID(id, kind string) error {
	ok, err := t.execOne(`INSERT INTO used_ids (id, kind) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, id, kind)
	if err != nil {
		return t.fail(err, "take id %s", id)
	}
	if !ok {
		return conflict("The id %s is taken: a group or a component has or had it.", id)
	}
	return nil
}

// DeleteGroup deletes a group; the schema's ON DELETE SET NULL ungroups its components.
func (t *tx) DeleteGroup(id string) error {
	ok, err := t.execOne(`DELETE FROM component_groups WHERE id = $1`, id)
	if err != nil {
		return t.fail(err, "delete group %s", id)
	}
	if !ok {
		return notFound("Group %s not found.", id)
	}
	return nil
}

const componentColumns = `id, name, description, group_id, position, status, showcase,
	only_show_if_degraded, start_date, created_at, updated_at`

func scanComponent(sc interface{ Scan(...any) error }, c *status.Component) error {
	return sc.Scan(&c.ID, textCol(&c.Name), textCol(&c.Description), strCol{&c.GroupID}, &c.Position, &c.Status,
		&c.Showcase, &c.OnlyShowIfDegraded, timeCol{&c.StartDate}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
}

// Components returns every component ordered by position, then name (bytes), then id.
func (t *tx) Components() ([]status.Component, error) {
	rows, err := t.query(`SELECT ` + componentColumns + ` FROM components ORDER BY position, name, id`)
	if err != nil {
		return nil, t.fail(err, "load components")
	}
	defer rows.Close()
	var cs []status.Component
	for rows.Next() {
		var c status.Component
		if err := scanComponent(rows, &c); err != nil {
			return nil, t.fail(err, "load components")
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load components")
	}
	return cs, nil
}

// Component returns one component; ENOTFOUND if absent.
func (t *tx) Component(id string) (*status.Component, error) {
	var c status.Component
	err := scanComponent(t.queryRow(`SELECT `+componentColumns+` FROM components WHERE id = $1`, id), &c)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Component %s not found.", id)
	}
	if err != nil {
		return nil, t.fail(err, "load component %s", id)
	}
	return &c, nil
}

// CreateComponent inserts a component; ECONFLICT if its id is taken (see IDTaken),
// EINVALID if its group does not exist.
func (t *tx) CreateComponent(c *status.Component) error {
	return t.atomically(func() error {
		if err := t.takeID(c.ID, "component"); err != nil {
			return err
		}
		_, err := t.exec(`INSERT INTO components (`+componentColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			c.ID, textArg(c.Name), textArg(c.Description), strArg(c.GroupID), c.Position, string(c.Status), c.Showcase,
			c.OnlyShowIfDegraded, timeArg(c.StartDate), timeArg(c.CreatedAt), timeArg(c.UpdatedAt))
		switch {
		case err == nil:
			return nil
		case isUnique(err):
			return conflict("Component %s already exists.", c.ID)
		case isForeignKey(err):
			return unknownGroup(c.GroupID)
		default:
			return t.fail(err, "create component %s", c.ID)
		}
	})
}

// UpdateComponent replaces the stored component with the same id, keeping its creation
// time; ENOTFOUND if absent, EINVALID if its group does not exist.
//
// The statement checks the group itself rather than letting the foreign key fail, so the
// common case needs no savepoint: the incident writes call it for every component they
// touch.
func (t *tx) UpdateComponent(c *status.Component) error {
	ok, err := t.execOne(`UPDATE components SET name = $1, description = $2, group_id = $3, position = $4,
			status = $5, showcase = $6, only_show_if_degraded = $7, start_date = $8, updated_at = $9
		WHERE id = $10 AND ($3::text IS NULL OR EXISTS (SELECT FROM component_groups WHERE id = $3))`,
		textArg(c.Name), textArg(c.Description), strArg(c.GroupID), c.Position, string(c.Status), c.Showcase,
		c.OnlyShowIfDegraded, timeArg(c.StartDate), timeArg(c.UpdatedAt), c.ID)
	if err != nil {
		return t.fail(err, "update component %s", c.ID)
	}
	if ok {
		return nil
	}
	var exists bool
	if err := t.queryRow(`SELECT EXISTS (SELECT FROM components WHERE id = $1)`, c.ID).Scan(&exists); err != nil {
		return t.fail(err, "update component %s", c.ID)
	}
	if !exists {
		return notFound("Component %s not found.", c.ID)
	}
	return unknownGroup(c.GroupID)
}

// DeleteComponent deletes a component; ENOTFOUND if absent. Incident timelines keep the
// component's id and name.
func (t *tx) DeleteComponent(id string) error {
	ok, err := t.execOne(`DELETE FROM components WHERE id = $1`, id)
	if err != nil {
		return t.fail(err, "delete component %s", id)
	}
	if !ok {
		return notFound("Component %s not found.", id)
	}
	return nil
}

func unknownGroup(id string) error {
	return &status.Error{
		Code:    status.EINVALID,
		Message: "Group " + id + " does not exist.",
		Fields:  map[string]string{"group_id": "no such group"},
	}
}

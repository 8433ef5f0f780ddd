package postgres

import (
	"github.com/candorstatus/candor/status"
)

const templateColumns = `id, name, cause, impact, title_ko, title_en, message_ko, message_en, created_at, updated_at`

// Templates returns every incident template, by name in byte order (names are unique, so
// the order is total).
func (t *tx) Templates() ([]status.Template, error) {
	rows, err := t.query(`SELECT ` + templateColumns + ` FROM templates ORDER BY name, id`)
	if err != nil {
		return nil, t.fail(err, "load templates")
	}
	defer rows.Close()
	var ts []status.Template
	for rows.Next() {
		var tm status.Template
		if err := rows.Scan(&tm.ID, &tm.Name, &tm.Cause, &tm.Impact, &tm.Title.KO, &tm.Title.EN,
			&tm.Message.KO, &tm.Message.EN, timeCol{&tm.CreatedAt}, timeCol{&tm.UpdatedAt}); err != nil {
			return nil, t.fail(err, "load templates")
		}
		ts = append(ts, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load templates")
	}
	return ts, nil
}

// PutTemplate inserts the template or replaces the one with its id, keeping the stored
// CreatedAt. EINVALID without an id or a name (valid UTF-8); ECONFLICT if another template
// has the name regardless of case. Nothing is written on error.
func (t *tx) PutTemplate(tm *status.Template) error {
	p := status.Problems{}
	if tm.ID == "" {
		p.Add("id", "is required")
	}
	status.CheckNameText(p, tm.Name)
	if err := p.Err(); err != nil {
		return err
	}
	return t.atomically(func() error {
		_, err := t.exec(`INSERT INTO templates (`+templateColumns+`, name_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
				cause = excluded.cause, impact = excluded.impact, title_ko = excluded.title_ko,
				title_en = excluded.title_en, message_ko = excluded.message_ko, message_en = excluded.message_en,
				updated_at = excluded.updated_at`,
			tm.ID, tm.Name, string(tm.Cause), string(tm.Impact), tm.Title.KO, tm.Title.EN, tm.Message.KO, tm.Message.EN,
			timeArg(tm.CreatedAt), timeArg(tm.UpdatedAt), status.NameKey(tm.Name))
		switch {
		case err == nil:
			return nil
		case isUnique(err, "templates_name_key"):
			return &status.Error{Code: status.ECONFLICT, Message: "A template named " + tm.Name + " already exists.",
				Fields: map[string]string{"name": "already taken"}}
		default:
			return t.fail(err, "put template %s", tm.ID)
		}
	})
}

// DeleteTemplate deletes a template; ENOTFOUND if absent.
func (t *tx) DeleteTemplate(id string) error {
	ok, err := t.execOne(`DELETE FROM templates WHERE id = $1`, id)
	if err != nil {
		return t.fail(err, "delete template %s", id)
	}
	if !ok {
		return notFound("Template %s not found.", id)
	}
	return nil
}

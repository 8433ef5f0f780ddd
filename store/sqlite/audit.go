package sqlite

import (
	"github.com/candorstatus/candor/status"
)

// AppendAudit adds an audit entry and sets its ID; ids only grow.
func (t *tx) AppendAudit(e *status.AuditEntry) error {
	res, err := t.exec(`INSERT INTO audit_log (at, actor_kind, actor_name, actor_addr, action, target, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		timeArg(e.At), string(e.Actor.Kind), e.Actor.Name, e.Actor.Addr, e.Action, e.Target, e.Detail)
	if err != nil {
		return t.fail(err, "append audit %s", e.Action)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return t.fail(err, "append audit %s", e.Action)
	}
	e.ID = id
	return nil
}

// Audit returns up to limit entries with an id below beforeID (0: from the newest), newest
// first; EINVALID unless limit is positive.
func (t *tx) Audit(limit int, beforeID int64) ([]status.AuditEntry, error) {
	if limit <= 0 {
		return nil, &status.Error{Code: status.EINVALID, Message: "Limit must be positive.",
			Fields: map[string]string{"limit": "must be positive"}}
	}
	q := `SELECT id, at, actor_kind, actor_name, actor_addr, action, target, detail FROM audit_log`
	args := []any{}
	if beforeID > 0 {
		q += ` WHERE id < ?` // a rowid range: the newest-first page is an index walk
		args = append(args, beforeID)
	}
	rows, err := t.query(q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, t.fail(err, "load audit log")
	}
	defer rows.Close()
	var es []status.AuditEntry
	for rows.Next() {
		var e status.AuditEntry
		if err := rows.Scan(&e.ID, timeCol{&e.At}, &e.Actor.Kind, &e.Actor.Name, &e.Actor.Addr,
			&e.Action, &e.Target, &e.Detail); err != nil {
			return nil, t.fail(err, "load audit log")
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load audit log")
	}
	return es, nil
}

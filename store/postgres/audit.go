package postgres

import (
	"github.com/candorstatus/candor/status"
)

// AppendAudit adds an audit entry and sets its ID; ids only grow.
func (t *tx) AppendAudit(e *status.AuditEntry) error {
	err := t.queryRow(`INSERT INTO audit_log (at, actor_kind, actor_name, actor_addr, action, target, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		timeArg(e.At), string(e.Actor.Kind), e.Actor.Name, e.Actor.Addr, e.Action, e.Target, e.Detail).Scan(&e.ID)
	if err != nil {
		return t.fail(err, "append audit %s", e.Action)
	}
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
	var p params
	if beforeID > 0 {
		q += ` WHERE id < ` + p.add(beforeID) // a primary key range: the page is an index walk
	}
	rows, err := t.query(q+` ORDER BY id DESC LIMIT `+p.add(limit), p...)
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

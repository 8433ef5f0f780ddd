package sqlite

import (
	"github.com/candorstatus/candor/status"
)

// MaintenanceChecks returns a maintenance's pre-check list in its order.
func (t *tx) MaintenanceChecks(maintenanceID string) ([]status.MaintenanceCheck, error) {
	rows, err := t.query(`SELECT id, text, done_by, done_at FROM maintenance_checks WHERE maintenance_id = ?
		ORDER BY position`, maintenanceID)
	if err != nil {
		return nil, t.fail(err, "load checks of maintenance %s", maintenanceID)
	}
	defer rows.Close()
	var out []status.MaintenanceCheck
	for rows.Next() {
		var c status.MaintenanceCheck
		if err := rows.Scan(&c.ID, &c.Text, &c.DoneBy, timeCol{&c.DoneAt}); err != nil {
			return nil, t.fail(err, "load checks of maintenance %s", maintenanceID)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load checks of maintenance %s", maintenanceID)
	}
	return out, nil
}

// PutMaintenanceChecks replaces a maintenance's pre-check list, all or nothing.
func (t *tx) PutMaintenanceChecks(maintenanceID string, cs []status.MaintenanceCheck) error {
	if err := status.ValidateMaintenanceChecks(cs); err != nil {
		return err
	}
	var n int
	if err := t.queryRow(`SELECT count(*) FROM maintenances WHERE id = ?`, maintenanceID).Scan(&n); err != nil {
		return t.fail(err, "put checks of maintenance %s", maintenanceID)
	}
	if n == 0 {
		return notFound("Maintenance %s not found.", maintenanceID)
	}
	return t.atomically(func() error {
		if _, err := t.exec(`DELETE FROM maintenance_checks WHERE maintenance_id = ?`, maintenanceID); err != nil {
			return t.fail(err, "put checks of maintenance %s", maintenanceID)
		}
		for i, c := range cs {
			if _, err := t.exec(`INSERT INTO maintenance_checks (maintenance_id, id, position, text, done_by, done_at)
				VALUES (?, ?, ?, ?, ?, ?)`, maintenanceID, c.ID, i, c.Text, c.DoneBy, timeArg(c.DoneAt)); err != nil {
				return t.fail(err, "put checks of maintenance %s", maintenanceID)
			}
		}
		return nil
	})
}

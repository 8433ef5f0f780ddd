package status

import "time"

// MaintenanceCheck is one item of a maintenance's pre-check list: something staff confirm
// before risky work may start ("backup verified", "rollback plan reviewed"). Staff text,
// never shown to the public.
type MaintenanceCheck struct {
	ID     string
	Text   string
	DoneBy string    // who ticked it ("" : not done)
	DoneAt time.Time // zero: not done
}

// Done reports whether the item is ticked.
func (c MaintenanceCheck) Done() bool { return !c.DoneAt.IsZero() }

// Pre-check limits.
const (
	MaxPreChecks    = 20
	MaxPreCheckText = 200
)

// ChecksDone counts the ticked items of cs.
func ChecksDone(cs []MaintenanceCheck) int {
	n := 0
	for _, c := range cs {
		if c.Done() {
			n++
		}
	}
	return n
}

// ValidateMaintenanceChecks checks what a stored check list needs: ids and texts, the ids
// distinct.
func ValidateMaintenanceChecks(cs []MaintenanceCheck) error {
	p := Problems{}
	seen := map[string]bool{}
	for _, c := range cs {
		switch {
		case c.ID == "":
			p.Add("pre_checks", "every item needs an id")
		case seen[c.ID]:
			p.Add("pre_checks", "repeats the id %s", c.ID)
		case c.Text == "":
			p.Add("pre_checks", "every item needs a text")
		}
		seen[c.ID] = true
	}
	return p.Err()
}

// ProblemsFound reports whether the checks after the work found problems: the maintenance
// then reads "completed with problems", and a draft incident was opened.
func (m *Maintenance) ProblemsFound() bool {
	for _, u := range m.Updates {
		if u.Event == "problems" {
			return true
		}
	}
	return false
}

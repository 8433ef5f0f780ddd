package status

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ImportIncident stores an incident whose timeline happened elsewhere or earlier (another
// status page's history, demo data). It is idempotent by (Source, ExternalID): importing the
// same incident again returns the stored one and created=false. Every component the
// timeline mentions must exist.
func (s *Service) ImportIncident(ctx context.Context, op Op, inc *Incident) (stored *Incident, created bool, err error) {
	if err := validateImported(inc); err != nil {
		return nil, false, err
	}
	err = s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if inc.ExternalID != "" {
			old, err := tx.IncidentByExternalID(inc.Source, inc.ExternalID)
			if err == nil {
				stored = old
				return change{}, nil
			} else if ErrorCode(err) != ENOTFOUND {
				return change{}, err
			}
		}
		comps, err := tx.Components()
		if err != nil {
			return change{}, err
		}
		known := map[string]bool{}
		for _, c := range comps {
			known[c.ID] = true
		}
		for _, u := range inc.Updates {
			for _, ch := range u.Components {
				if !known[ch.ComponentID] {
					return change{}, Errorf(EINVALID, "Incident %q mentions unknown component %q.", inc.Title, ch.ComponentID)
				}
			}
		}
		if inc.ID == "" {
			inc.ID = NewID()
		}
		for i := range inc.Updates {
			u := &inc.Updates[i]
			u.IncidentID = inc.ID
			if u.ID == "" {
				u.ID = NewID()
			}
			u.CreatedAt = u.CreatedAt.UTC().Truncate(time.Microsecond)
		}
		inc.StartedAt = inc.StartedAt.UTC().Truncate(time.Microsecond)
		if inc.CreatedAt.IsZero() {
			inc.CreatedAt = inc.StartedAt
		}
		inc.CreatedAt = inc.CreatedAt.UTC().Truncate(time.Microsecond)
		inc.Derive()
		if err := tx.CreateIncident(inc); err != nil {
			return change{}, err
		}
		if inc.Open() {
			if err := syncComponents(tx, inc.ComponentIDs(), now); err != nil {
				return change{}, err
			}
		}
		stored, created = inc, true
		return change{kind: "incident", id: inc.ID, public: true, resource: inc.ID,
			audit: &AuditEntry{Action: "incident.import", Target: inc.ID, Detail: inc.Source + " " + inc.ExternalID}}, nil
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// ValidateImported reports what ImportIncident would refuse in inc, without a store: an
// importer checks a whole history with it before writing any of it.
func ValidateImported(inc *Incident) error { return validateImported(inc) }

func validateImported(inc *Incident) error {
	p := Problems{}
	validateText(p, "title", inc.Title, MaxTitleLen, true, SingleLine)
	if !inc.Impact.Valid() {
		p.Add("impact", "must be one of %s", joinValues(Impacts))
	}
	if !inc.Cause.Valid() {
		p.Add("cause", "must be one of %s", joinValues(Causes))
	}
	if inc.StartedAt.IsZero() {
		p.Add("started_at", "is required")
	}
	checkNotBefore2000(p, "started_at", inc.StartedAt)
	if len(inc.Updates) == 0 {
		p.Add("updates", "an incident needs at least one update")
	}
	if !slices.IsSortedFunc(inc.Updates, func(a, b Update) int { return a.CreatedAt.Compare(b.CreatedAt) }) {
		p.Add("updates", "must be in time order, oldest first")
	}
	for i, u := range inc.Updates {
		f := fmt.Sprintf("updates[%d]", i)
		if !u.Status.Valid() {
			p.Add(f+".status", "must be one of %s", joinValues(IncidentStatuses))
		}
		if trimText(u.Message).IsZero() && u.Kind != KindImport {
			p.Add(f+".message", "must not be empty")
		}
		checkTexts(p, f+".message", u.Message, MultiLine)
		if u.Kind == "" {
			p.Add(f+".kind", "is required")
		}
		for _, ch := range u.Components {
			checkTexts(p, f+".components", ch.Name, SingleLine)
			if !ch.NewStatus.Valid() || (ch.OldStatus != "" && !ch.OldStatus.Valid()) {
				p.Add(f+".components", "unknown component status")
			}
		}
	}
	return p.Err()
}

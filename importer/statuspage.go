// Package importer brings incident histories from other status pages into Candor through
// the same Service every other write goes through, so imported incidents obey the same
// rules and can be imported twice without duplicates.
package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/statuspagev2"
)

// Source marks incidents imported from Statuspage.
const Source = "statuspage"

// Result counts what an import did.
type Result struct {
	Imported          int // new incidents
	AlreadyPresent    int // incidents imported before
	SkippedMaint      int // scheduled maintenances (not imported)
	ComponentsCreated int
	// EarliestImported is when the oldest newly imported incident started (zero: none);
	// uptime roll-ups from that day on are out of date.
	EarliestImported time.Time
}

// Statuspage imports incidents in Statuspage's incidents.json shape. Components the history
// mentions are created when missing, with the id Statuspage gave them. A Statuspage page is
// written in one language, l: its texts become Candor's texts in l, and readers of the other
// language see them marked as written in l.
func Statuspage(ctx context.Context, svc *status.Service, op status.Op, incs []statuspagev2.Incident, l lang.Lang) (Result, error) {
	var res Result
	_, comps, err := svc.Components(ctx)
	if err != nil {
		return res, err
	}
	have := map[string]bool{}
	for _, c := range comps {
		have[c.ID] = true
	}
	var earliest time.Time
	wanted := map[string]statuspagev2.Component{}
	var order []string
	todo, skipped, err := Incidents(incs, l)
	if err != nil {
		return res, err
	}
	res.SkippedMaint = skipped
	// todo holds the incidents that are not maintenances, in the order of incs.
	j := 0
	for _, si := range incs {
		if isMaintenance(si) {
			continue
		}
		inc := todo[j]
		j++
		if earliest.IsZero() || inc.StartedAt.Before(earliest) {
			earliest = inc.StartedAt
		}
		for _, c := range si.Components {
			if _, ok := wanted[c.ID]; !ok && status.ValidID(c.ID) {
				wanted[c.ID], order = c, append(order, c.ID)
			}
		}
		for _, u := range inc.Updates {
			for _, ch := range u.Components {
				if _, ok := wanted[ch.ComponentID]; !ok {
					wanted[ch.ComponentID], order = statuspagev2.Component{ID: ch.ComponentID, Name: ch.Name.Get(l)}, append(order, ch.ComponentID)
				}
			}
		}
	}
	for _, id := range order {
		if have[id] {
			continue
		}
		c := wanted[id]
		in := status.ComponentInput{ID: id, Name: lang.In(l, clip(line(c.Name), status.MaxNameLen)), StartDate: earliest}
		if in.Name.IsZero() {
			in.Name = lang.In(l, id)
		}
		if c.Description != nil {
			in.Description = lang.In(l, clip(*c.Description, status.MaxDescriptionLen))
		}
		if _, err := svc.CreateComponent(ctx, op, in); err != nil {
			return res, fmt.Errorf("create component %s: %w", id, err)
		}
		have[id] = true
		res.ComponentsCreated++
	}
	// Oldest first, so the store's insertion order follows history.
	slices.SortStableFunc(todo, func(a, b *status.Incident) int { return a.StartedAt.Compare(b.StartedAt) })
	for _, inc := range todo {
		_, created, err := svc.ImportIncident(ctx, op, inc)
		if err != nil {
			return res, fmt.Errorf("import incident %s (%q): %w", inc.ExternalID, inc.Title.String(), err)
		}
		if created {
			res.Imported++
			if res.EarliestImported.IsZero() || inc.StartedAt.Before(res.EarliestImported) {
				res.EarliestImported = inc.StartedAt
			}
		} else {
			res.AlreadyPresent++
		}
	}
	return res, nil
}

// Incidents converts a Statuspage history into Candor incidents exactly as Statuspage
// imports them, without a store: scheduled maintenances are skipped (and counted), and each
// incident's state — status, phase times, components — is derived from its timeline as the
// store will hold it. It is the one reading of Statuspage data: the ETA backtest learns
// from what this returns, as production learns from what the import stores. Texts become
// texts in language l.
// A history holding an incident the store would refuse (status.ValidateImported) is refused
// whole, naming that incident.
func Incidents(incs []statuspagev2.Incident, l lang.Lang) (out []*status.Incident, skippedMaint int, err error) {
	for _, si := range incs {
		if isMaintenance(si) {
			skippedMaint++
			continue
		}
		inc, err := convert(si, l)
		if err != nil {
			return nil, skippedMaint, err
		}
		inc.Derive()
		// Refuse here what the store would refuse, so an import stops before its first write
		// rather than half-way through a history.
		if err := status.ValidateImported(inc); err != nil {
			return nil, skippedMaint, fmt.Errorf("incident %s (%q): %w", si.ID, inc.Title.String(), err)
		}
		out = append(out, inc)
	}
	return out, skippedMaint, nil
}

func isMaintenance(si statuspagev2.Incident) bool {
	return si.ScheduledFor != nil || si.Impact == "maintenance" ||
		slices.Contains([]string{"scheduled", "in_progress", "verifying", "completed"}, si.Status)
}

func parseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

func clip(s string, n int) string {
	s = strings.TrimSpace(plain(s))
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// plain makes an exported text one Candor accepts (status.CheckText, MultiLine): valid
// UTF-8, line breaks as line feeds, and other control characters as spaces, so one stray
// byte in a years-old history does not cost the whole incident.
func plain(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n', r == '\t':
			return r
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
}

// line is plain for a single-line text: line breaks and tabs become spaces too.
func line(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, plain(s))
}

// convert maps one Statuspage incident onto Candor's domain.
func convert(si statuspagev2.Incident, l lang.Lang) (*status.Incident, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("incident %s: %s", si.ID, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(si.ID) == "" {
		// Its id is how a second import of the same history knows it is already there.
		return nil, fmt.Errorf("an incident (%q, created %s) has no id", si.Name, si.CreatedAt)
	}
	startS := si.CreatedAt
	if si.StartedAt != nil && *si.StartedAt != "" {
		startS = *si.StartedAt
	}
	start, err := parseTime(startS)
	if err != nil {
		return nil, bad("bad started_at %q", startS)
	}
	created, err := parseTime(si.CreatedAt)
	if err != nil {
		created = start
	}
	impact := status.Impact(si.Impact)
	if !impact.Valid() {
		impact = status.ImpactNone
	}
	inc := &status.Incident{Title: lang.In(l, clip(line(si.Name), status.MaxTitleLen)), Impact: impact, StartedAt: start, CreatedAt: created,
		Source: Source, ExternalID: si.ID}
	if inc.Title.IsZero() {
		inc.Title = lang.In(l, si.ID)
	}
	ups := slices.Clone(si.IncidentUpdates)
	for i := range ups {
		if _, err := parseTime(ups[i].CreatedAt); err != nil {
			return nil, bad("update %s: bad created_at %q", ups[i].ID, ups[i].CreatedAt)
		}
	}
	slices.SortStableFunc(ups, func(a, b statuspagev2.IncidentUpdate) int {
		ta, _ := parseTime(a.CreatedAt)
		tb, _ := parseTime(b.CreatedAt)
		return ta.Compare(tb)
	})
	for _, su := range ups {
		at, _ := parseTime(su.CreatedAt)
		st := status.IncidentStatus(su.Status)
		if su.Status == "postmortem" {
			st = status.Resolved
		}
		if !st.Valid() {
			return nil, bad("update %s: unknown status %q", su.ID, su.Status)
		}
		u := status.Update{Kind: status.KindImport, Status: st, Message: lang.In(l, clip(su.Body, status.MaxMessageLen)),
			Notify: su.DeliverNotifications, PostedBy: "statuspage import", CreatedAt: at}
		for _, ac := range su.AffectedComponents {
			ns := status.ComponentStatus(ac.NewStatus)
			if !ns.Valid() || !status.ValidID(ac.Code) {
				continue
			}
			os := status.ComponentStatus(ac.OldStatus)
			if !os.Valid() {
				os = ""
			}
			u.Components = append(u.Components, status.ComponentChange{ComponentID: ac.Code, Name: lang.In(l, clip(line(ac.Name), status.MaxNameLen)),
				OldStatus: os, NewStatus: ns})
		}
		inc.Updates = append(inc.Updates, u)
	}
	// A resolved incident whose resolving update is missing still ends at resolved_at.
	if si.ResolvedAt != nil && (len(inc.Updates) == 0 || inc.Updates[len(inc.Updates)-1].Status != status.Resolved) {
		if at, err := parseTime(*si.ResolvedAt); err == nil {
			inc.Updates = append(inc.Updates, status.Update{Kind: status.KindImport, Status: status.Resolved,
				PostedBy: "statuspage import", CreatedAt: at})
		}
	}
	if len(inc.Updates) == 0 {
		inc.Updates = append(inc.Updates, status.Update{Kind: status.KindImport, Status: status.Investigating,
			Message: inc.Title, PostedBy: "statuspage import", CreatedAt: start})
	}
	return inc, nil
}

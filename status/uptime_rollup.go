package status

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// DayLayout is how a calendar day is written: 2026-11-22.
const DayLayout = "2006-01-02"

// Uptime roll-up limits.
const (
	// UptimeHistoryDays is how far back the first roll-up reaches, and the longest range
	// UptimeReport returns.
	UptimeHistoryDays = 400
	// UptimeRerollDays is how many of the latest complete days every roll-up computes again,
	// so entries recorded late (an imported incident, a write that committed just after
	// midnight) still reach them.
	UptimeRerollDays = 2
	// uptimeBatchRecords bounds the records one write transaction of the roll-up holds; a
	// transaction always holds whole days.
	uptimeBatchRecords = 2000
)

// UptimeDayRecord is one component's uptime on one complete calendar day in the page's
// time zone, rolled up by RollUpUptime from the incident timelines with Uptime, so it
// agrees with the uptime bars. It is derived data: the roll-up can always write it again.
type UptimeDayRecord struct {
	ComponentID string
	Day         string // YYYY-MM-DD in the page's zone
	// NoData: the component was not tracked yet that day; every count is 0.
	NoData bool
	// TrackedMinutes is how much of the day counts toward the percentage (DayUptime).
	TrackedMinutes     int
	MajorMinutes       int
	PartialMinutes     int
	DegradedMinutes    int
	MaintenanceMinutes int
	Incidents          int // incidents that affected the component that day
	ComputedAt         time.Time
}

// ValidateUptimeDays checks what every store needs of records: a component id, a valid
// calendar day, no negative count, and each (component, day) at most once. It returns an
// EINVALID *Error naming the first offending record's fields.
func ValidateUptimeDays(records []UptimeDayRecord) error {
	p := Problems{}
	seen := make(map[[2]string]bool, len(records))
	for i, r := range records {
		field := fmt.Sprintf("records[%d]", i)
		if r.ComponentID == "" {
			p.Add(field+".component_id", "is required")
		}
		if !ValidDay(r.Day) {
			p.Add(field+".day", "must be a calendar day like 2026-11-22")
		}
		if min(r.TrackedMinutes, r.MajorMinutes, r.PartialMinutes, r.DegradedMinutes, r.MaintenanceMinutes, r.Incidents) < 0 {
			p.Add(field, "counts must not be negative")
		}
		key := [2]string{r.ComponentID, r.Day}
		if seen[key] {
			p.Add(field, "repeats component %s on %s", r.ComponentID, r.Day)
		}
		seen[key] = true
	}
	return p.Err()
}

// ValidateDayRange checks the bounds of a stored-days query: both calendar days.
func ValidateDayRange(from, to string) error {
	p := Problems{}
	if !ValidDay(from) {
		p.Add("from", "must be a calendar day like 2026-11-22")
	}
	if !ValidDay(to) {
		p.Add("to", "must be a calendar day like 2026-11-22")
	}
	return p.Err()
}

// ValidDay reports whether s is a calendar day written as DayLayout, in the years 1 to 9999.
func ValidDay(s string) bool {
	t, err := time.Parse(DayLayout, s)
	return err == nil && t.Year() >= 1
}

// UptimePercentOfDays is the uptime percentage over the days with data, weighted exactly as
// Uptime weights ComponentUptime.Percent.
func UptimePercentOfDays(records []UptimeDayRecord) float64 {
	var tracked, major, partial float64
	for _, r := range records {
		if r.NoData {
			continue
		}
		tracked += float64(r.TrackedMinutes)
		major += float64(r.MajorMinutes)
		partial += float64(r.PartialMinutes)
	}
	return UptimePercent(tracked, major, partial)
}

// dayRecord turns one day of Uptime's answer into the record stored for it.
func dayRecord(componentID string, d DayUptime, computedAt time.Time) UptimeDayRecord {
	return UptimeDayRecord{ComponentID: componentID, Day: d.Day.Format(DayLayout), NoData: d.NoData,
		TrackedMinutes: d.TrackedMinutes, MajorMinutes: d.MajorMinutes, PartialMinutes: d.PartialMinutes,
		DegradedMinutes: d.DegradedMinutes, MaintenanceMinutes: d.MaintenanceMinutes, Incidents: len(d.Incidents),
		ComputedAt: computedAt}
}

// civilDays returns the number of calendar days from a to b (both local midnights).
func civilDays(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua) / (24 * time.Hour))
}

// RollUpUptime stores each component's uptime for every complete day in the page's zone
// (never today) that is not rolled up yet, and returns how many days it wrote.
//
// It continues from the day after the latest rolled-up day and always computes the last
// UptimeRerollDays complete days again. The first run — and the first run for a component
// added since, which has no record for the latest day — starts UptimeHistoryDays back, but
// not before the first day any component was tracked. So after days without a run (the
// server was down) it catches up on all of them, and once every component is rolled up to
// yesterday it does nothing until the next day completes: run it as often as you like.
// Running it twice writes the same records.
//
// The numbers come from Uptime over every incident, at the service clock's now, so they
// equal the uptime bars' days. Records are written in ascending days, whole days per write
// transaction, so an interrupted run leaves no half-written day behind as the latest.
func (s *Service) RollUpUptime(ctx context.Context) (int, error) {
	return s.rollUpUptime(ctx, time.Time{})
}

// RollUpUptimeSince is RollUpUptime that also computes every complete day again from the
// day of since on (within UptimeHistoryDays): call it after history older than the last
// re-rolled days changed, as an import of past incidents does.
func (s *Service) RollUpUptimeSince(ctx context.Context, since time.Time) (int, error) {
	return s.rollUpUptime(ctx, since)
}

func (s *Service) rollUpUptime(ctx context.Context, since time.Time) (int, error) {
	now := s.now()
	today := localMidnight(now, s.loc)
	yesterday := today.AddDate(0, 0, -1)
	var comps []Component
	var latest string
	var current map[string]bool // components with a record for the latest day
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		if comps, err = tx.Components(); err != nil {
			return err
		}
		if latest, err = tx.LatestUptimeDay(); err != nil || latest == "" {
			return err
		}
		recs, err := tx.UptimeDays("", latest, latest)
		if err != nil {
			return err
		}
		current = make(map[string]bool, len(recs))
		for _, r := range recs {
			current[r.ComponentID] = true
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("roll up uptime: load roll-up state: %w", err)
	}
	// Where the components rolled up to the latest day continue from; today (nothing to do)
	// while no day completed since.
	resume := today
	if latest != "" {
		l, err := time.ParseInLocation(DayLayout, latest, s.loc)
		if err != nil {
			return 0, fmt.Errorf("roll up uptime: latest day %q: %w", latest, err)
		}
		if l.Before(yesterday) {
			resume = minTime(l.AddDate(0, 0, 1), yesterday.AddDate(0, 0, 1-UptimeRerollDays))
		}
	}
	if !since.IsZero() {
		resume = minTime(resume, localMidnight(since, s.loc))
	}
	pending := slices.ContainsFunc(comps, func(c Component) bool { return !current[c.ID] })
	if len(comps) == 0 || (resume.After(yesterday) && !pending) {
		return 0, nil // no day completed since the last run, and no component is new
	}

	var incs []Incident
	err = s.store.Read(ctx, func(tx Tx) error {
		var err error
		// Every incident, not a window: a component's tracking may start with an imported
		// incident far older than the days rolled up (see Uptime).
		incs, err = tx.Incidents(IncidentFilter{})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("roll up uptime: load incidents: %w", err)
	}
	first := today.AddDate(0, 0, -UptimeHistoryDays)
	earliest := today
	spans := spansByComponent(incs, now)
	for _, c := range comps {
		earliest = minTime(earliest, localMidnight(trackedSince(c, spans[c.ID]), s.loc))
	}
	first = maxTime(first, earliest)

	byDay := map[string][]UptimeDayRecord{}
	for _, c := range comps {
		from := first
		if current[c.ID] {
			from = maxTime(resume, first)
		}
		if from.After(yesterday) {
			continue
		}
		n := civilDays(from, today) + 1 // from .. today; today is dropped
		u := uptime(c, spans[c.ID], incs, dayBounds(n, now, s.loc), now)
		for _, d := range u.Days[:n-1] {
			r := dayRecord(c.ID, d, now)
			byDay[r.Day] = append(byDay[r.Day], r)
		}
	}
	days := slices.Sorted(maps.Keys(byDay))
	for len(days) > 0 {
		var batch []UptimeDayRecord
		n := 0
		for n < len(days) && (n == 0 || len(batch)+len(byDay[days[n]]) <= uptimeBatchRecords) {
			batch = append(batch, byDay[days[n]]...)
			n++
		}
		if err := s.putUptimeDays(ctx, batch); err != nil {
			return 0, fmt.Errorf("roll up uptime %s to %s: %w", days[0], days[n-1], err)
		}
		days = days[n:]
	}
	if len(byDay) > 0 {
		s.log.InfoContext(ctx, "uptime rolled up", "days", len(byDay), "components", len(comps))
	}
	return len(byDay), nil
}

// putUptimeDays stores records in one write transaction, leaving out those of components
// deleted since they were computed.
func (s *Service) putUptimeDays(ctx context.Context, records []UptimeDayRecord) error {
	return s.store.Write(ctx, func(tx Tx) error {
		comps, err := tx.Components()
		if err != nil {
			return err
		}
		exists := make(map[string]bool, len(comps))
		for _, c := range comps {
			exists[c.ID] = true
		}
		return tx.PutUptimeDays(slices.DeleteFunc(records, func(r UptimeDayRecord) bool { return !exists[r.ComponentID] }))
	})
}

// UptimeReport is the rolled-up uptime of components over a range of days.
type UptimeReport struct {
	From, To   string // YYYY-MM-DD, inclusive
	Components []ComponentUptimeHistory
}

// ComponentUptimeHistory is a component's rolled-up days in a range.
type ComponentUptimeHistory struct {
	ComponentID string
	Days        []UptimeDayRecord // oldest first; days not rolled up (yet) are absent
	// Percent is the uptime over the days with data (UptimePercentOfDays); 100 when no day
	// has data, as in Uptime.
	Percent float64
}

// UptimeReport returns the rolled-up days from `from` to `to` (YYYY-MM-DD in the page's
// zone, inclusive) of component id, or of every component in display order when id is "".
// Empty from and to default to the last uptimeHistoryDefaultDays complete days: to
// defaults to yesterday and from to the range's first day before to. It returns ENOTFOUND
// for an unknown component and EINVALID for a malformed day, from after to, or a range of
// more than UptimeHistoryDays days.
func (s *Service) UptimeReport(ctx context.Context, id, from, to string) (*UptimeReport, error) {
	first, last, err := s.uptimeRange(from, to)
	if err != nil {
		return nil, err
	}
	var comps []Component
	var recs []UptimeDayRecord
	err = s.store.Read(ctx, func(tx Tx) error {
		if id != "" {
			c, err := tx.Component(id)
			if err != nil {
				return err
			}
			comps = []Component{*c}
		} else {
			var err error
			if comps, err = tx.Components(); err != nil {
				return err
			}
		}
		var err error
		recs, err = tx.UptimeDays(id, first, last)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load uptime from %s to %s: %w", first, last, err)
	}
	byComp := map[string][]UptimeDayRecord{}
	for _, r := range recs {
		byComp[r.ComponentID] = append(byComp[r.ComponentID], r)
	}
	out := &UptimeReport{From: first, To: last, Components: make([]ComponentUptimeHistory, 0, len(comps))}
	for _, c := range comps {
		days := byComp[c.ID]
		out.Components = append(out.Components, ComponentUptimeHistory{ComponentID: c.ID, Days: days,
			Percent: UptimePercentOfDays(days)})
	}
	return out, nil
}

// uptimeHistoryDefaultDays is how many days UptimeReport covers when no range is given.
const uptimeHistoryDefaultDays = 90

// uptimeRange validates a requested range of days and fills in the defaults.
func (s *Service) uptimeRange(from, to string) (string, string, error) {
	p := Problems{}
	var first, last time.Time
	var err error
	if to == "" {
		last = localMidnight(s.now(), s.loc).AddDate(0, 0, -1)
	} else if last, err = time.ParseInLocation(DayLayout, to, s.loc); err != nil {
		p.Add("to", "must be a calendar day like 2026-11-22")
	}
	if from == "" {
		first = last.AddDate(0, 0, 1-uptimeHistoryDefaultDays)
	} else if first, err = time.ParseInLocation(DayLayout, from, s.loc); err != nil {
		p.Add("from", "must be a calendar day like 2026-11-22")
	}
	if len(p) == 0 {
		switch n := civilDays(first, last) + 1; {
		case n < 1:
			p.Add("from", "must not be after to")
		case n > UptimeHistoryDays:
			p.Add("from", "must be at most %d days before to (the range has %d days)", UptimeHistoryDays-1, n)
		}
	}
	if err := p.Err(); err != nil {
		return "", "", err
	}
	return first.Format(DayLayout), last.Format(DayLayout), nil
}

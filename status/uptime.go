package status

import (
	"slices"
	"time"

	"github.com/candorstatus/candor/lang"
)

// PartialOutageWeight is how much a minute of partial outage counts as downtime in the
// uptime percentage. A major outage minute counts fully; degraded performance and
// maintenance do not count. This is the weighting Statuspage documents, so percentages
// read the same as on the page operators came from.
const PartialOutageWeight = 0.3

// IncidentRef names an incident in a day's uptime summary.
type IncidentRef struct {
	ID     string
	Title  lang.Text
	Impact Impact
}

// DayUptime summarises one calendar day of a component in the page's time zone.
//
// TrackedMinutes is how much of the day counts toward the percentage: the whole day (1440
// minutes, or 1380 or 1500 when the clocks change), less on the day tracking starts and,
// today, only up to now; 0 with NoData.
type DayUptime struct {
	Day                time.Time // local midnight
	NoData             bool      // the component was not tracked yet
	Worst              ComponentStatus
	TrackedMinutes     int
	MajorMinutes       int
	PartialMinutes     int
	DegradedMinutes    int
	MaintenanceMinutes int
	Incidents          []IncidentRef
}

// DowntimeMinutes is the day's partial and major outage minutes together.
func (d DayUptime) DowntimeMinutes() int { return d.MajorMinutes + d.PartialMinutes }

// ComponentUptime is a component's recent daily history.
type ComponentUptime struct {
	ComponentID string
	Days        []DayUptime // oldest first
	Percent     float64     // 0–100 over the days with data
}

type span struct {
	from, to time.Time
	status   ComponentStatus
	inc      int // index into the incidents slice
}

// spansByComponent returns, for every component the timelines name, when incidents held
// it in a non-operational status: each update's change starts a new status for the
// component, which lasts until the next change, the resolution, or now. One pass over the
// timelines; each component's spans are by incident, then time.
func spansByComponent(incidents []Incident, now time.Time) map[string][]span {
	out := map[string][]span{}
	open := map[string]span{} // the span each component is in, within the incident being read
	for i := range incidents {
		inc := &incidents[i]
		clear(open)
		for _, u := range inc.Updates {
			for _, ch := range u.Components {
				if cur, ok := open[ch.ComponentID]; ok {
					cur.to = u.CreatedAt
					out[ch.ComponentID] = append(out[ch.ComponentID], cur)
				}
				open[ch.ComponentID] = span{from: u.CreatedAt, status: ch.NewStatus, inc: i}
			}
		}
		end := now
		if !inc.ResolvedAt.IsZero() && inc.ResolvedAt.Before(now) {
			end = inc.ResolvedAt
		}
		for id, cur := range open {
			cur.to = end
			out[id] = append(out[id], cur)
		}
	}
	for id, spans := range out {
		out[id] = slices.DeleteFunc(spans, func(s span) bool { return s.status == Operational || !s.to.After(s.from) })
	}
	return out
}

// Uptimes summarises the last `days` calendar days (today included) of each of comps,
// keyed by id, from the incidents' timelines; where incidents overlap, the worst status
// counts at each moment. The day boundaries are computed once and the timelines read in
// one pass, so a page of a thousand components costs a thousand sweeps of their own
// spans, not a thousand readings of every incident and ninety thousand calendar
// computations.
func Uptimes(comps []Component, incidents []Incident, days int, now time.Time, loc *time.Location) map[string]ComponentUptime {
	bounds := dayBounds(days, now, loc)
	spans := spansByComponent(incidents, now)
	out := make(map[string]ComponentUptime, len(comps))
	for _, c := range comps {
		out[c.ID] = uptime(c, spans[c.ID], incidents, bounds, now)
	}
	return out
}

// dayBounds returns the local midnights that start each of the last `days` days (today
// last) and, after them, the one that ends today.
func dayBounds(days int, now time.Time, loc *time.Location) []time.Time {
	today := localMidnight(now, loc)
	out := make([]time.Time, days+1)
	for i := range out {
		out[i] = today.AddDate(0, 0, i-days+1)
	}
	return out
}

// uptime summarises c's spans over the days that bounds delimit.
func uptime(c Component, spans []span, incidents []Incident, bounds []time.Time, now time.Time) ComponentUptime {
	tracked := trackedSince(c, spans)
	days := len(bounds) - 1
	out := ComponentUptime{ComponentID: c.ID, Days: make([]DayUptime, days)}
	var total, major, partial float64
	for i := range days {
		start, end := bounds[i], bounds[i+1]
		day := DayUptime{Day: start, Worst: Operational}
		if !end.After(tracked) {
			day.NoData = true
			out.Days[i] = day
			continue
		}
		from := start
		if tracked.After(from) {
			from = tracked
		}
		to := end
		if now.Before(to) {
			to = now
		}
		sweepDay(&day, spans, incidents, from, to)
		if to.After(from) {
			total += to.Sub(from).Minutes()
			day.TrackedMinutes = roundMinutes(to.Sub(from).Seconds())
		}
		major += float64(day.MajorMinutes)
		partial += float64(day.PartialMinutes)
		out.Days[i] = day
	}
	out.Percent = UptimePercent(total, major, partial)
	return out
}

// PercentLast is the uptime percentage over the last n days of u only (all of them when n
// is larger): what a bar showing only those days must say beside it.
func (u ComponentUptime) PercentLast(n int) float64 {
	days := u.Days[max(0, len(u.Days)-n):]
	var total, major, partial float64
	for _, d := range days {
		total += float64(d.TrackedMinutes)
		major += float64(d.MajorMinutes)
		partial += float64(d.PartialMinutes)
	}
	return UptimePercent(total, major, partial)
}

// UptimePercent is the share of tracked minutes a component was up, 0–100: a minute of
// major outage counts as down, a minute of partial outage as PartialOutageWeight of one,
// and degraded performance and maintenance as up. With nothing tracked it is 100.
func UptimePercent(trackedMinutes, majorMinutes, partialMinutes float64) float64 {
	if trackedMinutes <= 0 {
		return 100
	}
	return max(0, 100*(1-(majorMinutes+PartialOutageWeight*partialMinutes)/trackedMinutes))
}

// trackedSince returns when c's uptime starts counting: its start date, or else its
// creation or the first moment an incident held it down, whichever came first (an
// imported history predates the component's record).
func trackedSince(c Component, spans []span) time.Time {
	if !c.StartDate.IsZero() {
		return c.StartDate
	}
	tracked := c.CreatedAt
	for _, s := range spans {
		if s.from.Before(tracked) {
			tracked = s.from
		}
	}
	return tracked
}

// localMidnight returns the start of the calendar day t falls on in loc.
func localMidnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// roundMinutes rounds seconds to whole minutes, half up.
func roundMinutes(secs float64) int { return int(secs/60 + 0.5) }

// sweepDay adds to day the minutes in each status between from and to, taking the worst
// status at every moment, and lists the incidents that touched the day.
func sweepDay(day *DayUptime, spans []span, incidents []Incident, from, to time.Time) {
	var cuts []time.Time
	var in []span
	for _, s := range spans {
		if s.to.After(from) && s.from.Before(to) {
			in = append(in, s)
			cuts = append(cuts, maxTime(s.from, from), minTime(s.to, to))
			ref := IncidentRef{ID: incidents[s.inc].ID, Title: incidents[s.inc].Title, Impact: incidents[s.inc].Impact}
			if !slices.ContainsFunc(day.Incidents, func(r IncidentRef) bool { return r.ID == ref.ID }) {
				day.Incidents = append(day.Incidents, ref)
			}
		}
	}
	if len(in) == 0 {
		return
	}
	slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
	var secs [5]float64
	for i := 0; i+1 < len(cuts); i++ {
		a, b := cuts[i], cuts[i+1]
		if !b.After(a) {
			continue
		}
		worst := Operational
		for _, s := range in {
			if !s.from.After(a) && !s.to.Before(b) && s.status.Worse(worst) {
				worst = s.status
			}
		}
		if worst.Worse(day.Worst) {
			day.Worst = worst
		}
		secs[worst.rank()] += b.Sub(a).Seconds()
	}
	day.MaintenanceMinutes += roundMinutes(secs[UnderMaintenance.rank()])
	day.DegradedMinutes += roundMinutes(secs[DegradedPerformance.rank()])
	day.PartialMinutes += roundMinutes(secs[PartialOutage.rank()])
	day.MajorMinutes += roundMinutes(secs[MajorOutage.rank()])
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

package status

import (
	"slices"
	"time"

	"github.com/candorstatus/candor/lang"
)

// PromiseStats summarises how staff-announced restoration times fared.
type PromiseStats struct {
	Count int // distinct announced times on resolved incidents
	Met   int // restored by the announced time
	// MedianLate is the median lateness of the missed ones; MedianError the median of
	// (actual − announced) over all, negative when restoration came early.
	MedianLate  time.Duration
	MedianError time.Duration
}

// ModelStats summarises how the model's published ranges fared.
type ModelStats struct {
	Count                  int // estimates published on resolved incidents
	P50Met, P80Met, P90Met int // restored by p50, p80, p90
	P50MedianAbsError      time.Duration
}

// IncidentCalibration is one resolved incident's promises against what happened.
type IncidentCalibration struct {
	ID         string
	Title      lang.Text
	StartedAt  time.Time
	ResolvedAt time.Time
	Announced  []time.Time // distinct announced times, in order
	// First is the first published model range (nil: none).
	First *Estimate
}

// Calibration compares promises with actual restoration over resolved incidents.
type Calibration struct {
	Incidents int
	Announced PromiseStats
	Model     ModelStats
	Recent    []IncidentCalibration // newest first
}

// Calibrate computes the calibration of resolved incidents; recent bounds the list.
func Calibrate(incidents []Incident, recent int) Calibration {
	var c Calibration
	var errs, late, modelErr []time.Duration
	for i := range incidents {
		inc := &incidents[i]
		if inc.Open() || inc.ResolvedAt.IsZero() {
			continue
		}
		c.Incidents++
		ic := IncidentCalibration{ID: inc.ID, Title: inc.Title, StartedAt: inc.StartedAt, ResolvedAt: inc.ResolvedAt}
		end := inc.ResolvedAt
		for _, u := range inc.Updates {
			if a := u.AnnouncedETA; !a.IsZero() && !slices.ContainsFunc(ic.Announced, a.Equal) {
				ic.Announced = append(ic.Announced, a)
				c.Announced.Count++
				errs = append(errs, end.Sub(a))
				if !end.After(a) {
					c.Announced.Met++
				} else {
					late = append(late, end.Sub(a))
				}
			}
			if e := u.Estimate; e != nil && u.Status != Resolved {
				if ic.First == nil {
					ic.First = e
				}
				c.Model.Count++
				if !end.After(e.P50) {
					c.Model.P50Met++
				}
				if !end.After(e.P80) {
					c.Model.P80Met++
				}
				if !end.After(e.P90) {
					c.Model.P90Met++
				}
				modelErr = append(modelErr, (end.Sub(e.P50)).Abs())
			}
		}
		if len(c.Recent) < recent {
			c.Recent = append(c.Recent, ic)
		}
	}
	c.Announced.MedianError = median(errs)
	c.Announced.MedianLate = median(late)
	c.Model.P50MedianAbsError = median(modelErr)
	return c
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

package status

import (
	"context"
	"fmt"
	"time"
)

// MetricsPoint is a component's probe results over one step.
type MetricsPoint struct {
	At         time.Time // the step's start
	Checks     int
	Failures   int
	AvgLatency time.Duration // of every check in the step, 0 without checks
	MaxLatency time.Duration
}

// Availability is the share of checks that succeeded, 0–1; -1 without checks.
func (m MetricsPoint) Availability() float64 {
	if m.Checks == 0 {
		return -1
	}
	return float64(m.Checks-m.Failures) / float64(m.Checks)
}

// Metrics is a component's response time and availability from its probes.
type Metrics struct {
	ComponentID string
	From, To    time.Time
	Step        time.Duration
	Points      []MetricsPoint // one per step from From, empty steps included
	Total       MetricsPoint   // the whole range
}

// MaxMetricsPoints bounds one metrics answer.
const MaxMetricsPoints = 2000

// BucketMinutes sums per-minute records into n steps of step from `from`, every probe of
// the component together.
func BucketMinutes(rs []ProbeMinute, from time.Time, step time.Duration, n int) (points []MetricsPoint, total MetricsPoint) {
	points = make([]MetricsPoint, n)
	sums := make([]time.Duration, n)
	for i := range points {
		points[i].At = from.Add(time.Duration(i) * step)
	}
	var sum time.Duration
	for _, r := range rs {
		i := int(r.Minute.Sub(from) / step)
		if i < 0 || i >= n {
			continue
		}
		p := &points[i]
		p.Checks, p.Failures, sums[i] = p.Checks+r.Checks, p.Failures+r.Failures, sums[i]+r.LatencySum
		p.MaxLatency = max(p.MaxLatency, r.LatencyMax)
		total.Checks, total.Failures, sum = total.Checks+r.Checks, total.Failures+r.Failures, sum+r.LatencySum
		total.MaxLatency = max(total.MaxLatency, r.LatencyMax)
	}
	for i := range points {
		if points[i].Checks > 0 {
			points[i].AvgLatency = sums[i] / time.Duration(points[i].Checks)
		}
	}
	if total.Checks > 0 {
		total.AvgLatency = sum / time.Duration(total.Checks)
	}
	total.At = from
	return points, total
}

// ComponentMetrics returns a component's probe results from `from` to `to` in steps of
// step (whole minutes; at most MaxMetricsPoints steps, at most ProbeRetention back).
// ENOTFOUND for an unknown component.
func (s *Service) ComponentMetrics(ctx context.Context, componentID string, from, to time.Time, step time.Duration) (*Metrics, error) {
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	p := Problems{}
	switch {
	case !to.After(from):
		p.Add("from", "must be before to")
	case to.Sub(from) > ProbeRetention+24*time.Hour:
		p.Add("from", "must be within the %d days results are kept", int(ProbeRetention.Hours()/24))
	}
	switch {
	case step < time.Minute || step%time.Minute != 0:
		p.Add("step", "must be a whole number of minutes, e.g. 1m, 5m, 1h")
	case to.After(from) && int(to.Sub(from)/step) > MaxMetricsPoints:
		p.Add("step", "gives more than %d points for this range; choose a longer step", MaxMetricsPoints)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var rs []ProbeMinute
	err := s.store.Read(ctx, func(tx Tx) error {
		if _, err := tx.Component(componentID); err != nil {
			return err
		}
		var err error
		rs, err = tx.ProbeMinutes(componentID, from, to)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load metrics of %s: %w", componentID, err)
	}
	n := int((to.Sub(from) + step - 1) / step)
	m := &Metrics{ComponentID: componentID, From: from, To: to, Step: step}
	m.Points, m.Total = BucketMinutes(rs, from, step, n)
	return m, nil
}

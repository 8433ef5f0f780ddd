package templates

import (
	"strconv"
	"strings"
	"time"

	"github.com/candorstatus/candor/status"
)

// Spark is a component's response-time sparkline: probe latencies over the last hour,
// drawn server-side as an SVG polyline (no JavaScript), for components that opt in.
type Spark struct {
	Points  string // the polyline's points in a SparkWidth × SparkHeight box
	AvgMs   int    // the average over the window
	Minutes int    // the window
	// Checks ran in the window and OK of them succeeded: availability said as the counts
	// it is, with a percentage rounded down so 399 of 400 never reads as 100 %.
	Checks, OK int
}

// Available is the share of checks that succeeded, in percent, rounded down to a tenth.
func (s *Spark) Available() string {
	if s.Checks == 0 {
		return "0"
	}
	tenths := s.OK * 1000 / s.Checks
	return strconv.Itoa(tenths/10) + "." + strconv.Itoa(tenths%10)
}

// Sparkline geometry, in SVG user units.
const (
	SparkWidth  = 120
	SparkHeight = 24
)

// NewSpark draws per-minute points (oldest first); nil when none has a check. The highest
// average maps to the top, zero to the bottom: the line shows shape, the text the number.
func NewSpark(points []status.MetricsPoint) *Spark {
	var top time.Duration
	var sum time.Duration
	checks, failures := 0, 0
	for _, p := range points {
		if p.Checks > 0 {
			top = max(top, p.AvgLatency)
			sum += p.AvgLatency * time.Duration(p.Checks)
			checks += p.Checks
			failures += p.Failures
		}
	}
	if checks == 0 {
		return nil
	}
	if top <= 0 {
		top = 1
	}
	var b strings.Builder
	n := max(len(points)-1, 1)
	for i, p := range points {
		if p.Checks == 0 {
			continue
		}
		x := float64(i) * SparkWidth / float64(n)
		y := SparkHeight - 1 - float64(p.AvgLatency)/float64(top)*(SparkHeight-2)
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64))
	}
	return &Spark{Points: b.String(), AvgMs: int((sum / time.Duration(checks)).Milliseconds()), Minutes: len(points),
		Checks: checks, OK: checks - failures}
}

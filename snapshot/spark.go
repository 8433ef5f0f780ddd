package snapshot

import (
	"time"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// sparkMinutes is the window a home-page sparkline covers. The snapshot is rebuilt every
// minute, so the line moves on by itself.
const sparkMinutes = 60

// loadSparks reads the last hour of probe results of the components that show a sparkline.
func loadSparks(tx status.Tx, now time.Time) (map[string]*templates.Spark, error) {
	settings, err := tx.AllMonitorSettings()
	if err != nil {
		return nil, err
	}
	out := map[string]*templates.Spark{}
	to := now.UTC().Truncate(time.Minute)
	from := to.Add(-sparkMinutes * time.Minute)
	for _, m := range settings {
		if !m.Sparkline {
			continue
		}
		rs, err := tx.ProbeMinutes(m.ComponentID, from, to)
		if err != nil {
			return nil, err
		}
		points, _ := status.BucketMinutes(rs, from, time.Minute, sparkMinutes)
		if s := templates.NewSpark(points); s != nil {
			out[m.ComponentID] = s
		}
	}
	return out, nil
}

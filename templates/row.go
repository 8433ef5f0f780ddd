package templates

import (
	"context"
	"io"
	"reflect"

	"github.com/a-h/templ"

	"github.com/candorstatus/candor/status"
)

// ComponentRow is one component's row of the home page exactly as HomePage writes it in v's
// language, for a caller that keeps rows between renders (ComponentView.Row).
func ComponentRow(v HomeView, c ComponentView) templ.Component {
	v.days = dayTexts{}
	c.Row = nil
	return componentRow(v, c)
}

// SameRow reports whether the home page writes the rows of a and b alike, in one language,
// zone and number of days: the same component and sparkline, the same days as the bar
// shows them, and the same percentages as written. It compares what componentRow reads and
// no more: today's tracked minutes grow with the clock and matter only through the
// percentages, so a row stays the same from minute to minute.
func SameRow(a, b ComponentView) bool {
	if !reflect.DeepEqual(a.Component, b.Component) || !reflect.DeepEqual(a.Spark, b.Spark) {
		return false
	}
	ua, ub := a.Uptime, b.Uptime
	if len(ua.Days) != len(ub.Days) || formatPercent(ua.Percent) != formatPercent(ub.Percent) ||
		formatPercent(ua.PercentLast(shortDays)) != formatPercent(ub.PercentLast(shortDays)) {
		return false
	}
	for i := range ua.Days {
		if !sameBarDay(&ua.Days[i], &ub.Days[i]) {
			return false
		}
	}
	return true
}

// sameBarDay reports whether two days read the same in an uptime bar: every field but
// TrackedMinutes. Field by field, not reflect.DeepEqual: a page of a thousand components
// compares ninety thousand days per language at every rebuild. TestSameBarDayFields fails
// when DayUptime grows a field this does not compare.
func sameBarDay(a, b *status.DayUptime) bool {
	if !a.Day.Equal(b.Day) || a.NoData != b.NoData || a.Worst != b.Worst || a.MajorMinutes != b.MajorMinutes ||
		a.PartialMinutes != b.PartialMinutes || a.DegradedMinutes != b.DegradedMinutes ||
		a.MaintenanceMinutes != b.MaintenanceMinutes || len(a.Incidents) != len(b.Incidents) {
		return false
	}
	for i := range a.Incidents {
		if a.Incidents[i] != b.Incidents[i] {
			return false
		}
	}
	return true
}

// rawBytes writes b as it is: a row rendered before.
func rawBytes(b []byte) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

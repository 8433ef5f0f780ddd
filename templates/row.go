package templates

import (
	"context"
	"io"
	"reflect"

	"github.com/a-h/templ"
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
		da, db := ua.Days[i], ub.Days[i]
		da.TrackedMinutes, db.TrackedMinutes = 0, 0
		if !reflect.DeepEqual(da, db) {
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

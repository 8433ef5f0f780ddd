package templates

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/candorstatus/candor/status"
)

// TestKeptRowsRenderAsInline: a home page whose rows were rendered before by ComponentRow
// is the page HomePage renders from scratch, byte for byte, in both languages.
func TestKeptRowsRenderAsInline(t *testing.T) {
	for _, l := range Langs {
		v := homeView(t, l)
		var want bytes.Buffer
		if err := HomePage(v).Render(context.Background(), &want); err != nil {
			t.Fatal(err)
		}
		kept := homeView(t, l)
		for g := range kept.Groups {
			for i, c := range kept.Groups[g].Components {
				var row bytes.Buffer
				if err := ComponentRow(kept, c).Render(context.Background(), &row); err != nil {
					t.Fatal(err)
				}
				kept.Groups[g].Components[i].Row = row.Bytes()
			}
		}
		var got bytes.Buffer
		if err := HomePage(kept).Render(context.Background(), &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: the page with kept rows differs:\n%s\n---- rendered inline:\n%s", l, got.Bytes(), want.Bytes())
		}
	}
}

// TestSameRow: rows differ with what the row shows and not with today's tracked minutes
// alone.
func TestSameRow(t *testing.T) {
	base := homeView(t, English).Groups[0].Components[0]
	clone := func() ComponentView {
		c := base
		c.Uptime.Days = append(c.Uptime.Days[:0:0], base.Uptime.Days...)
		return c
	}
	later := clone()
	later.Uptime.Days[len(later.Uptime.Days)-1].TrackedMinutes += 5
	if !SameRow(base, later) {
		t.Error("a row differs when only today's tracked minutes grew")
	}
	worse := clone()
	worse.Uptime.Days[len(worse.Uptime.Days)-1].MajorMinutes++
	renamed := clone()
	renamed.Component.Name.EN += "!"
	pct := clone()
	pct.Uptime.Percent = 99.5
	for name, c := range map[string]ComponentView{"a day's minutes": worse, "the name": renamed, "the percentage": pct} {
		if SameRow(base, c) {
			t.Errorf("a row is the same with another %s", name)
		}
	}
}

// TestSameBarDayFields: sameBarDay compares every field of DayUptime but TrackedMinutes;
// a new field must be compared there (or said to matter only through the percentages).
func TestSameBarDayFields(t *testing.T) {
	var fields []string
	for f := range reflect.TypeFor[status.DayUptime]().Fields() {
		fields = append(fields, f.Name)
	}
	want := []string{"Day", "NoData", "Worst", "TrackedMinutes", "MajorMinutes", "PartialMinutes", "DegradedMinutes",
		"MaintenanceMinutes", "Incidents"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("DayUptime has fields %v; sameBarDay compares %v (all but TrackedMinutes): compare the new ones", fields, want)
	}
	if reflect.TypeFor[status.IncidentRef]().NumField() != 3 {
		t.Error("IncidentRef changed: check that sameBarDay's == still compares what a bar shows")
	}
}

package status

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func upd(min int, st IncidentStatus, changes ...ComponentChange) Update {
	return Update{Status: st, Message: lang.Same("m"), Components: changes, CreatedAt: t0.Add(time.Duration(min) * time.Minute)}
}

func chg(id string, s ComponentStatus) ComponentChange {
	return ComponentChange{ComponentID: id, NewStatus: s}
}

func TestDerive(t *testing.T) {
	eta := t0.Add(3 * time.Hour)
	inc := &Incident{Impact: ImpactMinor, Updates: []Update{
		upd(0, Investigating, chg("api", PartialOutage), chg("web", DegradedPerformance)),
		{Status: Identified, Message: lang.Same("found"), CreatedAt: t0.Add(20 * time.Minute), AnnouncedETA: eta, Impact: ImpactMajor},
		upd(40, Monitoring, chg("api", DegradedPerformance)),
	}}
	inc.Derive()
	if inc.Status != Monitoring || inc.Impact != ImpactMajor {
		t.Fatalf("status/impact = %s/%s, want monitoring/major", inc.Status, inc.Impact)
	}
	if !inc.IdentifiedAt.Equal(t0.Add(20*time.Minute)) || !inc.MonitoringAt.Equal(t0.Add(40*time.Minute)) || !inc.ResolvedAt.IsZero() {
		t.Fatalf("phase times = %v %v %v", inc.IdentifiedAt, inc.MonitoringAt, inc.ResolvedAt)
	}
	if !inc.AnnouncedETA.Equal(eta) {
		t.Fatalf("announced = %v, want %v (kept from an earlier update)", inc.AnnouncedETA, eta)
	}
	if st, _ := inc.ComponentStatus("api"); st != DegradedPerformance {
		t.Fatalf("api = %s, want degraded (latest change wins)", st)
	}
	if st, _ := inc.ComponentStatus("web"); st != DegradedPerformance {
		t.Fatalf("web = %s, want degraded", st)
	}

	inc.Updates = append(inc.Updates, upd(90, Resolved), upd(200, Resolved))
	inc.Derive()
	if !inc.ResolvedAt.Equal(t0.Add(90 * time.Minute)) {
		t.Fatalf("resolved at %v, want the first resolved update, not a later note", inc.ResolvedAt)
	}
	if !inc.AnnouncedETA.IsZero() {
		t.Fatal("a resolved incident must not keep an announced time")
	}
	for _, c := range inc.Components {
		if c.Status != Operational {
			t.Fatalf("resolved incident holds %s at %s", c.ComponentID, c.Status)
		}
	}
}

func TestOverallStatus(t *testing.T) {
	comps := func(ss ...ComponentStatus) []Component {
		var out []Component
		for _, s := range ss {
			out = append(out, Component{Status: s})
		}
		return out
	}
	open := []Incident{{Status: Investigating, Impact: ImpactCritical}}
	tests := []struct {
		name  string
		comps []Component
		open  []Incident
		want  Overall
	}{
		{"all operational", comps(Operational, Operational), open, OverallOperational},
		{"degraded", comps(Operational, DegradedPerformance), nil, OverallDegraded},
		{"partial beats degraded", comps(DegradedPerformance, PartialOutage), nil, OverallPartial},
		{"major beats all", comps(UnderMaintenance, MajorOutage, PartialOutage), nil, OverallMajor},
		{"maintenance only when nothing worse", comps(UnderMaintenance, Operational), nil, OverallMaintenance},
		{"degraded beats maintenance", comps(UnderMaintenance, DegradedPerformance), nil, OverallDegraded},
		{"no components: incident impact decides", nil, open, OverallMajor},
		{"no components: minor incident", nil, []Incident{{Status: Identified, Impact: ImpactMinor}}, OverallMinorOutage},
		{"no components: resolved incidents ignored", nil, []Incident{{Status: Resolved, Impact: ImpactCritical}}, OverallOperational},
		{"nothing at all", nil, nil, OverallOperational},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OverallStatus(tt.comps, tt.open); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSlugAndValidID(t *testing.T) {
	tests := []struct{ name, slug string }{
		{"Messenger", "messenger"},
		{"Photo & story upload", "photo-story-upload"},
		{"  API v2 ", "api-v2"},
		{"메시지", ""},
		{"Voice 통화 calls", "voice-calls"},
	}
	for _, tt := range tests {
		if got := Slug(tt.name); got != tt.slug {
			t.Errorf("Slug(%q) = %q, want %q", tt.name, got, tt.slug)
		}
		if tt.slug != "" && !ValidID(tt.slug) {
			t.Errorf("ValidID(%q) = false", tt.slug)
		}
	}
	for _, bad := range []string{"", "-x", "x-", "A", "a b", "a/b", string(make([]byte, 65))} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func TestScopeAllows(t *testing.T) {
	if !ScopeAdmin.Allows(ScopeWrite) || !ScopeWrite.Allows(ScopeRead) || ScopeRead.Allows(ScopeWrite) || ScopeWrite.Allows(ScopeAdmin) {
		t.Fatal("scope order broken")
	}
	if Scope("root").Allows(ScopeRead) {
		t.Fatal("unknown scope allowed")
	}
}

func TestAPIKeySecret(t *testing.T) {
	a, b := NewAPIKeySecret(), NewAPIKeySecret()
	if a == b || len(a) < 30 || a[:4] != "cnd_" {
		t.Fatalf("weak or malformed keys: %q %q", a, b)
	}
	if HashAPIKey(a) == HashAPIKey(b) || HashAPIKey(a) != HashAPIKey(a) {
		t.Fatal("hash not a function of the key")
	}
}

// TestApplyMatchesDerive: the state Apply leaves from an open incident's stored state (no
// earlier entries loaded) is the state Derive computes from the whole timeline.
func TestApplyMatchesDerive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []IncidentStatus{Investigating, Identified, Monitoring, Resolved}
	comps := []string{"api", "web", "db"}
	for run := range 500 {
		var timeline []Update
		for i := range 1 + rng.IntN(12) {
			u := Update{Status: statuses[rng.IntN(len(statuses))], CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
			if rng.IntN(3) == 0 {
				u.Impact = Impacts[rng.IntN(len(Impacts))]
			}
			if rng.IntN(3) == 0 {
				u.AnnouncedETA = t0.Add(time.Duration(rng.IntN(600)) * time.Minute)
			}
			for _, c := range comps {
				if rng.IntN(3) == 0 {
					u.Components = append(u.Components, chg(c, ComponentStatuses[rng.IntN(len(ComponentStatuses))]))
				}
			}
			timeline = append(timeline, u)
		}
		for k := 1; k < len(timeline); k++ {
			before := &Incident{ID: "i", Impact: ImpactMinor, Updates: slices.Clone(timeline[:k])}
			before.Derive()
			if !before.Open() {
				break // a resolved incident's timeline is closed
			}
			state := *before
			state.Updates = nil
			state.Components = slices.Clone(before.Components)
			state.Apply(timeline[k])

			whole := &Incident{ID: "i", Impact: ImpactMinor, Updates: slices.Clone(timeline[:k+1])}
			whole.Derive()
			whole.Updates = whole.Updates[k:] // Apply keeps only what it was given
			if !reflect.DeepEqual(&state, whole) {
				t.Fatalf("run %d, entry %d: Apply gave\n%+v\nDerive gave\n%+v", run, k, state, *whole)
			}
		}
	}
}

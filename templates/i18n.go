package templates

import (
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// T returns Candor's own text for key in language l (see package wording).
func T(l Lang, key string) string { return wording.T(l, key) }

// Tf returns T(l, key) with {0}, {1}, ... replaced by args.
func Tf(l Lang, key string, args ...string) string { return wording.Tf(l, key, args...) }

// ComponentStatusText names a component status; unknown statuses are shown as they are.
func ComponentStatusText(l Lang, s status.ComponentStatus) string {
	return orRaw(l, "component."+string(s), string(s))
}

// IncidentStatusText names an incident status.
func IncidentStatusText(l Lang, s status.IncidentStatus) string {
	return orRaw(l, "istatus."+string(s), string(s))
}

// ImpactText names an incident's impact, e.g. "Major impact".
func ImpactText(l Lang, i status.Impact) string {
	return orRaw(l, "impact."+string(i), string(i))
}

// CauseText names an incident cause.
func CauseText(l Lang, c status.Cause) string {
	return orRaw(l, "cause."+string(c), string(c))
}

// OverallText translates the overall banner; descriptions without a translation are shown
// as they are.
func OverallText(l Lang, o status.Overall) string {
	return orRaw(l, "overall."+o.Description, o.Description)
}

func orRaw(l Lang, key, raw string) string { return wording.OrRaw(l, key, raw) }

// otherLang is the language the switch links to.
func otherLang(l Lang) Lang { return l.Other() }

// langName is a language's name in itself, as language switches show it.
func langName(l Lang) string { return wording.LangName(l) }

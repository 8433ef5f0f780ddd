package templates

import "github.com/a-h/templ"

// homeSubscribeOptions lists the home page's components for the subscribe form.
func homeSubscribeOptions(v HomeView) []SubscribeOption {
	var out []SubscribeOption
	for _, g := range v.Groups {
		for _, c := range g.Components {
			out = append(out, SubscribeOption{ID: c.Component.ID, Name: c.Component.Name})
		}
	}
	return out
}

// subInvalid marks the field a refused form's error is about, and points it at the error,
// so a screen reader says why when the field is focused.
func subInvalid(v SubscriptionView, field string) templ.Attributes {
	if v.Error == "" || v.ErrorField != field {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-invalid": "true", "aria-describedby": "subscribe-error"}
}

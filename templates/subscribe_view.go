package templates

// homeSubscribeOptions lists the home page's components for the subscribe form.
func homeSubscribeOptions(v HomeView) []SubscribeOption {
	var out []SubscribeOption
	for _, g := range v.Groups {
		for _, c := range g.Components {
			name, _ := c.Component.Name.Pick(v.Lang, fallbackLang(v.Page))
			out = append(out, SubscribeOption{ID: c.Component.ID, Name: name})
		}
	}
	return out
}

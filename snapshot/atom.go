package snapshot

import (
	"encoding/xml"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	langpkg "github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/templates"
)

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Published string      `xml:"published"`
	Updated   string      `xml:"updated"`
	Link      atomLink    `xml:"link"`
	Content   atomContent `xml:"content"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// atomEntries is how many incidents the feed carries, newest first.
const atomEntries = 50

// atom renders the incident feed in one language: an entry per incident whose content is
// its timeline, newest update first, so feed readers show the latest state.
//
// Each language is a feed of its own, with its own feed and entry ids: a reader subscribed
// to both sees two entries, not one entry whose text changes language.
func (b *Builder) atom(st *state, lang templates.Lang, now time.Time) ([]byte, error) {
	base := b.cfg.PublicURL
	// The feed changed when its content last did (RFC 4287: the last significant change),
	// not at every rebuild: readers polling with If-None-Match then get 304s.
	updated := b.lastModified(st)
	if updated.IsZero() {
		updated = now
	}
	pageName := b.pageName(lang)
	text := func(t langpkg.Text) string { s, _ := t.Pick(lang, b.cfg.DefaultLang); return s }
	// html is a staff text as feed HTML: escaped, line breaks kept, and marked with its own
	// language when it falls back to another.
	htmlText := func(t langpkg.Text) string {
		s, l := t.Pick(lang, b.cfg.DefaultLang)
		out := strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
		if l != lang && s != "" {
			out = `<span lang="` + string(l) + `">` + out + `</span>`
		}
		return out
	}
	f := atomFeed{Lang: string(lang), ID: base + "/history.atom?lang=" + string(lang), Title: pageName + " — " + templates.T(lang, "history.title"),
		Updated: updated.UTC().Format(time.RFC3339), Author: atomAuthor{Name: pageName},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/history.atom?lang=" + string(lang)},
			{Rel: "alternate", Type: "text/html", Href: base + "/?lang=" + string(lang)}}}
	type item struct {
		updated time.Time
		entry   atomEntry
	}
	var items []item
	for i := range st.maints {
		m := &st.maints[i]
		var body strings.Builder
		fmt.Fprintf(&body, "<p><strong>%s – %s</strong></p>", html.EscapeString(templates.FormatTime(lang, m.ScheduledFor, b.cfg.Location, now)),
			html.EscapeString(templates.FormatTime(lang, m.ScheduledUntil, b.cfg.Location, now)))
		for j := len(m.Updates) - 1; j >= 0; j-- {
			u := m.Updates[j]
			fmt.Fprintf(&body, "<p><small>%s</small><br><strong>%s</strong> - %s</p>",
				html.EscapeString(templates.FormatTime(lang, u.CreatedAt, b.cfg.Location, now)),
				html.EscapeString(templates.MaintenanceStatusText(lang, u.Status)),
				htmlText(u.Message))
		}
		link := base + "/maintenances/" + m.ID + "?lang=" + string(lang)
		items = append(items, item{m.UpdatedAt, atomEntry{ID: link,
			Title: templates.T(lang, "maint.title") + ": " + text(m.Title), Published: m.CreatedAt.UTC().Format(time.RFC3339),
			Updated: m.UpdatedAt.UTC().Format(time.RFC3339), Link: atomLink{Rel: "alternate", Type: "text/html", Href: link},
			Content: atomContent{Type: "html", Body: body.String()}}})
	}
	for i := range st.incidents {
		if i == atomEntries {
			break
		}
		inc := &st.incidents[i]
		var body strings.Builder
		for j := len(inc.Updates) - 1; j >= 0; j-- {
			u := inc.Updates[j]
			fmt.Fprintf(&body, "<p><small>%s</small><br><strong>%s</strong> - %s</p>",
				html.EscapeString(templates.FormatTime(lang, u.CreatedAt, b.cfg.Location, now)),
				html.EscapeString(templates.IncidentStatusText(lang, u.Status)),
				htmlText(u.Message))
		}
		link := base + "/incidents/" + inc.ID + "?lang=" + string(lang)
		items = append(items, item{inc.UpdatedAt, atomEntry{ID: link, Title: text(inc.Title),
			Published: inc.CreatedAt.UTC().Format(time.RFC3339), Updated: inc.UpdatedAt.UTC().Format(time.RFC3339),
			Link: atomLink{Rel: "alternate", Type: "text/html", Href: link}, Content: atomContent{Type: "html", Body: body.String()}}})
	}
	slices.SortStableFunc(items, func(a, b item) int { return b.updated.Compare(a.updated) })
	for i, it := range items {
		if i == atomEntries {
			break
		}
		f.Entries = append(f.Entries, it.entry)
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode atom feed: %w", err)
	}
	return append([]byte(xml.Header), out...), nil
}

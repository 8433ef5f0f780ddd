package email

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/mail"
	"strings"

	"github.com/a-h/templ"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/wording"
)

// Content is one email in one language before it is addressed: the links that name the
// recipient are placeholders Personalize fills in.
type Content struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// Payload is what an email job carries: the email in every language, written when the
// update was (so it says what was true then, like the push), its thread and audience.
type Payload struct {
	Thread     string             `json:"thread"`     // "incident-<id>" or "maintenance-<id>"
	Components []string           `json:"components"` // the audience: these components or "*"
	Content    map[string]Content `json:"content"`    // by language
}

// The placeholders of the per-recipient links: plain ASCII that no text contains, the same
// in the text and the HTML part.
const (
	manageMark      = "https://candor.invalid/manage-link"
	unsubscribeMark = "https://candor.invalid/unsubscribe-link"
)

// Personalize fills in a recipient's links.
func Personalize(c Content, manageURL, unsubscribeURL string) Content {
	c.Text = strings.NewReplacer(manageMark, manageURL, unsubscribeMark, unsubscribeURL).Replace(c.Text)
	c.HTML = strings.NewReplacer(manageMark, html.EscapeString(manageURL), unsubscribeMark, html.EscapeString(unsubscribeURL)).Replace(c.HTML)
	return c
}

// Subject is `[Page] State: Title`.
func Subject(page, state, title string) string {
	s := state
	if title = strings.Join(strings.Fields(title), " "); title != "" {
		s += ": " + title
	}
	if page = strings.TrimSpace(page); page != "" {
		s = "[" + page + "] " + s
	}
	return s
}

// BuildUpdate writes the email announcing ev in language locale, with the same words as
// the push (notifier.Describe) but whole: the staff text is not cut, and every line about
// the estimate is there.
func BuildUpdate(ev notifier.Event, locale string) (Content, error) {
	l := lang.Of(locale)
	w := notifier.Describe(ev, string(l))
	why := wording.Tf(l, "email.why", w.Page)
	v := updateView{Lang: string(l), Words: wordsView{Page: w.Page, State: w.State, Title: w.Title, Text: w.Text,
		URL: w.URL, Lines: w.Lines}, ManageURL: manageMark, UnsubURL: unsubscribeMark, Why: why,
		ViewLabel: wording.T(l, "email.view"), ManageText: wording.T(l, "email.manage"), UnsubText: wording.T(l, "email.unsubscribe")}
	if w.Components != "" {
		v.Affects = wording.Tf(l, "email.affects", w.Components)
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%s: %s\n\n", w.State, w.Title)
	if w.Text != "" {
		text.WriteString(w.Text + "\n\n")
	}
	for _, line := range w.Lines {
		text.WriteString(line + "\n")
	}
	if len(w.Lines) > 0 {
		text.WriteString("\n")
	}
	if v.Affects != "" {
		text.WriteString(v.Affects + "\n\n")
	}
	fmt.Fprintf(&text, "%s:\n%s\n\n-- \n%s\n%s: %s\n%s: %s\n", v.ViewLabel, w.URL, why,
		v.ManageText, manageMark, v.UnsubText, unsubscribeMark)
	h, err := render(updateHTML(v))
	if err != nil {
		return Content{}, err
	}
	return Content{Subject: Subject(w.Page, w.State, w.Title), Text: text.String(), HTML: h}, nil
}

// BuildSubscription writes the email that carries a confirmation link (event
// status.EmailEventConfirm) or, for an address already confirmed, its preferences link
// (status.EmailEventManage).
func BuildSubscription(event string, page lang.Text, fallback lang.Lang, locale, link string) (Content, error) {
	l := lang.Of(locale)
	name, _ := page.Pick(l, fallback)
	v := subscriptionView{Lang: string(l), Page: name, Link: link}
	switch event {
	case status.EmailEventConfirm:
		v.Title = wording.Tf(l, "email.confirm.subject", name)
		v.Body = wording.Tf(l, "email.confirm.body", name)
		v.Button = wording.T(l, "email.confirm.button")
		v.Note = wording.T(l, "email.confirm.note")
	case status.EmailEventManage:
		v.Title = wording.Tf(l, "email.manage.subject", name)
		v.Body = wording.Tf(l, "email.manage.body", name)
		v.Button = wording.T(l, "email.manage")
		v.Note = wording.T(l, "email.manage.note")
	default:
		return Content{}, fmt.Errorf("unknown subscription email %q", event)
	}
	h, err := render(subscriptionHTML(v))
	if err != nil {
		return Content{}, err
	}
	text := fmt.Sprintf("%s\n\n%s\n\n%s:\n%s\n\n%s\n", v.Title, v.Body, v.Button, link, v.Note)
	return Content{Subject: v.Title, Text: text, HTML: h}, nil
}

func render(c templ.Component) (string, error) {
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		return "", fmt.Errorf("render email: %w", err)
	}
	return b.String(), nil
}

// Domain is the domain of a From address, for Message-IDs; "localhost" when it has none.
func Domain(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.Address
	}
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		return strings.Trim(from[i+1:], "<> ")
	}
	return "localhost"
}

// ThreadRoot is the Message-ID every email of a thread ("incident-<id>") refers to, so
// mail clients put them in one conversation even though no email has it as its own id.
func ThreadRoot(thread, domain string) string {
	return "<" + sanitizeID(thread) + "@" + domain + ">"
}

// MessageID is the id of the email of job jobID to subscriber subscriberID: the same on a
// retry, so a server or client that saw it already may drop the copy.
func MessageID(jobID int64, subscriberID, domain string) string {
	return fmt.Sprintf("<candor.%d.%s@%s>", jobID, sanitizeID(subscriberID), domain)
}

// sanitizeID keeps what a Message-ID's left part may hold (dot-atom text).
func sanitizeID(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".-_+=", r):
			return r
		}
		return '_'
	}, s)
}

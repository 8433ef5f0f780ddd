package email_test

import (
	"context"
	"errors"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/notifier/email/smtptest"
	"github.com/candorstatus/candor/status"
)

var seoul = time.FixedZone("KST", 9*3600)

var now = time.Date(2026, 11, 22, 18, 5, 0, 0, seoul)

func event(k notifier.Kind) notifier.Event {
	return notifier.Event{
		Kind: k, PageName: lang.Text{EN: "Candor Status", KO: "캔더 상태"}, PublicURL: "https://status.example.com",
		Location: seoul, Now: now, IncidentID: "inc-42", Title: lang.Text{EN: "Messages not delivered", KO: "메시지 전송 장애"},
		Status: "investigating", Impact: "major", Message: lang.Text{EN: "Some messages are not delivered.\nWe are on it.", KO: "일부 메시지가 전송되지 않습니다."},
		Components: []lang.Text{lang.Same("Messages")},
		ETA:        &status.Estimate{P50: now.Add(35 * time.Minute), P90: now.Add(85 * time.Minute), Samples: 23, Pool: "components+impact"},
	}
}

func TestBuildUpdateSaysWhatThePushSays(t *testing.T) {
	for _, tc := range []struct {
		lang, subject string
		want          []string
	}{
		{"en", "[Candor Status] Major outage: Messages not delivered", []string{"Some messages are not delivered.\nWe are on it.",
			"Half of similar incidents were back by 18:40, 9 in 10 by 19:30 KST", "Affected: Messages",
			"https://status.example.com/incidents/inc-42?lang=en"}},
		{"ko", "[캔더 상태] 장애 발생: 메시지 전송 장애", []string{"일부 메시지가 전송되지 않습니다.",
			"비슷한 장애 절반은 18:40, 10건 중 9건은 19:30 KST까지 복구", "영향 범위: Messages", "?lang=ko"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			c, err := email.BuildUpdate(event(notifier.KindCreated), tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", c.Subject, tc.subject)
			}
			push := notifier.Build(event(notifier.KindCreated), tc.lang)
			etaLine := push.Body[strings.LastIndex(push.Body, "\n")+1:]
			for _, w := range append(tc.want, etaLine) {
				if !strings.Contains(c.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, c.Text)
				}
			}
			for _, w := range tc.want[1:] {
				if !strings.Contains(c.HTML, w) {
					t.Errorf("HTML lacks %q", w)
				}
			}
			p := email.Personalize(c, "https://status.example.com/subscription?t=m&x=1", "https://status.example.com/unsubscribe?t=u")
			for _, part := range []string{p.Text, p.HTML} {
				if strings.Contains(part, "candor.invalid") {
					t.Errorf("a placeholder is left after Personalize:\n%s", part)
				}
			}
			if !strings.Contains(p.HTML, `href="https://status.example.com/subscription?t=m&amp;x=1"`) ||
				!strings.Contains(p.Text, "https://status.example.com/unsubscribe?t=u") {
				t.Errorf("links not filled in:\n%s\n%s", p.Text, p.HTML)
			}
			if strings.Contains(c.HTML, "<style") || strings.Contains(c.HTML, "<img") || strings.Contains(c.HTML, "<script") {
				t.Errorf("HTML needs a style sheet, images or scripts")
			}
		})
	}
}

func TestSubjectsOfEveryKind(t *testing.T) {
	for k, want := range map[notifier.Kind]string{
		notifier.KindUpdated:              "[Candor Status] Investigating: Messages not delivered",
		notifier.KindResolved:             "[Candor Status] Resolved: Messages not delivered",
		notifier.KindETAMissed:            "[Candor Status] Taking longer than announced: Messages not delivered",
		notifier.KindMaintenanceScheduled: "[Candor Status] Maintenance scheduled: Messages not delivered",
		notifier.KindMaintenanceReminder:  "[Candor Status] Maintenance starts soon: Messages not delivered",
		notifier.KindMaintenanceStarted:   "[Candor Status] Maintenance started: Messages not delivered",
		notifier.KindMaintenanceCompleted: "[Candor Status] Maintenance completed: Messages not delivered",
	} {
		c, err := email.BuildUpdate(event(k), "en")
		if err != nil {
			t.Fatal(err)
		}
		if c.Subject != want {
			t.Errorf("%s: subject %q, want %q", k, c.Subject, want)
		}
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want email.SMTPConfig
		bad  bool
	}{
		{in: "smtp://user:p%40ss@mail.example.com:587", want: email.SMTPConfig{Host: "mail.example.com", Port: 587, Username: "user", Password: "p@ss", TLS: email.STARTTLS}},
		{in: "smtp://mail.example.com", want: email.SMTPConfig{Host: "mail.example.com", Port: 587, TLS: email.STARTTLS}},
		{in: "smtps://u:p@mail.example.com", want: email.SMTPConfig{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", TLS: email.Implicit}},
		{in: "smtp://127.0.0.1:2525?tls=none", want: email.SMTPConfig{Host: "127.0.0.1", Port: 2525, TLS: email.NoTLS}},
		{in: "smtps://mail.example.com?tls=none", bad: true}, // implicit TLS cannot be turned off
		{in: "http://mail.example.com", bad: true},
		{in: "smtp://:25", bad: true},
		{in: "smtp://mail.example.com:99999", bad: true},
		{in: "smtp://mail.example.com?tls=maybe", bad: true},
	} {
		got, err := email.ParseSMTPURL(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseSMTPURL(%q) = %+v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	if _, err := email.ParseSMTPURL("smtp://u:secret@h:x"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("a bad URL's error must not echo the password: %v", err)
	}
}

func startServer(t *testing.T, cfg smtptest.Config) (*smtptest.Server, *email.SMTP) {
	t.Helper()
	srv, err := smtptest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := email.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return srv, email.NewSMTP(c, nil)
}

func TestSMTPSendsThreadedUnsubscribableMail(t *testing.T) {
	srv, sender := startServer(t, smtptest.Config{})
	ctx := context.Background()
	conn, err := sender.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := email.BuildUpdate(event(notifier.KindCreated), "ko")
	if err != nil {
		t.Fatal(err)
	}
	c = email.Personalize(c, "https://status.example.com/subscription?t=m", "https://status.example.com/unsubscribe?t=u")
	root := email.ThreadRoot("incident-inc-42", "example.com")
	// Two emails on one connection: it is reused.
	for i, to := range []string{"ada@example.com", "bob@example.com"} {
		m := email.Mail{From: "Candor Status <status@example.com>", To: to, Subject: c.Subject, Text: c.Text, HTML: c.HTML, Lang: "ko",
			MessageID: email.MessageID(int64(7+i), "sub-1", "example.com"), InReplyTo: root, References: []string{root},
			Unsubscribe: "https://status.example.com/unsubscribe?t=u"}
		if err := conn.Send(ctx, m); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server got %d messages, want 2", len(msgs))
	}
	h := msgs[0].Header
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	for name, want := range map[string]string{
		"Message-Id":            "<candor.7.sub-1@example.com>",
		"In-Reply-To":           root,
		"References":            root,
		"List-Unsubscribe":      "<https://status.example.com/unsubscribe?t=u>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"Content-Language":      "ko",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if subject != "[캔더 상태] 장애 발생: 메시지 전송 장애" {
		t.Errorf("subject = %q", subject)
	}
	if to, _ := mail.ParseAddress(h.Get("To")); to == nil || to.Address != "ada@example.com" {
		t.Errorf("To = %q", h.Get("To"))
	}
	// Both a plain-text and an HTML part.
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q", h.Get("Content-Type"))
	}
	r := multipart.NewReader(strings.NewReader(string(msgs[0].Body)), params["boundary"])
	var types []string
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		types = append(types, strings.Split(p.Header.Get("Content-Type"), ";")[0])
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v, want text/plain and text/html", types)
	}
}

func TestSMTPClassifiesRefusals(t *testing.T) {
	_, sender := startServer(t, smtptest.Config{Reject: func(rcpt string) *gosmtp.SMTPError {
		switch {
		case strings.HasPrefix(rcpt, "gone@"):
			return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		case strings.HasPrefix(rcpt, "busy@"):
			return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Try later"}
		}
		return nil
	}})
	ctx := context.Background()
	conn, err := sender.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	send := func(to string) error {
		return conn.Send(ctx, email.Mail{From: "status@example.com", To: to, Subject: "s", Text: "t", HTML: "<p>t</p>", MessageID: "<a@b>"})
	}
	err = send("gone@example.com")
	var e *email.Error
	if !errors.As(err, &e) || e.Class != email.Bounce || e.Code != 550 || e.Broken {
		t.Errorf("550 = %#v, want a bounce on a usable connection", err)
	}
	err = send("busy@example.com")
	if !errors.As(err, &e) || e.Class != email.Temporary || e.Code != 451 {
		t.Errorf("451 = %#v, want temporary", err)
	}
	// The connection still works after both refusals.
	if err := send("ok@example.com"); err != nil {
		t.Errorf("send after refusals: %v", err)
	}
	// Nothing listening: a temporary, broken connection.
	dead := email.NewSMTP(email.SMTPConfig{Host: "127.0.0.1", Port: 1, TLS: email.NoTLS}, nil)
	if _, err := dead.Open(ctx); err == nil {
		t.Error("Open of a closed port succeeded")
	} else if c, broken := email.Classify(err); c != email.Temporary || !broken {
		t.Errorf("closed port = %v (%v, %v), want temporary and broken", err, c, broken)
	}
}

func TestStartTLSIsRequiredUnlessTurnedOff(t *testing.T) {
	srv, _ := startServer(t, smtptest.Config{})
	c, _ := email.ParseSMTPURL(strings.TrimSuffix(srv.URL(), "?tls=none"))
	if _, err := email.NewSMTP(c, nil).Open(context.Background()); err == nil {
		t.Fatal("a server without STARTTLS was accepted; STARTTLS must be required")
	}
}

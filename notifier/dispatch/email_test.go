package dispatch_test

import (
	"context"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/dispatch"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/notifier/email/smtptest"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

var staff = status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}

// mailEnv is a Service on SQLite that plans emails, an SMTP server and an email dispatcher.
type mailEnv struct {
	t     *testing.T
	ctx   context.Context
	store status.Store
	svc   *status.Service
	clock *status.ManualClock
	srv   *smtptest.Server
	d     *dispatch.EmailDispatcher
}

func newMailEnv(t *testing.T, cfg smtptest.Config) *mailEnv {
	t.Helper()
	store, err := sqlite.Open(t.Context(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC))
	svc := status.NewService(store, clock, nil)
	page := lang.Text{KO: "캔더 상태", EN: "Candor Status"}
	svc.SetNotifier(&notifier.Planner{PageName: page, DefaultLang: lang.Korean, PublicURL: "https://status.example.com",
		Location: time.UTC, Email: email.Planner{}})
	srv, err := smtptest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	sc, err := email.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	d := dispatch.NewEmail(dispatch.EmailConfig{Sender: email.NewSMTP(sc, nil), Store: store, Clock: clock,
		From: "Candor Status <status@example.com>", PublicURL: "https://status.example.com", PageName: page,
		DefaultLang: lang.Korean, Connections: 3, Page: 2, Poll: time.Second})
	en := &mailEnv{t: t, ctx: context.Background(), store: store, svc: svc, clock: clock, srv: srv, d: d}
	for _, id := range []string{"messages", "login"} {
		if _, err := svc.CreateComponent(en.ctx, staff, status.ComponentInput{ID: id, Name: lang.Same(id)}); err != nil {
			t.Fatal(err)
		}
	}
	return en
}

func (en *mailEnv) add(addr, l string, comps ...string) *status.Subscriber {
	en.t.Helper()
	s, err := en.svc.AddSubscriber(en.ctx, staff, status.SubscribeInput{Email: addr, Lang: l, Components: comps})
	if err != nil {
		en.t.Fatal(err)
	}
	return s
}

func (en *mailEnv) drain() {
	en.t.Helper()
	if _, err := en.d.Drain(en.ctx); err != nil {
		en.t.Fatal(err)
	}
}

func (en *mailEnv) open(title string, notify bool) *status.Incident {
	en.t.Helper()
	inc, err := en.svc.CreateIncident(en.ctx, staff, status.IncidentInput{Title: lang.Same(title), Message: lang.Same("Looking."), Impact: status.ImpactMajor,
		Components: map[string]status.ComponentStatus{"messages": status.MajorOutage}, Notify: notify})
	if err != nil {
		en.t.Fatal(err)
	}
	return inc
}

func (en *mailEnv) emailJobs() []status.OutboxJob {
	en.t.Helper()
	var out []status.OutboxJob
	if err := en.store.Read(en.ctx, func(tx status.Tx) error {
		jobs, err := tx.Jobs(status.JobFilter{})
		for _, j := range jobs {
			if j.Kind == status.JobEmail {
				out = append(out, j)
			}
		}
		return err
	}); err != nil {
		en.t.Fatal(err)
	}
	return out
}

func subject(m smtptest.Message) string {
	s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	return s
}

func TestEmailReachesAffectedSubscribersInTheirLanguage(t *testing.T) {
	en := newMailEnv(t, smtptest.Config{})
	en.add("ada@example.com", "en", "messages")
	en.add("bo@example.com", "ko") // everything
	en.add("cy@example.com", "en", "login")
	en.add("di@example.com", "ko", "messages", "login")
	if _, err := en.svc.SubscribeEmail(en.ctx, status.SubscribeInput{Email: "eve@example.com", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	en.drain() // the confirmation to eve
	en.srv.Reset()

	inc := en.open("Messages not delivered", true)
	en.drain()
	msgs, err := en.srv.WaitFor(3, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := en.srv.Recipients()
	if len(got) != 3 || got["ada@example.com"] != 1 || got["bo@example.com"] != 1 || got["di@example.com"] != 1 {
		t.Fatalf("recipients = %v; want ada, bo and di once each (not cy: login only; not eve: unconfirmed)", got)
	}
	ada, _ := smtptest.Find(msgs, "ada@example.com")
	bo, _ := smtptest.Find(msgs, "bo@example.com")
	if s := subject(ada); s != "[Candor Status] Major outage: Messages not delivered" {
		t.Errorf("English subject = %q", s)
	}
	if txt := ada.Part("text/plain"); !strings.Contains(txt, "Looking.") || !strings.Contains(txt, "https://status.example.com/incidents/"+inc.ID+"?lang=en") {
		t.Errorf("English text lacks the update or its link:\n%s", txt)
	}
	if h := ada.Part("text/html"); !strings.Contains(h, "Looking.") {
		t.Errorf("English HTML lacks the update:\n%s", h)
	}
	if txt := bo.Part("text/plain"); !strings.Contains(txt, "?lang=ko") || !strings.Contains(txt, "상태 페이지에서 최신 소식 보기") {
		t.Errorf("Korean text is not in Korean:\n%s", txt)
	}
	if s := subject(bo); s != "[캔더 상태] 장애 발생: Messages not delivered" {
		t.Errorf("Korean subject = %q", s)
	}
	root := "<incident-" + inc.ID + "@example.com>"
	if ada.Header.Get("References") != root || ada.Header.Get("In-Reply-To") != root {
		t.Errorf("thread headers: References %q, In-Reply-To %q; want %q", ada.Header.Get("References"), ada.Header.Get("In-Reply-To"), root)
	}
	if u := ada.Header.Get("List-Unsubscribe"); !strings.HasPrefix(u, "<https://status.example.com/unsubscribe?") {
		t.Errorf("List-Unsubscribe = %q", u)
	}
	jobs := en.emailJobs()
	if last := jobs[len(jobs)-1]; last.Status != status.JobSent || last.Sent != 3 {
		t.Errorf("email job = %s, sent %d; want sent, 3", last.Status, last.Sent)
	}

	// An update posted with notify=false emails nobody; the next one emails the same three.
	if _, err := en.svc.PostUpdate(en.ctx, staff, inc.ID, status.UpdateInput{Status: status.Identified, Message: lang.Same("Found it.")}); err != nil {
		t.Fatal(err)
	}
	en.drain()
	if n := en.srv.Count(); n != 3 {
		t.Fatalf("a notify=false update sent email: %d messages", n)
	}
	if _, err := en.svc.PostUpdate(en.ctx, staff, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed."), Notify: true}); err != nil {
		t.Fatal(err)
	}
	en.drain()
	en.drain() // nothing left: a second pass sends nothing again
	if n := en.srv.Count(); n != 6 {
		t.Fatalf("after the resolution: %d messages, want 6", n)
	}
	if s := subject(en.srv.Messages()[5]); !strings.Contains(s, "Resolved") && !strings.Contains(s, "복구 완료") {
		t.Errorf("resolution subject = %q", s)
	}
}

func TestNewerUpdateSupersedesQueuedEmail(t *testing.T) {
	en := newMailEnv(t, smtptest.Config{})
	en.add("ada@example.com", "en")
	inc := en.open("Slow", true)
	if _, err := en.svc.PostUpdate(en.ctx, staff, inc.ID, status.UpdateInput{Status: status.Identified, Message: lang.Same("Found it."), Notify: true}); err != nil {
		t.Fatal(err)
	}
	en.drain()
	msgs := en.srv.Messages()
	if len(msgs) != 1 || !strings.Contains(subject(msgs[0]), "Identified") {
		t.Fatalf("someone offline gets the news, not history: %d messages (%v)", len(msgs), msgs)
	}
	jobs := en.emailJobs()
	if len(jobs) != 2 || jobs[0].Status != status.JobSuperseded || jobs[1].Status != status.JobSent {
		t.Errorf("jobs = %v %v", jobs[0].Status, jobs[1].Status)
	}
}

func TestBouncesStopMailAfterThree(t *testing.T) {
	en := newMailEnv(t, smtptest.Config{Reject: func(rcpt string) *gosmtp.SMTPError {
		if strings.HasPrefix(rcpt, "gone@") {
			return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}
		return nil
	}})
	en.add("gone@example.com", "en")
	en.add("ada@example.com", "en")
	for i := range 4 {
		en.open("Incident", true)
		en.drain()
		var s *status.Subscriber
		en.store.Read(en.ctx, func(tx status.Tx) error {
			var err error
			s, err = tx.SubscriberByEmail("gone@example.com")
			return err
		})
		if want := min(i+1, status.MaxBounces); s.Bounces != want {
			t.Fatalf("after incident %d: %d bounces, want %d", i+1, s.Bounces, want)
		}
	}
	if got := en.srv.Recipients(); got["ada@example.com"] != 4 {
		t.Errorf("the good address got %d emails, want 4", got["ada@example.com"])
	}
	if st := en.d.Stats(); st.Bounced != 3 {
		t.Errorf("bounced %d, want 3: mail stops after the third", st.Bounced)
	}
	bouncing, err := en.svc.Subscribers(en.ctx, status.SubscriberFilter{Limit: 10, Bouncing: true})
	if err != nil || len(bouncing) != 1 || !bouncing[0].Stopped() {
		t.Errorf("bouncing subscribers = %v, %v", bouncing, err)
	}
}

func TestTemporaryFailureRetriesOnlyThatRecipient(t *testing.T) {
	busy := true
	en := newMailEnv(t, smtptest.Config{Reject: func(rcpt string) *gosmtp.SMTPError {
		if busy && strings.HasPrefix(rcpt, "busy@") {
			return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Try later"}
		}
		return nil
	}})
	en.add("busy@example.com", "en")
	en.add("ada@example.com", "en")
	en.add("bo@example.com", "ko")
	en.open("Incident", true)
	en.drain()
	jobs := en.emailJobs()
	j := jobs[len(jobs)-1]
	if j.Status != status.JobPending || j.Attempts != 1 || !j.NextAttemptAt.After(en.clock.Now()) || !strings.Contains(j.LastError, "451") {
		t.Fatalf("after a 451: job %s, attempts %d, next %s, last error %q; want a retry later", j.Status, j.Attempts, j.NextAttemptAt, j.LastError)
	}
	busy = false
	en.clock.Advance(time.Hour)
	en.drain()
	got := en.srv.Recipients()
	if got["busy@example.com"] != 1 || got["ada@example.com"] != 1 || got["bo@example.com"] != 1 {
		t.Errorf("recipients = %v; want each exactly once", got)
	}
	if j := en.emailJobs()[len(jobs)-1]; j.Status != status.JobSent || j.Sent != 3 {
		t.Errorf("job %s sent %d", j.Status, j.Sent)
	}
}

var linkToken = regexp.MustCompile(`https://status\.example\.com/subscribe/confirm\?lang=en&token=([A-Za-z0-9_-]+)`)

func TestConfirmationEmailConfirms(t *testing.T) {
	en := newMailEnv(t, smtptest.Config{})
	if _, err := en.svc.SubscribeEmail(en.ctx, status.SubscribeInput{Email: "eve@example.com", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	en.drain()
	msgs := en.srv.Messages()
	if len(msgs) != 1 || subject(msgs[0]) != "Confirm your subscription to Candor Status" {
		t.Fatalf("messages = %d (%v)", len(msgs), msgs)
	}
	if msgs[0].Header.Get("List-Unsubscribe") != "" {
		t.Error("a confirmation is not a list email")
	}
	m := linkToken.FindStringSubmatch(msgs[0].Part("text/plain"))
	if m == nil {
		t.Fatalf("no confirmation link in:\n%s", msgs[0].Part("text/plain"))
	}
	tok, _ := url.QueryUnescape(m[1])
	if _, err := en.svc.ConfirmSubscription(en.ctx, tok); err != nil {
		t.Fatalf("confirm with the emailed link: %v", err)
	}
	en.open("Incident", true)
	en.drain()
	if got := en.srv.Recipients(); got["eve@example.com"] != 2 {
		t.Errorf("eve got %d emails, want the confirmation and the incident", got["eve@example.com"])
	}
}

func TestMaintenanceEmailsOnlyItsServices(t *testing.T) {
	en := newMailEnv(t, smtptest.Config{})
	en.add("ada@example.com", "en", "login")
	en.add("bo@example.com", "en", "messages")
	now := en.clock.Now()
	m, err := en.svc.ScheduleMaintenance(en.ctx, staff, status.MaintenanceInput{Title: lang.Same("Database upgrade"), Message: lang.Same("Upgrade."),
		Components: []string{"login"}, ScheduledFor: now.Add(2 * time.Hour), ScheduledUntil: now.Add(3 * time.Hour), Notify: true, RemindBefore: []time.Duration{}})
	if err != nil {
		t.Fatal(err)
	}
	en.drain()
	msgs := en.srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ada@example.com" || msgs[0].Subject() != "[Candor Status] Maintenance scheduled: Database upgrade" {
		t.Fatalf("messages = %d; want one to ada (login only): %v", len(msgs), msgs)
	}
	if r := msgs[0].Header.Get("References"); r != "<maintenance-"+m.ID+"@example.com>" {
		t.Errorf("References = %q", r)
	}
	if txt := msgs[0].Part("text/plain"); !strings.Contains(txt, "Scheduled 08:00 – 09:00") {
		t.Errorf("the window is not in the email:\n%s", txt)
	}
}

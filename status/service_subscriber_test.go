package status_test

import (
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// link makes a link token of purpose for the subscriber with address email, as the email
// dispatcher does when it sends a mail, and returns the token.
func (en *env) link(email string, purpose status.TokenPurpose, ttl time.Duration) string {
	en.t.Helper()
	tok, hash := status.NewLinkToken()
	if err := en.store.Write(en.ctx, func(tx status.Tx) error {
		sub, err := tx.SubscriberByEmail(email)
		if err != nil {
			return err
		}
		now := en.clock.Now()
		return tx.PutSubscriberTokens([]status.SubscriberToken{{Hash: hash, SubscriberID: sub.ID, Purpose: purpose, CreatedAt: now, ExpiresAt: now.Add(ttl)}})
	}); err != nil {
		en.t.Fatal(err)
	}
	return tok
}

func (en *env) subscriber(email string) *status.Subscriber {
	en.t.Helper()
	var sub *status.Subscriber
	if err := en.store.Read(en.ctx, func(tx status.Tx) error {
		var err error
		sub, err = tx.SubscriberByEmail(email)
		return err
	}); err != nil {
		en.t.Fatalf("subscriber %s: %v", email, err)
	}
	return sub
}

func emailJobs(jobs []status.OutboxJob) []string {
	var out []string
	for _, j := range jobs {
		if j.Kind == status.JobEmail {
			out = append(out, j.Event)
		}
	}
	return out
}

func TestSubscribeEmailDoubleOptIn(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")

	sent, err := en.svc.SubscribeEmail(en.ctx, status.SubscribeInput{Email: " Ada@Example.COM ", Lang: "en", Components: []string{"api"}})
	if err != nil || !sent {
		t.Fatalf("SubscribeEmail = %v, %v; want a confirmation queued", sent, err)
	}
	sub := en.subscriber("ada@example.com")
	if sub.Confirmed() || sub.Lang != "en" || !slices.Equal(sub.Components, []string{"api"}) {
		t.Fatalf("new subscriber = %+v", sub)
	}
	if got := emailJobs(en.jobs()); !slices.Equal(got, []string{status.EmailEventConfirm}) {
		t.Fatalf("email jobs = %v, want one confirmation", got)
	}

	// The form cannot mail-bomb an address: one confirmation per hour, whatever is asked.
	en.clock.Advance(30 * time.Minute)
	if sent, err := en.svc.SubscribeEmail(en.ctx, status.SubscribeInput{Email: "ada@example.com", Lang: "ko"}); err != nil || sent {
		t.Fatalf("second SubscribeEmail within the hour = %v, %v; want nothing sent", sent, err)
	}
	en.clock.Advance(31 * time.Minute)
	if sent, err := en.svc.SubscribeEmail(en.ctx, status.SubscribeInput{Email: "ada@example.com", Lang: "ko"}); err != nil || !sent {
		t.Fatalf("SubscribeEmail after the hour = %v, %v; want a confirmation", sent, err)
	}
	if sub := en.subscriber("ada@example.com"); sub.Lang != "ko" || !sub.All() {
		t.Errorf("unconfirmed subscription takes the latest form: %+v", sub)
	}

	// The wrong purpose, an expired link and a made-up one do not confirm.
	manage := en.link("ada@example.com", status.TokenManage, time.Hour)
	expired := en.link("ada@example.com", status.TokenConfirm, time.Minute)
	confirm := en.link("ada@example.com", status.TokenConfirm, status.ConfirmTTL)
	en.clock.Advance(2 * time.Minute)
	for _, tok := range []string{manage, expired, "made-up", ""} {
		_, err := en.svc.ConfirmSubscription(en.ctx, tok)
		wantErr(t, err, status.ENOTFOUND, "")
	}
	got, err := en.svc.ConfirmSubscription(en.ctx, confirm)
	if err != nil || !got.Confirmed() {
		t.Fatalf("ConfirmSubscription = %+v, %v", got, err)
	}
	_, err = en.svc.ConfirmSubscription(en.ctx, confirm)
	wantErr(t, err, status.ENOTFOUND, "") // used up

	// Asking again for a confirmed address sends its preferences link and changes nothing.
	en.clock.Advance(time.Hour)
	if sent, err := en.svc.SubscribeEmail(en.ctx, status.SubscribeInput{Email: "ada@example.com", Lang: "en", Components: []string{"web"}}); err != nil || !sent {
		t.Fatalf("SubscribeEmail of a confirmed address = %v, %v", sent, err)
	}
	if sub := en.subscriber("ada@example.com"); sub.Lang != "ko" || !sub.All() || !sub.Confirmed() {
		t.Errorf("confirmed subscription changed by the form: %+v", sub)
	}
	jobs := emailJobs(en.jobs())
	if jobs[len(jobs)-1] != status.EmailEventManage {
		t.Errorf("email jobs = %v, want the last a manage email", jobs)
	}
}

func TestSubscribeEmailRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	for _, tc := range []struct {
		name  string
		in    status.SubscribeInput
		field string
	}{
		{"no address", status.SubscribeInput{Lang: "ko"}, "email"},
		{"not an address", status.SubscribeInput{Email: "ada at example", Lang: "ko"}, "email"},
		{"a display name", status.SubscribeInput{Email: "Ada <ada@example.com>", Lang: "ko"}, "email"},
		{"two addresses", status.SubscribeInput{Email: "a@example.com, b@example.com", Lang: "ko"}, "email"},
		{"header injection", status.SubscribeInput{Email: "a@example.com\r\nBcc: b@example.com", Lang: "ko"}, "email"},
		{"unknown language", status.SubscribeInput{Email: "a@example.com", Lang: "fr"}, "lang"},
		{"unknown component", status.SubscribeInput{Email: "a@example.com", Lang: "ko", Components: []string{"db"}}, "components"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			_, err := en.svc.SubscribeEmail(en.ctx, tc.in)
			en.refused(err, status.EINVALID, tc.field, before)
		})
	}
}

func TestSubscriptionPreferencesAndUnsubscribe(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	if _, err := en.svc.AddSubscriber(en.ctx, op, status.SubscribeInput{Email: "ada@example.com", Lang: "ko"}); err != nil {
		t.Fatal(err)
	}
	manage := en.link("ada@example.com", status.TokenManage, status.LinkTTL)
	unsub := en.link("ada@example.com", status.TokenUnsubscribe, status.LinkTTL)

	// An unsubscribe link cannot change preferences.
	_, err := en.svc.UpdateSubscription(en.ctx, unsub, status.SubscribeInput{Lang: "en"})
	wantErr(t, err, status.ENOTFOUND, "")
	got, err := en.svc.UpdateSubscription(en.ctx, manage, status.SubscribeInput{Lang: "en", Components: []string{"web", "web"}})
	if err != nil || got.Lang != "en" || !slices.Equal(got.Components, []string{"web"}) {
		t.Fatalf("UpdateSubscription = %+v, %v", got, err)
	}
	if err := en.svc.Unsubscribe(en.ctx, unsub); err != nil {
		t.Fatal(err)
	}
	// Gone, with its links: a second click says the link is not valid.
	wantErr(t, en.svc.Unsubscribe(en.ctx, unsub), status.ENOTFOUND, "")
	_, err = en.svc.SubscriberByLink(en.ctx, manage)
	wantErr(t, err, status.ENOTFOUND, "")
	subs, err := en.svc.Subscribers(en.ctx, status.SubscriberFilter{Limit: 10})
	if err != nil || len(subs) != 0 {
		t.Fatalf("subscribers after unsubscribe = %v, %v", subs, err)
	}
}

func TestStaffSubscribers(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api")
	sub, err := en.svc.AddSubscriber(en.ctx, op, status.SubscribeInput{Email: "Ada@example.com", Lang: "en", Components: []string{"api"}})
	if err != nil || !sub.Confirmed() || sub.AddedBy != "test" {
		t.Fatalf("AddSubscriber = %+v, %v", sub, err)
	}
	if a := en.lastAudit(); a.Action != "subscriber.add" || a.Detail != "a…@example.com" {
		t.Errorf("audit = %+v; want subscriber.add with the address redacted", a)
	}
	_, err = en.svc.AddSubscriber(en.ctx, op, status.SubscribeInput{Email: "ada@example.com", Lang: "en"})
	wantErr(t, err, status.ECONFLICT, "")

	res, err := en.svc.ImportSubscribers(en.ctx, op, []status.SubscribeInput{
		{Email: "bob@example.com", Lang: "ko"},
		{Email: "ada@example.com", Lang: "ko"},
		{Email: "nope", Lang: "ko"},
		{Email: "bob@example.com", Lang: "en"},
	})
	if err != nil || res.Added != 1 || res.Existing != 2 || res.Problems[3] == "" || len(res.Problems) != 1 {
		t.Fatalf("ImportSubscribers = %+v, %v", res, err)
	}
	counts, err := en.svc.SubscriberCounts(en.ctx)
	if err != nil || !slices.Equal(counts, []status.SubscriberCount{{ComponentID: "*", Count: 1}, {ComponentID: "api", Count: 1}}) {
		t.Errorf("SubscriberCounts = %v, %v", counts, err)
	}
	if err := en.svc.RemoveSubscriber(en.ctx, op, sub.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, en.svc.RemoveSubscriber(en.ctx, op, sub.ID), status.ENOTFOUND, "")
	if got := en.audit(); !slices.Equal(got[len(got)-3:], []string{"subscriber.add", "subscriber.import", "subscriber.remove"}) {
		t.Errorf("audit = %v", got)
	}
}

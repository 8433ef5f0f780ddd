package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func newSubscriber(id, email, lang string, confirmed bool, components ...string) *status.Subscriber {
	s := &status.Subscriber{ID: id, Email: email, Lang: lang, Components: components,
		CreatedAt: base, UpdatedAt: base.Add(time.Second)}
	if confirmed {
		s.ConfirmedAt = base.Add(time.Minute)
	}
	return s
}

func putSubscribers(t *testing.T, s status.Store, subs ...*status.Subscriber) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, sub := range subs {
			if err := tx.PutSubscriber(sub); err != nil {
				return err
			}
		}
		return nil
	})
}

func subscriberIDs(subs []status.Subscriber) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.ID
	}
	return out
}

func testSubscriberRoundTrip(t *testing.T, s status.Store) {
	full := &status.Subscriber{ID: "sub-1", Email: "ada@example.com", Lang: "ko",
		Components: []string{"messenger", "api"}, ConfirmedAt: base.Add(time.Hour), ConfirmSentAt: base,
		Bounces: 1, LastBounce: "550 5.1.1 no such user", AddedBy: "staff-ada", CreatedAt: base,
		UpdatedAt: base.Add(2 * time.Hour)}
	requireAllSet(t, full)
	putSubscribers(t, s, full)
	want := *full
	for _, tm := range []*time.Time{&want.ConfirmedAt, &want.ConfirmSentAt, &want.CreatedAt, &want.UpdatedAt} {
		*tm = stored(*tm)
	}
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Subscriber("sub-1")
		check(t, "Subscriber round trip", got, &want)
		if err != nil {
			return err
		}
		got, err = tx.SubscriberByEmail("ada@example.com")
		check(t, "SubscriberByEmail", got, &want)
		if err != nil {
			return err
		}
		_, err = tx.Subscriber("nobody")
		wantCode(t, "Subscriber unknown", err, status.ENOTFOUND)
		_, err = tx.SubscriberByEmail("nobody@example.com")
		wantCode(t, "SubscriberByEmail unknown", err, status.ENOTFOUND)
		return nil
	})

	// Replacing keeps CreatedAt and replaces the component list whole.
	repl := *full
	repl.Lang, repl.Components, repl.CreatedAt, repl.Bounces = "en", []string{"*"}, base.Add(time.Hour), 0
	putSubscribers(t, s, &repl)
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Subscriber("sub-1")
		if err != nil {
			return err
		}
		if got.Lang != "en" || !slices.Equal(got.Components, []string{"*"}) || !got.CreatedAt.Equal(stored(base)) || got.Bounces != 0 {
			t.Errorf("replaced subscriber = %+v", got)
		}
		return nil
	})

	// Another subscriber with the same address is a conflict, and the tx goes on.
	write(t, s, func(tx status.Tx) error {
		err := tx.PutSubscriber(newSubscriber("sub-2", "ada@example.com", "ko", false, "*"))
		wantCode(t, "PutSubscriber duplicate address", err, status.ECONFLICT)
		return tx.PutSubscriber(newSubscriber("sub-2", "bob@example.com", "ko", false, "*"))
	})
	write(t, s, func(tx status.Tx) error {
		for _, bad := range []*status.Subscriber{
			newSubscriber("", "c@example.com", "ko", false, "*"),
			newSubscriber("x", "Not An Address", "ko", false, "*"),
			newSubscriber("x", "C@Example.com", "ko", false, "*"),
			newSubscriber("x", "c@example.com", "fr", false, "*"),
			newSubscriber("x", "c@example.com", "ko", false),
			newSubscriber("x", "c@example.com", "ko", false, "a", "a"),
		} {
			wantCode(t, fmt.Sprintf("PutSubscriber %+v", bad), tx.PutSubscriber(bad), status.EINVALID)
		}
		return nil
	})

	write(t, s, func(tx status.Tx) error {
		if err := tx.DeleteSubscriber("sub-2"); err != nil {
			return err
		}
		wantCode(t, "DeleteSubscriber twice", tx.DeleteSubscriber("sub-2"), status.ENOTFOUND)
		return nil
	})
}

func testSubscribersPaging(t *testing.T, s status.Store) {
	var all []*status.Subscriber
	for i := range 7 {
		sub := newSubscriber(fmt.Sprintf("s%02d", i), fmt.Sprintf("p%d@example.com", i), "en", i%2 == 0, "api")
		if i == 3 {
			sub.Bounces = 2
		}
		all = append(all, sub)
	}
	all[6].Components = []string{"*"}
	putSubscribers(t, s, all...)
	var got []string
	after := ""
	for {
		var page []status.Subscriber
		read(t, s, func(tx status.Tx) error {
			var err error
			page, err = tx.Subscribers(status.SubscriberFilter{After: after, Limit: 3})
			return err
		})
		if len(page) == 0 {
			break
		}
		if len(page[0].Components) == 0 {
			t.Errorf("Subscribers page lacks components: %+v", page[0])
		}
		got = append(got, subscriberIDs(page)...)
		after = page[len(page)-1].ID
	}
	check(t, "Subscribers paged", got, []string{"s00", "s01", "s02", "s03", "s04", "s05", "s06"})
	read(t, s, func(tx status.Tx) error {
		b, err := tx.Subscribers(status.SubscriberFilter{Limit: 10, Bouncing: true})
		check(t, "bouncing subscribers", subscriberIDs(b), []string{"s03"})
		if err != nil {
			return err
		}
		_, err = tx.Subscribers(status.SubscriberFilter{})
		wantCode(t, "Subscribers without limit", err, status.EINVALID)
		counts, err := tx.SubscriberCounts()
		// Confirmed: s00, s02, s04 (api) and s06 (*).
		check(t, "SubscriberCounts", counts, []status.SubscriberCount{{ComponentID: "*", Count: 1}, {ComponentID: "api", Count: 3}})
		return err
	})
}

func testSubscriberTokens(t *testing.T, s status.Store) {
	putSubscribers(t, s, newSubscriber("sub-1", "ada@example.com", "ko", false, "*"))
	_, h1 := status.NewLinkToken()
	_, h2 := status.NewLinkToken()
	_, h3 := status.NewLinkToken()
	k1 := status.SubscriberToken{Hash: h1, SubscriberID: "sub-1", Purpose: status.TokenConfirm, CreatedAt: base, ExpiresAt: base.Add(48 * time.Hour)}
	requireAllSet(t, &k1)
	k2 := status.SubscriberToken{Hash: h2, SubscriberID: "sub-1", Purpose: status.TokenUnsubscribe, CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	write(t, s, func(tx status.Tx) error { return tx.PutSubscriberTokens([]status.SubscriberToken{k1, k2}) })
	write(t, s, func(tx status.Tx) error {
		err := tx.PutSubscriberTokens([]status.SubscriberToken{{Hash: h3, SubscriberID: "ghost", Purpose: status.TokenManage, ExpiresAt: base}})
		wantCode(t, "token of an unknown subscriber", err, status.ENOTFOUND)
		err = tx.PutSubscriberTokens([]status.SubscriberToken{{Hash: h3, SubscriberID: "sub-1", Purpose: "everything", ExpiresAt: base}})
		wantCode(t, "token with an unknown purpose", err, status.EINVALID)
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		got, err := tx.SubscriberToken(h1)
		want := k1
		want.CreatedAt, want.ExpiresAt = stored(want.CreatedAt), stored(want.ExpiresAt)
		check(t, "SubscriberToken", got, &want)
		if err != nil {
			return err
		}
		_, err = tx.SubscriberToken(h3)
		wantCode(t, "unknown token", err, status.ENOTFOUND)
		return nil
	})
	write(t, s, func(tx status.Tx) error {
		n, err := tx.DeleteSubscriberTokensExpiredBefore(base.Add(2 * time.Hour))
		if n != 1 {
			t.Errorf("DeleteSubscriberTokensExpiredBefore = %d, want 1", n)
		}
		if err != nil {
			return err
		}
		n, err = tx.DeleteSubscriberTokens("sub-1", status.TokenConfirm)
		if n != 1 {
			t.Errorf("DeleteSubscriberTokens = %d, want 1", n)
		}
		return err
	})
	// Tokens go with their subscriber.
	write(t, s, func(tx status.Tx) error {
		if err := tx.PutSubscriberTokens([]status.SubscriberToken{{Hash: h3, SubscriberID: "sub-1", Purpose: status.TokenManage, ExpiresAt: base}}); err != nil {
			return err
		}
		return tx.DeleteSubscriber("sub-1")
	})
	read(t, s, func(tx status.Tx) error {
		_, err := tx.SubscriberToken(h3)
		wantCode(t, "token of a deleted subscriber", err, status.ENOTFOUND)
		return nil
	})
}

func emailRecipients(t *testing.T, s status.Store, job int64, comps []string, after string, limit int) []string {
	t.Helper()
	var got []status.Subscriber
	read(t, s, func(tx status.Tx) error {
		var err error
		got, err = tx.EmailRecipients(job, comps, after, limit)
		return err
	})
	for _, g := range got {
		if g.Email == "" || g.Lang == "" {
			t.Errorf("recipient without address or language: %+v", g)
		}
	}
	return subscriberIDs(got)
}

func testEmailRecipients(t *testing.T, s status.Store) {
	putSubscribers(t, s,
		newSubscriber("a", "a@example.com", "ko", true, "api"),
		newSubscriber("b", "b@example.com", "en", true, "*"),
		newSubscriber("c", "c@example.com", "ko", false, "*"), // unconfirmed
		newSubscriber("d", "d@example.com", "en", true, "web"),
		newSubscriber("e", "e@example.com", "en", true, "api", "web"),
	)
	stopped := newSubscriber("f", "f@example.com", "ko", true, "*")
	stopped.Bounces = status.MaxBounces
	putSubscribers(t, s, stopped)
	jobs := []status.OutboxJob{newJob(status.JobEmail, "inc-1", "u1", base), newJob(status.JobEmail, "inc-1", "u2", base)}
	insertJobs(t, s, jobs)
	j1, j2 := jobs[0].ID, jobs[1].ID

	check(t, "recipients of api", emailRecipients(t, s, j1, []string{"api"}, "", 10), []string{"a", "b", "e"})
	check(t, "recipients of web, api", emailRecipients(t, s, j1, []string{"web", "api"}, "", 10), []string{"a", "b", "d", "e"})
	check(t, "recipients of nothing listed", emailRecipients(t, s, j1, nil, "", 10), []string{"b"})
	check(t, "a page", emailRecipients(t, s, j1, []string{"web", "api"}, "a", 2), []string{"b", "d"})

	at := base.Add(time.Hour)
	write(t, s, func(tx status.Tx) error {
		return tx.RecordEmailDeliveries([]status.EmailDelivery{
			{JobID: j1, SubscriberID: "a", Status: status.DeliverySent, At: at},
			{JobID: j1, SubscriberID: "e", Status: status.DeliveryBounced, Error: "550 no such user", At: at},
			{JobID: j1, SubscriberID: "gone", Status: status.DeliverySent, At: at}, // deleted since: skipped
		})
	})
	// Recording again changes nothing: the bounce is not counted twice.
	write(t, s, func(tx status.Tx) error {
		return tx.RecordEmailDeliveries([]status.EmailDelivery{
			{JobID: j1, SubscriberID: "e", Status: status.DeliveryBounced, Error: "550 no such user", At: at},
		})
	})
	check(t, "recipients after deliveries", emailRecipients(t, s, j1, []string{"web", "api"}, "", 10), []string{"b", "d"})
	check(t, "another job's recipients", emailRecipients(t, s, j2, []string{"web", "api"}, "", 10), []string{"a", "b", "d", "e"})
	read(t, s, func(tx status.Tx) error {
		e, err := tx.Subscriber("e")
		if err != nil {
			return err
		}
		if e.Bounces != 1 || e.LastBounce != "550 no such user" {
			t.Errorf("after one bounce: bounces %d, last %q", e.Bounces, e.LastBounce)
		}
		ds, err := tx.EmailDeliveries(j1)
		check(t, "EmailDeliveries", ds, []status.EmailDelivery{
			{JobID: j1, SubscriberID: "a", Status: status.DeliverySent, At: stored(at)},
			{JobID: j1, SubscriberID: "e", Status: status.DeliveryBounced, Error: "550 no such user", At: stored(at)},
		})
		if err != nil {
			return err
		}
		_, err = tx.EmailRecipients(j1, nil, "", 0)
		wantCode(t, "EmailRecipients without limit", err, status.EINVALID)
		return nil
	})
	write(t, s, func(tx status.Tx) error {
		err := tx.RecordEmailDeliveries([]status.EmailDelivery{{JobID: j1, SubscriberID: "a"}})
		wantCode(t, "delivery without status", err, status.EINVALID)
		return nil
	})
}

func testClaimEmailJobs(t *testing.T, s status.Store) {
	js := []status.OutboxJob{newJob(status.JobPush, "inc-1", "u1", base), newJob(status.JobEmail, "inc-1", "u1", base),
		newJob(status.JobPush, "inc-2", "u1", base)}
	insertJobs(t, s, js)
	now := base.Add(time.Minute)
	check(t, "ClaimJobs leaves email jobs", jobIDs(claim(t, s, now, "push", time.Minute, 10)), []int64{js[0].ID, js[2].ID})
	var got []status.OutboxJob
	write(t, s, func(tx status.Tx) error {
		var err error
		got, err = tx.ClaimJobsOfKind(status.JobEmail, now, "mail", time.Minute, 10)
		return err
	})
	check(t, "ClaimJobsOfKind email", jobIDs(got), []int64{js[1].ID})
	write(t, s, func(tx status.Tx) error {
		_, err := tx.ClaimJobsOfKind("", now, "mail", time.Minute, 10)
		wantCode(t, "ClaimJobsOfKind without kind", err, status.EINVALID)
		return nil
	})
	// A newer update supersedes the incident's pending email job, as it does pushes.
	write(t, s, func(tx status.Tx) error {
		n, err := tx.SupersedeJobs("inc-1", "u2", now)
		if n != 2 {
			t.Errorf("SupersedeJobs = %d, want 2 (a push and an email)", n)
		}
		return err
	})
}

func testDeleteUnconfirmedSubscribers(t *testing.T, s status.Store) {
	now := base.Add(72 * time.Hour)
	cut := now.Add(-48 * time.Hour)
	putSubscribers(t, s,
		newSubscriber("old-expired", "a@example.com", "ko", false, "*"), // created at base, link expired: goes
		newSubscriber("old-asked-again", "b@example.com", "ko", false, "*"),
		newSubscriber("old-confirmed", "c@example.com", "ko", true, "*"))
	recent := newSubscriber("recent", "d@example.com", "ko", false, "*")
	recent.CreatedAt, recent.UpdatedAt = now.Add(-time.Hour), now.Add(-time.Hour)
	putSubscribers(t, s, recent)
	write(t, s, func(tx status.Tx) error {
		return tx.PutSubscriberTokens([]status.SubscriberToken{
			{Hash: "h-expired", SubscriberID: "old-expired", Purpose: status.TokenConfirm, CreatedAt: base, ExpiresAt: base.Add(48 * time.Hour)},
			{Hash: "h-live", SubscriberID: "old-asked-again", Purpose: status.TokenConfirm, CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(47 * time.Hour)},
		})
	})
	write(t, s, func(tx status.Tx) error {
		n, err := tx.DeleteUnconfirmedSubscribers(cut, now)
		check(t, "DeleteUnconfirmedSubscribers", n, 1)
		return err
	})
	read(t, s, func(tx status.Tx) error {
		subs, err := tx.Subscribers(status.SubscriberFilter{Limit: 10})
		check(t, "subscribers left", subscriberIDs(subs), []string{"old-asked-again", "old-confirmed", "recent"})
		_, terr := tx.SubscriberToken("h-expired")
		wantCode(t, "token of a forgotten subscriber", terr, status.ENOTFOUND)
		return err
	})
}

package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// Webhook endpoints, messages and deliveries. Beyond status/store.go, the suite pins:
// Components and Events come back in the order stored; PutWebhookEndpoint keeps CreatedAt;
// a delivery comes back with its message's Event, SubjectID and Body; durations round-trip
// to the nanosecond; deleting an endpoint deletes its deliveries.

func newWebhook(id string, created time.Time) *status.WebhookEndpoint {
	return &status.WebhookEndpoint{ID: id, URL: "https://hooks.example.com/" + id, Components: []string{status.AllComponents},
		Events: []status.WebhookEvent{status.EventIncidentCreated}, Lang: "en", Format: status.FormatStatuspage,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: created, UpdatedAt: created}
}

func putWebhooks(t *testing.T, s status.Store, es ...*status.WebhookEndpoint) {
	t.Helper()
	write(t, s, func(tx status.Tx) error {
		for _, e := range es {
			if err := tx.PutWebhookEndpoint(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func testWebhookEndpoints(t *testing.T, s status.Store) {
	full := &status.WebhookEndpoint{ID: "wh-full", URL: "https://hooks.example.com/candor?x=1", Description: "partner — 파트너",
		Components: []string{"web", "api"}, Events: []status.WebhookEvent{status.EventIncidentResolved, status.EventComponentStatus},
		Lang: "ko", Format: status.FormatSlack, Secret: status.NewWebhookSecret(), DisabledAt: base.Add(3 * time.Hour),
		DisabledReason: "failing since yesterday", FailingSince: base.Add(time.Hour), Failures: 17,
		LastSuccessAt: base.Add(30 * time.Minute), LastFailureAt: base.Add(2 * time.Hour), LastError: "HTTP 503",
		ContactEmail: "ops@example.com", Public: true, ConfirmedAt: base.Add(10 * time.Minute), ConfirmSentAt: base.Add(5 * time.Minute),
		CreatedAt: base, UpdatedAt: base.Add(4 * time.Hour)}
	requireAllSet(t, full)
	older := newWebhook("wh-older", base.Add(-time.Hour))
	putWebhooks(t, s, full, older)

	read(t, s, func(tx status.Tx) error {
		got, err := tx.WebhookEndpoint("wh-full")
		if err != nil {
			return err
		}
		check(t, "WebhookEndpoint", got, full)
		all, err := tx.WebhookEndpoints()
		if err != nil {
			return err
		}
		check(t, "WebhookEndpoints (oldest first)", all, []status.WebhookEndpoint{*older, *full})
		_, err = tx.WebhookEndpoint("nope")
		wantCode(t, "WebhookEndpoint(absent)", err, status.ENOTFOUND)
		return nil
	})

	// A replace keeps CreatedAt and clears what is zero.
	repl := *full
	repl.CreatedAt = base.Add(time.Hour)
	repl.DisabledAt, repl.DisabledReason, repl.FailingSince, repl.Failures = time.Time{}, "", time.Time{}, 0
	repl.URL, repl.Components = "http://10.0.0.5/hook", []string{"api"}
	repl.ContactEmail, repl.Public, repl.ConfirmedAt, repl.ConfirmSentAt = "", false, time.Time{}, time.Time{}
	putWebhooks(t, s, &repl)
	want := repl
	want.CreatedAt = full.CreatedAt
	read(t, s, func(tx status.Tx) error {
		got, err := tx.WebhookEndpoint("wh-full")
		check(t, "replaced endpoint", got, &want)
		return err
	})

	// A success ends the failure run and changes nothing else.
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "RecordWebhookSuccess(absent)", tx.RecordWebhookSuccess("nope", base), status.ENOTFOUND)
		failing := want
		failing.FailingSince, failing.Failures, failing.LastError = base, 3, "HTTP 500"
		if err := tx.PutWebhookEndpoint(&failing); err != nil {
			return err
		}
		if err := tx.RecordWebhookSuccess("wh-full", base.Add(5*time.Hour)); err != nil {
			return err
		}
		got, err := tx.WebhookEndpoint("wh-full")
		healed := failing
		healed.FailingSince, healed.Failures, healed.LastError, healed.LastSuccessAt = time.Time{}, 0, "", base.Add(5*time.Hour)
		check(t, "endpoint after RecordWebhookSuccess", got, &healed)
		return err
	})

	// Invalid endpoints are refused and write nothing; the transaction goes on.
	write(t, s, func(tx status.Tx) error {
		for name, mut := range map[string]func(e *status.WebhookEndpoint){
			"no id":       func(e *status.WebhookEndpoint) { e.ID = "" },
			"ftp url":     func(e *status.WebhookEndpoint) { e.URL = "ftp://example.com/x" },
			"credentials": func(e *status.WebhookEndpoint) { e.URL = "https://u:p@example.com/x" },
			"no events":   func(e *status.WebhookEndpoint) { e.Events = nil },
			"bad event":   func(e *status.WebhookEndpoint) { e.Events = []status.WebhookEvent{"incident.deleted"} },
			"bad format":  func(e *status.WebhookEndpoint) { e.Format = "teams" },
			"bad lang":    func(e *status.WebhookEndpoint) { e.Lang = "fr" },
			"bad secret":  func(e *status.WebhookEndpoint) { e.Secret = "hunter2" },
		} {
			e := newWebhook("wh-bad", base)
			mut(e)
			wantCode(t, "PutWebhookEndpoint("+name+")", tx.PutWebhookEndpoint(e), status.EINVALID)
		}
		_, err := tx.WebhookEndpoint("wh-bad")
		wantCode(t, "refused endpoint", err, status.ENOTFOUND)
		wantCode(t, "DeleteWebhookEndpoint(absent)", tx.DeleteWebhookEndpoint("nope"), status.ENOTFOUND)
		return nil
	})
}

// queueWebhook inserts one message and a pending delivery of it for each endpoint, due at next.
func queueWebhook(t *testing.T, s status.Store, msgID string, next time.Time, endpoints ...string) []status.WebhookDelivery {
	t.Helper()
	var ds []status.WebhookDelivery
	write(t, s, func(tx status.Tx) error {
		m := &status.WebhookMessage{ID: msgID, Event: status.EventIncidentUpdated, SubjectID: "inc-" + msgID,
			Format: status.FormatStatuspage, Lang: "en", Body: []byte(`{"id":"` + msgID + `"}`), CreatedAt: base}
		if err := tx.InsertWebhookMessage(m); err != nil {
			return err
		}
		for _, e := range endpoints {
			ds = append(ds, status.WebhookDelivery{EndpointID: e, MessageID: msgID, Status: status.JobPending,
				NextAttemptAt: next, CreatedAt: base, UpdatedAt: base})
		}
		return tx.InsertWebhookDeliveries(ds)
	})
	for i := range ds {
		ds[i].Event, ds[i].SubjectID, ds[i].Body = status.EventIncidentUpdated, "inc-"+msgID, []byte(`{"id":"`+msgID+`"}`)
	}
	return ds
}

func claimWebhooks(t *testing.T, s status.Store, now time.Time, owner string, limit int) []status.WebhookDelivery {
	t.Helper()
	var out []status.WebhookDelivery
	write(t, s, func(tx status.Tx) error {
		var err error
		out, err = tx.ClaimWebhookDeliveries(now, owner, time.Minute, limit)
		return err
	})
	return out
}

func deliveryIDs(ds []status.WebhookDelivery) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func testWebhookDeliveries(t *testing.T, s status.Store) {
	putWebhooks(t, s, newWebhook("a", base), newWebhook("b", base.Add(time.Second)), newWebhook("off", base.Add(2*time.Second)))
	now := base.Add(time.Hour)
	m1 := queueWebhook(t, s, "msg_1", now.Add(-time.Minute), "a", "b", "off")
	m2 := queueWebhook(t, s, "msg_2", now.Add(-2*time.Minute), "a", "b")
	if !(m1[0].ID < m1[1].ID && m1[2].ID < m2[0].ID) {
		t.Fatalf("ids do not grow with insertion: %v %v", deliveryIDs(m1), deliveryIDs(m2))
	}
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "InsertWebhookMessage(taken id)", tx.InsertWebhookMessage(&status.WebhookMessage{ID: "msg_1",
			Event: status.EventTest, Body: []byte("{}")}), status.ECONFLICT)
		wantCode(t, "InsertWebhookDeliveries(unknown endpoint)", tx.InsertWebhookDeliveries([]status.WebhookDelivery{{
			EndpointID: "ghost", MessageID: "msg_1", Status: status.JobPending, NextAttemptAt: now}}), status.ENOTFOUND)
		wantCode(t, "InsertWebhookDeliveries(no message)", tx.InsertWebhookDeliveries([]status.WebhookDelivery{{
			EndpointID: "a", Status: status.JobPending, NextAttemptAt: now}}), status.EINVALID)
		off := newWebhook("off", base.Add(2*time.Second))
		off.DisabledAt = base
		return tx.PutWebhookEndpoint(off)
	})

	// Only each enabled endpoint's oldest pending delivery is claimable, even though the
	// newer ones are due earlier.
	got := claimWebhooks(t, s, now, "d1", 10)
	check(t, "first claim", deliveryIDs(got), []int64{m1[0].ID, m1[1].ID})
	check(t, "claimed delivery carries its message", got[0].Body, m1[0].Body)
	check(t, "claimed delivery event", got[0].Event, status.EventIncidentUpdated)
	// While the heads are leased, nothing of those endpoints is claimable.
	check(t, "claim while leased", deliveryIDs(claimWebhooks(t, s, now, "d2", 10)), []int64{})

	// A retry later keeps the head: the newer delivery still waits.
	retry := got[0]
	retry.Attempts, retry.NextAttemptAt, retry.LastError, retry.LastStatus, retry.LastLatency = 1, now.Add(time.Hour), "HTTP 503", 503, 1234567*time.Nanosecond
	retry.LeaseOwner, retry.LeaseUntil, retry.UpdatedAt = "", time.Time{}, now
	sent := got[1]
	sent.Status, sent.Attempts, sent.LastStatus, sent.DoneAt, sent.UpdatedAt = status.JobSent, 1, 204, now, now
	sent.LeaseOwner, sent.LeaseUntil = "", time.Time{}
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "SaveWebhookDelivery(not the owner)", tx.SaveWebhookDelivery(&retry, "d2"), status.ECONFLICT)
		if err := tx.SaveWebhookDelivery(&retry, "d1"); err != nil {
			return err
		}
		return tx.SaveWebhookDelivery(&sent, "d1")
	})
	check(t, "claim after a retry and a success", deliveryIDs(claimWebhooks(t, s, now.Add(2*time.Minute), "d3", 10)), []int64{m2[1].ID})
	write(t, s, func(tx status.Tx) error {
		at, ok, err := tx.NextWebhookDue()
		check(t, "NextWebhookDue ok", ok, true)
		// The heads: a's retry at +1h, b's newer delivery leased until +3m.
		check(t, "NextWebhookDue", at, now.Add(3*time.Minute))
		return err
	})

	// The saved delivery reads back with every field.
	var list []status.WebhookDelivery
	read(t, s, func(tx status.Tx) error {
		var err error
		list, err = tx.WebhookDeliveries(status.WebhookDeliveryFilter{EndpointID: "a"})
		return err
	})
	check(t, "deliveries of a (newest first)", deliveryIDs(list), []int64{m2[0].ID, m1[0].ID})
	check(t, "saved retry", list[1], retry)

	// Disabling: FailWebhookDeliveries fails what is pending.
	write(t, s, func(tx status.Tx) error {
		n, err := tx.FailWebhookDeliveries("a", "endpoint disabled", now)
		check(t, "FailWebhookDeliveries count", n, 2)
		return err
	})
	read(t, s, func(tx status.Tx) error {
		var err error
		list, err = tx.WebhookDeliveries(status.WebhookDeliveryFilter{EndpointID: "a", Status: status.JobFailed, Limit: 1})
		check(t, "failed deliveries, limit 1", deliveryIDs(list), []int64{m2[0].ID})
		check(t, "failed reason", list[0].LastError, "endpoint disabled")
		return err
	})
	// Finished deliveries are forgotten after a while; pending ones and their messages stay.
	write(t, s, func(tx status.Tx) error {
		n, err := tx.DeleteWebhookDeliveriesBefore(now.Add(time.Second))
		check(t, "DeleteWebhookDeliveriesBefore count (a's two failed, b's sent)", n, 3)
		return err
	})
	read(t, s, func(tx status.Tx) error {
		left, err := tx.WebhookDeliveries(status.WebhookDeliveryFilter{})
		check(t, "deliveries left (pending)", deliveryIDs(left), []int64{m2[1].ID, m1[2].ID})
		return err
	})
	write(t, s, func(tx status.Tx) error {
		// msg_2 is still named by b's pending delivery: inserting it again conflicts.
		wantCode(t, "message still in use", tx.InsertWebhookMessage(&status.WebhookMessage{ID: "msg_2", Event: status.EventTest,
			Body: []byte("{}")}), status.ECONFLICT)
		return nil
	})

	// Deleting an endpoint deletes its deliveries.
	write(t, s, func(tx status.Tx) error { return tx.DeleteWebhookEndpoint("a") })
	read(t, s, func(tx status.Tx) error {
		var err error
		list, err = tx.WebhookDeliveries(status.WebhookDeliveryFilter{EndpointID: "a"})
		check(t, "deliveries of a deleted endpoint", len(list), 0)
		return err
	})
}

// newPublicWebhook is an endpoint the public subscribed at created, pending unless
// confirmed.
func newPublicWebhook(id string, created time.Time, confirmed bool) *status.WebhookEndpoint {
	e := newWebhook(id, created)
	e.Public, e.ContactEmail, e.ConfirmSentAt = true, id+"@example.com", created
	if confirmed {
		e.ConfirmedAt = created.Add(time.Minute)
	} else {
		e.DisabledAt, e.DisabledReason = created, status.PendingReason
	}
	return e
}

func testWebhookTokens(t *testing.T, s status.Store) {
	putWebhooks(t, s, newPublicWebhook("wh-1", base, false))
	write(t, s, func(tx status.Tx) error {
		// A pending public endpoint cannot be stored enabled, nor a public one without a contact.
		bad := newPublicWebhook("wh-bad", base, false)
		bad.DisabledAt = time.Time{}
		wantCode(t, "pending endpoint enabled", tx.PutWebhookEndpoint(bad), status.EINVALID)
		bad = newPublicWebhook("wh-bad", base, true)
		bad.ContactEmail = ""
		wantCode(t, "public endpoint without a contact", tx.PutWebhookEndpoint(bad), status.EINVALID)
		bad.ContactEmail = "Ops@Example.com"
		wantCode(t, "contact not normalised", tx.PutWebhookEndpoint(bad), status.EINVALID)
		return nil
	})
	_, h1 := status.NewLinkToken()
	_, h2 := status.NewLinkToken()
	_, h3 := status.NewLinkToken()
	k1 := status.WebhookToken{Hash: h1, EndpointID: "wh-1", CreatedAt: base, ExpiresAt: base.Add(48 * time.Hour)}
	requireAllSet(t, &k1)
	k2 := status.WebhookToken{Hash: h2, EndpointID: "wh-1", CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	write(t, s, func(tx status.Tx) error {
		if err := tx.PutWebhookToken(&k1); err != nil {
			return err
		}
		return tx.PutWebhookToken(&k2)
	})
	write(t, s, func(tx status.Tx) error {
		wantCode(t, "token of an unknown endpoint", tx.PutWebhookToken(&status.WebhookToken{Hash: h3, EndpointID: "ghost", ExpiresAt: base}), status.ENOTFOUND)
		wantCode(t, "token without an expiry", tx.PutWebhookToken(&status.WebhookToken{Hash: h3, EndpointID: "wh-1"}), status.EINVALID)
		wantCode(t, "token hash taken", tx.PutWebhookToken(&status.WebhookToken{Hash: h1, EndpointID: "wh-1", ExpiresAt: base}), status.ECONFLICT)
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		got, err := tx.WebhookToken(h1)
		want := k1
		want.CreatedAt, want.ExpiresAt = stored(want.CreatedAt), stored(want.ExpiresAt)
		check(t, "WebhookToken", got, &want)
		if err != nil {
			return err
		}
		_, err = tx.WebhookToken(h3)
		wantCode(t, "unknown token", err, status.ENOTFOUND)
		return nil
	})
	write(t, s, func(tx status.Tx) error {
		n, err := tx.DeleteWebhookTokensExpiredBefore(base.Add(2 * time.Hour))
		check(t, "DeleteWebhookTokensExpiredBefore", n, 1)
		if err != nil {
			return err
		}
		n, err = tx.DeleteWebhookTokens("wh-1")
		check(t, "DeleteWebhookTokens", n, 1)
		return err
	})
	// Tokens go with their endpoint.
	write(t, s, func(tx status.Tx) error {
		if err := tx.PutWebhookToken(&status.WebhookToken{Hash: h3, EndpointID: "wh-1", ExpiresAt: base}); err != nil {
			return err
		}
		return tx.DeleteWebhookEndpoint("wh-1")
	})
	read(t, s, func(tx status.Tx) error {
		_, err := tx.WebhookToken(h3)
		wantCode(t, "token of a deleted endpoint", err, status.ENOTFOUND)
		return nil
	})
}

func testDeleteUnconfirmedWebhooks(t *testing.T, s status.Store) {
	now := base.Add(72 * time.Hour)
	cut := now.Add(-48 * time.Hour)
	recent := newPublicWebhook("recent", now.Add(-time.Hour), false)
	staffDisabled := newWebhook("staff-disabled", base) // staff endpoints are never swept, enabled or not
	staffDisabled.DisabledAt, staffDisabled.DisabledReason = base, "disabled by staff"
	putWebhooks(t, s,
		newPublicWebhook("old-expired", base, false), // link expired: goes, with its token and deliveries
		newPublicWebhook("old-asked-again", base, false),
		newPublicWebhook("old-confirmed", base, true),
		recent, staffDisabled, newWebhook("staff", base))
	write(t, s, func(tx status.Tx) error {
		for _, k := range []status.WebhookToken{
			{Hash: "h-expired", EndpointID: "old-expired", CreatedAt: base, ExpiresAt: base.Add(48 * time.Hour)},
			{Hash: "h-live", EndpointID: "old-asked-again", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(47 * time.Hour)},
		} {
			if err := tx.PutWebhookToken(&k); err != nil {
				return err
			}
		}
		return nil
	})
	queueWebhook(t, s, "msg-swept", base, "old-expired", "old-confirmed")
	write(t, s, func(tx status.Tx) error {
		n, err := tx.DeleteUnconfirmedWebhooks(cut, now)
		check(t, "DeleteUnconfirmedWebhooks", n, 1)
		return err
	})
	read(t, s, func(tx status.Tx) error {
		all, err := tx.WebhookEndpoints()
		var ids []string
		for _, e := range all {
			ids = append(ids, e.ID)
		}
		slices.Sort(ids)
		check(t, "endpoints left", ids, []string{"old-asked-again", "old-confirmed", "recent", "staff", "staff-disabled"})
		_, terr := tx.WebhookToken("h-expired")
		wantCode(t, "token of a forgotten endpoint", terr, status.ENOTFOUND)
		ds, derr := tx.WebhookDeliveries(status.WebhookDeliveryFilter{})
		if len(ds) != 1 || ds[0].EndpointID != "old-confirmed" {
			t.Errorf("deliveries left: %+v, want only old-confirmed's", ds)
		}
		return errors.Join(err, derr)
	})
}

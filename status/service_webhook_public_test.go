package status_test

import (
	"slices"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func (en *env) webhooks() []status.WebhookEndpoint {
	en.t.Helper()
	var out []status.WebhookEndpoint
	if err := en.store.Read(en.ctx, func(tx status.Tx) error {
		var err error
		out, err = tx.WebhookEndpoints()
		return err
	}); err != nil {
		en.t.Fatal(err)
	}
	return out
}

// hookLink stores a confirmation token for endpoint id, as the email dispatcher does.
func (en *env) hookLink(id string, ttl time.Duration) string {
	en.t.Helper()
	tok, hash := status.NewLinkToken()
	now := en.clock.Now()
	if err := en.store.Write(en.ctx, func(tx status.Tx) error {
		return tx.PutWebhookToken(&status.WebhookToken{Hash: hash, EndpointID: id, CreatedAt: now, ExpiresAt: now.Add(ttl)})
	}); err != nil {
		en.t.Fatal(err)
	}
	return tok
}

// A public webhook waits, disabled, for its contact; the form cannot mail-bomb a contact
// nor pile up copies of one URL; confirming enables it and returns its secret; staff cannot
// enable it before.
func TestSubscribeWebhookDoubleOptIn(t *testing.T) {
	en := newEnv(t, t0)
	en.components("api", "web")
	staff := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	in := status.PublicWebhookInput{URL: " https://hooks.example.com/a ", ContactEmail: "Ops@Example.com", Lang: "en",
		Components: []string{"api"}}
	if sent, err := en.svc.SubscribeWebhook(en.ctx, in); err != nil || !sent {
		t.Fatalf("SubscribeWebhook = %v, %v", sent, err)
	}
	hooks := en.webhooks()
	if len(hooks) != 1 {
		t.Fatalf("%d endpoints", len(hooks))
	}
	h := hooks[0]
	if !h.Pending() || !h.Disabled() || h.URL != "https://hooks.example.com/a" || h.ContactEmail != "ops@example.com" ||
		h.Format != status.FormatStatuspage || !slices.Equal(h.Components, []string{"api"}) || h.Wants(status.EventIncidentCreated, []string{"api"}) {
		t.Fatalf("new public endpoint = %+v", h)
	}
	if got := emailJobs(en.jobs()); !slices.Equal(got, []string{status.EmailEventWebhookConfirm}) {
		t.Fatalf("email jobs = %v", got)
	}
	_, err := en.svc.UpdateWebhook(en.ctx, staff, h.ID, status.WebhookInput{Enabled: ptr(true)})
	wantErr(t, err, status.ECONFLICT, "")

	// Within the hour: nothing for that contact, whatever URL; another URL after it is a
	// second endpoint, the same URL is the same endpoint with the latest choices.
	en.clock.Advance(30 * time.Minute)
	other := in
	other.URL = "https://hooks.example.com/b"
	if sent, err := en.svc.SubscribeWebhook(en.ctx, other); err != nil || sent {
		t.Fatalf("a second URL within the hour = %v, %v; want nothing", sent, err)
	}
	en.clock.Advance(31 * time.Minute)
	in.Format, in.Components = status.FormatSlack, nil
	if sent, err := en.svc.SubscribeWebhook(en.ctx, in); err != nil || !sent {
		t.Fatalf("the same URL after the hour = %v, %v", sent, err)
	}
	if hooks := en.webhooks(); len(hooks) != 1 || hooks[0].Format != status.FormatSlack || hooks[0].Components[0] != status.AllComponents {
		t.Fatalf("after asking again: %+v", hooks)
	}

	expired := en.hookLink(h.ID, time.Minute)
	good := en.hookLink(h.ID, status.ConfirmTTL)
	en.clock.Advance(2 * time.Minute)
	for _, tok := range []string{expired, "made-up", ""} {
		_, err := en.svc.ConfirmWebhook(en.ctx, tok)
		wantErr(t, err, status.ENOTFOUND, "")
	}
	got, err := en.svc.ConfirmWebhook(en.ctx, good)
	if err != nil || got.Pending() || got.Disabled() || got.Secret == "" || !got.Wants(status.EventIncidentCreated, nil) {
		t.Fatalf("ConfirmWebhook = %+v, %v", got, err)
	}
	_, err = en.svc.ConfirmWebhook(en.ctx, good)
	wantErr(t, err, status.ENOTFOUND, "") // used up

	// Asked again once confirmed: the contact is mailed its removal link; nothing changes.
	en.clock.Advance(time.Hour)
	in.Format = status.FormatDiscord
	if sent, err := en.svc.SubscribeWebhook(en.ctx, in); err != nil || !sent {
		t.Fatalf("asking again once confirmed = %v, %v", sent, err)
	}
	if hooks := en.webhooks(); len(hooks) != 1 || hooks[0].Format != status.FormatSlack || hooks[0].Disabled() {
		t.Fatalf("a confirmed endpoint changed by the form: %+v", hooks)
	}
	jobs := emailJobs(en.jobs())
	if jobs[len(jobs)-1] != status.EmailEventWebhookManage {
		t.Fatalf("email jobs = %v, want the removal link last", jobs)
	}

	// Removal needs the endpoint's own token.
	wantErr(t, en.svc.RemoveWebhookByLink(en.ctx, h.ID, "wrong"), status.ENOTFOUND, "")
	if err := en.svc.RemoveWebhookByLink(en.ctx, h.ID, status.WebhookRemoveToken(got)); err != nil {
		t.Fatal(err)
	}
	if n := len(en.webhooks()); n != 0 {
		t.Fatalf("%d endpoints after removal", n)
	}
}

func ptr[T any](v T) *T { return &v }

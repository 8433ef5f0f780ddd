package status_test

import (
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func (en *env) apiKey(name string, scope status.Scope) (string, *status.APIKey) {
	en.t.Helper()
	secret, k, err := en.svc.CreateAPIKey(en.ctx, op, name, scope)
	if err != nil {
		en.t.Fatal(err)
	}
	return secret, k
}

func TestCreateAPIKeyRefusesInvalidInput(t *testing.T) {
	en := newEnv(t, t0)
	en.apiKey("deploy-bot", status.ScopeWrite)
	for _, tc := range []struct {
		name, key string
		scope     status.Scope
		code      string
		field     string
	}{
		{"no name", "", status.ScopeRead, status.EINVALID, "name"},
		{"blank name", " \t ", status.ScopeRead, status.EINVALID, "name"},
		{"name too long", long("k", 101), status.ScopeRead, status.EINVALID, "name"},
		{"name with a space", "deploy bot", status.ScopeRead, status.EINVALID, "name"},
		{"name with a tab", "deploy\tbot", status.ScopeRead, status.EINVALID, "name"},
		{"no scope", "reader", "", status.EINVALID, "scope"},
		{"unknown scope", "reader", "root", status.EINVALID, "scope"},
		{"name of an active key", "deploy-bot", status.ScopeRead, status.ECONFLICT, ""},
		{"name of an active key with spaces around", " deploy-bot ", status.ScopeAdmin, status.ECONFLICT, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := en.sub(t)
			before := en.footprint()
			secret, k, err := en.svc.CreateAPIKey(en.ctx, op, tc.key, tc.scope)
			en.refused(err, tc.code, tc.field, before)
			if secret != "" || k != nil {
				t.Errorf("refused key returned %q %v", secret, k)
			}
		})
	}
}

func TestCreateAPIKey(t *testing.T) {
	en := newEnv(t, t0)
	for _, s := range status.Scopes {
		name := " key-" + string(s) + " "
		secret, k := en.apiKey(name, s)
		if !strings.HasPrefix(secret, "cnd_") || k.Name != strings.TrimSpace(name) || k.Scope != s || !k.CreatedAt.Equal(t0) {
			t.Errorf("key %+v with secret %q", k, secret)
		}
		if k.Hash != status.HashAPIKey(secret) || strings.Contains(k.Hash, secret) || !strings.HasPrefix(secret, k.Prefix) || len(k.Prefix) != 8 {
			t.Errorf("stored hash %q prefix %q for secret %q: want only the hash and the first 8 characters", k.Hash, k.Prefix, secret)
		}
		got, err := en.svc.Authenticate(en.ctx, secret)
		if err != nil || got.ID != k.ID || got.Scope != s {
			t.Errorf("authenticate %s: %v %v", k.Name, got, err)
		}
	}
	if _, k := en.apiKey(long("k", 100), status.ScopeRead); len(k.Name) != 100 {
		t.Errorf("name of the longest length: %q", k.Name)
	}
	if a := en.lastAudit(); a.Action != "apikey.create" || a.Detail != "read" {
		t.Errorf("audit %+v", a)
	}
}

func TestRevokeAPIKey(t *testing.T) {
	en := newEnv(t, t0)
	secret, old := en.apiKey("deploy-bot", status.ScopeWrite)
	keep, _ := en.apiKey("reader", status.ScopeRead)

	before := en.footprint()
	en.refused(en.svc.RevokeAPIKey(en.ctx, op, "nobody"), status.ENOTFOUND, "", before)

	en.clock.Advance(time.Minute)
	if err := en.svc.RevokeAPIKey(en.ctx, op, "deploy-bot"); err != nil {
		t.Fatal(err)
	}
	if _, err := en.svc.Authenticate(en.ctx, secret); status.ErrorCode(err) != status.EUNAUTHORIZED {
		t.Errorf("revoked key authenticates: %v", err)
	}
	if _, err := en.svc.Authenticate(en.ctx, keep); err != nil {
		t.Errorf("revoking one key revoked another: %v", err)
	}
	if a := en.lastAudit(); a.Action != "apikey.revoke" || a.Target != "deploy-bot" {
		t.Errorf("audit %+v", a)
	}
	before = en.footprint()
	en.refused(en.svc.RevokeAPIKey(en.ctx, op, "deploy-bot"), status.ENOTFOUND, "", before)

	// The name is free again; the new key is a new key.
	fresh, k := en.apiKey("deploy-bot", status.ScopeAdmin)
	if k.ID == old.ID || fresh == secret {
		t.Errorf("reused name gave the old key back")
	}
	if _, err := en.svc.Authenticate(en.ctx, secret); status.ErrorCode(err) != status.EUNAUTHORIZED {
		t.Errorf("old key authenticates after its name was reused: %v", err)
	}
	if got, err := en.svc.Authenticate(en.ctx, fresh); err != nil || got.Scope != status.ScopeAdmin {
		t.Errorf("new key: %v %v", got, err)
	}
	keys, err := en.svc.APIKeys(en.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("%d keys, want 3 (revoked ones are listed)", len(keys))
	}
	for _, key := range keys {
		want := time.Time{}
		if key.ID == old.ID {
			want = t0.Add(time.Minute)
		}
		if !key.RevokedAt.Equal(want) {
			t.Errorf("key %s revoked at %s", key.Name, key.RevokedAt)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	en := newEnv(t, t0)
	secret, _ := en.apiKey("bot", status.ScopeRead)
	for _, bad := range []string{"", "bot", strings.TrimPrefix(secret, "cnd_"), secret + "x", "cnd_" + strings.Repeat("a", 200)} {
		if _, err := en.svc.Authenticate(en.ctx, bad); status.ErrorCode(err) != status.EUNAUTHORIZED {
			t.Errorf("Authenticate(%.12q…): %v, want unauthorized", bad, err)
		}
	}
	lastUsed := func() time.Time {
		t.Helper()
		keys, err := en.svc.APIKeys(en.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return keys[0].LastUsedAt
	}
	// Use is recorded at most once a minute, so reads with a key do not all become writes.
	for _, step := range []struct {
		after time.Duration
		want  time.Time
	}{
		{0, t0},
		{30 * time.Second, t0},
		{time.Minute, t0},
		{time.Minute + time.Second, t0.Add(time.Minute + time.Second)},
	} {
		en.clock.Set(t0.Add(step.after))
		if _, err := en.svc.Authenticate(en.ctx, secret); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(step.want) {
			t.Errorf("used at +%s: last used %s, want %s", step.after, got, step.want)
		}
	}
}

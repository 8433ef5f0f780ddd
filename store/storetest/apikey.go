package storetest

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func newAPIKey(id, name string, created time.Time) *status.APIKey {
	secret := status.NewAPIKeySecret()
	return &status.APIKey{ID: id, Name: name, Scope: status.ScopeWrite, Hash: status.HashAPIKey(secret),
		Prefix: secret[:8], CreatedAt: created}
}

func testAPIKeys(t *testing.T, s status.Store) {
	deploy, grafana := newAPIKey("k1", "deploy-bot", base), newAPIKey("k2", "grafana", base.Add(time.Minute))
	grafana.Scope = status.ScopeRead
	write(t, s, func(tx status.Tx) error {
		if err := tx.CreateAPIKey(grafana); err != nil {
			return err
		}
		return tx.CreateAPIKey(deploy)
	})
	read(t, s, func(tx status.Tx) error {
		ks, err := tx.APIKeys()
		if err != nil {
			return err
		}
		check(t, "APIKeys (oldest first)", ks, []status.APIKey{*deploy, *grafana})
		k, err := tx.APIKeyByHash(deploy.Hash)
		check(t, "APIKeyByHash", k, deploy)
		return err
	})

	sameName := newAPIKey("k3", "deploy-bot", base.Add(time.Hour))
	sameID := newAPIKey("k1", "other", base.Add(time.Hour))
	sameHash := newAPIKey("k4", "other", base.Add(time.Hour))
	sameHash.Hash = deploy.Hash
	tests := []struct {
		name string
		fn   func(tx status.Tx) error
		code string
	}{
		{"create with an active name", func(tx status.Tx) error { return tx.CreateAPIKey(sameName) }, status.ECONFLICT},
		{"create with a taken id", func(tx status.Tx) error { return tx.CreateAPIKey(sameID) }, status.ECONFLICT},
		{"create with a taken hash", func(tx status.Tx) error { return tx.CreateAPIKey(sameHash) }, status.ECONFLICT},
		{"by unknown hash", func(tx status.Tx) error { _, err := tx.APIKeyByHash(status.HashAPIKey("nope")); return err }, status.ENOTFOUND},
		{"revoke unknown name", func(tx status.Tx) error { return tx.RevokeAPIKey("nope", base) }, status.ENOTFOUND},
		{"revoke at the zero time", func(tx status.Tx) error { return tx.RevokeAPIKey("grafana", time.Time{}) }, status.EINVALID},
		{"touch unknown id", func(tx status.Tx) error { return tx.TouchAPIKey("nope", base) }, status.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.name, s.Write(wait(t), tt.fn), tt.code)
		})
	}

	used, revoked := base.Add(2*time.Hour+123), base.Add(3*time.Hour+456)
	write(t, s, func(tx status.Tx) error {
		if err := tx.TouchAPIKey("k1", used); err != nil {
			return err
		}
		return tx.RevokeAPIKey("deploy-bot", revoked)
	})
	deploy.LastUsedAt, deploy.RevokedAt = used, revoked
	requireAllSet(t, deploy)
	err := s.Write(wait(t), func(tx status.Tx) error { return tx.RevokeAPIKey("deploy-bot", revoked) })
	wantCode(t, "RevokeAPIKey twice", err, status.ENOTFOUND)

	// The name is free again once its key is revoked; revoked keys are still listed and
	// found by hash, so the caller can tell a revoked key from an unknown one.
	write(t, s, func(tx status.Tx) error { return tx.CreateAPIKey(sameName) })
	read(t, s, func(tx status.Tx) error {
		ks, err := tx.APIKeys()
		if err != nil {
			return err
		}
		check(t, "APIKeys after revoke", ks, []status.APIKey{*deploy, *grafana, *sameName})
		k, err := tx.APIKeyByHash(deploy.Hash)
		check(t, "APIKeyByHash of a revoked key", k, deploy)
		return err
	})
	again := newAPIKey("k5", "deploy-bot", base.Add(4*time.Hour))
	err = s.Write(wait(t), func(tx status.Tx) error { return tx.CreateAPIKey(again) })
	wantCode(t, "CreateAPIKey with the new key's name", err, status.ECONFLICT)
}

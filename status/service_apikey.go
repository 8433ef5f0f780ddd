package status

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// CreateAPIKey makes a key and returns its secret, which is shown once and never stored.
func (s *Service) CreateAPIKey(ctx context.Context, op Op, name string, scope Scope) (string, *APIKey, error) {
	name = strings.TrimSpace(name)
	p := Problems{}
	validateName(p, "name", name, 100)
	if strings.ContainsAny(name, " \t\r\n") {
		p.Add("name", "must not contain spaces")
	}
	if name == "." || name == ".." {
		// Clients and browsers resolve these in a URL's path: no URL could revoke the key.
		p.Add("name", "must not be %q", name)
	}
	if !scope.Valid() {
		p.Add("scope", "must be one of %s", joinValues(Scopes))
	}
	if err := p.Err(); err != nil {
		return "", nil, err
	}
	secret := NewAPIKeySecret()
	k := &APIKey{ID: NewID(), Name: name, Scope: scope, Hash: HashAPIKey(secret), Prefix: secret[:len(keyPrefix)+4]}
	err := s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		k.CreatedAt = now
		if err := tx.CreateAPIKey(k); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return change{}, Errorf(ECONFLICT, "An active API key named %q already exists.", name)
			}
			return change{}, err
		}
		return change{resource: k.ID, audit: &AuditEntry{Action: "apikey.create", Target: name, Detail: string(scope)}}, nil
	})
	if err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// APIKeys lists every key, revoked ones included.
func (s *Service) APIKeys(ctx context.Context) ([]APIKey, error) {
	var keys []APIKey
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		keys, err = tx.APIKeys()
		return err
	})
	return keys, err
}

// RevokeAPIKey revokes the active key with that name.
func (s *Service) RevokeAPIKey(ctx context.Context, op Op, name string) error {
	return s.write(ctx, op, func(tx Tx, now time.Time) (change, error) {
		if err := tx.RevokeAPIKey(name, now); err != nil {
			return change{}, err
		}
		return change{audit: &AuditEntry{Action: "apikey.revoke", Target: name}}, nil
	})
}

// touchEvery limits last-used bookkeeping to one write per key per interval, so reads with
// a key do not turn into writes.
const touchEvery = time.Minute

// Authenticate returns the active key matching secret, or EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, secret string) (*APIKey, error) {
	if !strings.HasPrefix(secret, keyPrefix) || utf8.RuneCountInString(secret) > 200 {
		return nil, Errorf(EUNAUTHORIZED, "Invalid API key.")
	}
	var k *APIKey
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		k, err = tx.APIKeyByHash(HashAPIKey(secret))
		return err
	})
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return nil, Errorf(EUNAUTHORIZED, "Invalid API key.")
	case err != nil:
		return nil, err
	case !k.RevokedAt.IsZero():
		return nil, Errorf(EUNAUTHORIZED, "This API key was revoked.")
	}
	if now := s.now(); now.Sub(k.LastUsedAt) > touchEvery {
		err := s.store.Write(ctx, func(tx Tx) error { return tx.TouchAPIKey(k.ID, now) })
		if err != nil {
			s.log.WarnContext(ctx, "record api key use", "key", k.Name, "err", err)
		}
	}
	return k, nil
}

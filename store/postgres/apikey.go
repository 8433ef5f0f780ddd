package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const apiKeyColumns = `id, name, scope, hash, prefix, created_at, last_used_at, revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }, k *status.APIKey) error {
	return sc.Scan(&k.ID, &k.Name, &k.Scope, &k.Hash, &k.Prefix,
		timeCol{&k.CreatedAt}, timeCol{&k.LastUsedAt}, timeCol{&k.RevokedAt})
}

// APIKeys returns every key, revoked ones included, oldest first (the zero time first, as
// in SQLite).
func (t *tx) APIKeys() ([]status.APIKey, error) {
	rows, err := t.query(`SELECT ` + apiKeyColumns + ` FROM api_keys ORDER BY created_at NULLS FIRST, id`)
	if err != nil {
		return nil, t.fail(err, "load api keys")
	}
	defer rows.Close()
	var ks []status.APIKey
	for rows.Next() {
		var k status.APIKey
		if err := scanAPIKey(rows, &k); err != nil {
			return nil, t.fail(err, "load api keys")
		}
		ks = append(ks, k)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load api keys")
	}
	return ks, nil
}

// APIKeyByHash returns the key with that hash, revoked or not; ENOTFOUND if none.
func (t *tx) APIKeyByHash(hash string) (*status.APIKey, error) {
	var k status.APIKey
	err := scanAPIKey(t.queryRow(`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash), &k)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("API key not found.") // never echo a secret's hash
	}
	if err != nil {
		return nil, t.fail(err, "load api key by hash")
	}
	return &k, nil
}

// CreateAPIKey inserts a key; ECONFLICT if an unrevoked key has the same name, or the id or
// hash is taken.
func (t *tx) CreateAPIKey(k *status.APIKey) error {
	return t.atomically(func() error {
		_, err := t.exec(`INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			k.ID, k.Name, string(k.Scope), k.Hash, k.Prefix,
			timeArg(k.CreatedAt), timeArg(k.LastUsedAt), timeArg(k.RevokedAt))
		switch {
		case err == nil:
			return nil
		case isUnique(err, "api_keys_pkey"):
			return conflict("API key %s already exists.", k.ID)
		case isUnique(err, "api_keys_active_name"):
			return &status.Error{Code: status.ECONFLICT, Message: "An API key named " + k.Name + " already exists.",
				Fields: map[string]string{"name": "already taken"}}
		case isUnique(err):
			return conflict("An API key with the same secret already exists.")
		default:
			return t.fail(err, "create api key %s", k.Name)
		}
	})
}

// RevokeAPIKey marks the unrevoked key with that name revoked at at; ENOTFOUND if none,
// EINVALID for the zero time (which would leave the key usable).
func (t *tx) RevokeAPIKey(name string, at time.Time) error {
	if at.IsZero() {
		return status.Errorf(status.EINVALID, "A revocation needs a time.")
	}
	ok, err := t.execOne(`UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL`,
		timeArg(at), name)
	if err != nil {
		return t.fail(err, "revoke api key %s", name)
	}
	if !ok {
		return notFound("No active API key named %s.", name)
	}
	return nil
}

// TouchAPIKey records that a key was used at at; ENOTFOUND if absent.
func (t *tx) TouchAPIKey(id string, at time.Time) error {
	ok, err := t.execOne(`UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, timeArg(at), id)
	if err != nil {
		return t.fail(err, "touch api key %s", id)
	}
	if !ok {
		return notFound("API key %s not found.", id)
	}
	return nil
}

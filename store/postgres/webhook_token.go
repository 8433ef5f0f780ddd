package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

// PutWebhookToken stores a public endpoint's confirmation token record (its hash).
func (t *tx) PutWebhookToken(k *status.WebhookToken) error {
	if err := status.ValidateWebhookToken(k); err != nil {
		return err
	}
	return t.atomically(func() error {
		_, err := t.exec(`INSERT INTO webhook_tokens (hash, endpoint_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			k.Hash, k.EndpointID, timeArg(k.CreatedAt), timeArg(k.ExpiresAt))
		switch {
		case isForeignKey(err):
			return notFound("Webhook %s not found.", k.EndpointID)
		case isUnique(err):
			return conflict("That token exists.")
		case err != nil:
			return t.fail(err, "put webhook token")
		}
		return nil
	})
}

// WebhookToken returns the token record with that hash, expired or not.
func (t *tx) WebhookToken(hash string) (*status.WebhookToken, error) {
	k := status.WebhookToken{Hash: hash}
	err := t.queryRow(`SELECT endpoint_id, created_at, expires_at FROM webhook_tokens WHERE hash = $1`, hash).
		Scan(&k.EndpointID, timeCol{&k.CreatedAt}, timeCol{&k.ExpiresAt})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("That link is not valid.")
	}
	if err != nil {
		return nil, t.fail(err, "load webhook token")
	}
	return &k, nil
}

// DeleteWebhookTokens deletes an endpoint's tokens.
func (t *tx) DeleteWebhookTokens(endpointID string) (int, error) {
	return t.count(`DELETE FROM webhook_tokens WHERE endpoint_id = $1`, "delete webhook tokens", endpointID)
}

// DeleteWebhookTokensExpiredBefore deletes tokens that expired before at.
func (t *tx) DeleteWebhookTokensExpiredBefore(at time.Time) (int, error) {
	return t.count(`DELETE FROM webhook_tokens WHERE expires_at < $1`, "delete expired webhook tokens", timeArg(at))
}

// DeleteUnconfirmedWebhooks forgets public endpoints nobody confirmed; their tokens and
// deliveries go with them (foreign keys cascade).
func (t *tx) DeleteUnconfirmedWebhooks(createdBefore, now time.Time) (int, error) {
	return t.count(`DELETE FROM webhook_endpoints AS e WHERE public AND confirmed_at IS NULL AND created_at < $1
		AND NOT EXISTS (SELECT 1 FROM webhook_tokens AS k WHERE k.endpoint_id = e.id AND k.expires_at >= $2)`,
		"delete unconfirmed webhooks", timeArg(createdBefore), timeArg(now))
}

// count runs a statement and returns how many rows it changed.
func (t *tx) count(query, what string, args ...any) (int, error) {
	tag, err := t.exec(query, args...)
	if err != nil {
		return 0, t.fail(err, "%s", what)
	}
	return int(tag.RowsAffected()), nil
}

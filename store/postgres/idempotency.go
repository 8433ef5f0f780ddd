package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

// Idempotency returns the record for a client's key; ENOTFOUND if none.
func (t *tx) Idempotency(scope, key string) (*status.IdempotencyRecord, error) {
	var r status.IdempotencyRecord
	err := t.queryRow(`SELECT scope, key, request_hash, resource_id, status_code, body, created_at
		FROM idempotency_records WHERE scope = $1 AND key = $2`, scope, key).
		Scan(&r.Scope, &r.Key, &r.RequestHash, &r.ResourceID, &r.StatusCode, bytesCol{&r.Body}, timeCol{&r.CreatedAt})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Idempotency key %s not found.", key)
	}
	if err != nil {
		return nil, t.fail(err, "load idempotency key %s", key)
	}
	return &r, nil
}

// PutIdempotency inserts a record; ECONFLICT if one exists for the same scope and key. ON
// CONFLICT rather than a savepoint: every idempotent request ends with it, and a caller may
// meet the conflict and go on.
func (t *tx) PutIdempotency(r *status.IdempotencyRecord) error {
	ok, err := t.execOne(`INSERT INTO idempotency_records
			(scope, key, request_hash, resource_id, status_code, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (scope, key) DO NOTHING`,
		r.Scope, r.Key, r.RequestHash, r.ResourceID, r.StatusCode, bytesArg(r.Body), timeArg(r.CreatedAt))
	if err != nil {
		return t.fail(err, "put idempotency key %s", r.Key)
	}
	if !ok {
		return conflict("Idempotency key %s was already used.", r.Key)
	}
	return nil
}

// SetIdempotencyResponse stores the response sent for a record; ENOTFOUND if absent.
func (t *tx) SetIdempotencyResponse(scope, key string, statusCode int, body []byte) error {
	ok, err := t.execOne(`UPDATE idempotency_records SET status_code = $1, body = $2 WHERE scope = $3 AND key = $4`,
		statusCode, bytesArg(body), scope, key)
	if err != nil {
		return t.fail(err, "set idempotency response %s", key)
	}
	if !ok {
		return notFound("Idempotency key %s not found.", key)
	}
	return nil
}

// DeleteIdempotencyBefore forgets records created strictly before before and returns how
// many.
func (t *tx) DeleteIdempotencyBefore(before time.Time) (int, error) {
	tag, err := t.exec(`DELETE FROM idempotency_records WHERE created_at < $1`, timeArg(before))
	if err != nil {
		return 0, t.fail(err, "delete idempotency records")
	}
	return int(tag.RowsAffected()), nil
}

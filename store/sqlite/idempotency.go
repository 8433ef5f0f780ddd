package sqlite

import (
	"database/sql"
	"errors"
	"time"

	"github.com/candorstatus/candor/status"
)

// Idempotency returns the record for a client's key; ENOTFOUND if none.
func (t *tx) Idempotency(scope, key string) (*status.IdempotencyRecord, error) {
	var r status.IdempotencyRecord
	err := t.queryRow(`SELECT scope, key, request_hash, resource_id, status_code, body, created_at
		FROM idempotency_records WHERE scope = ? AND key = ?`, scope, key).
		Scan(&r.Scope, &r.Key, &r.RequestHash, &r.ResourceID, &r.StatusCode, bytesCol{&r.Body}, timeCol{&r.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Idempotency key %s not found.", key)
	}
	if err != nil {
		return nil, t.fail(err, "load idempotency key %s", key)
	}
	return &r, nil
}

// PutIdempotency inserts a record; ECONFLICT if one exists for the same scope and key.
func (t *tx) PutIdempotency(r *status.IdempotencyRecord) error {
	_, err := t.exec(`INSERT INTO idempotency_records
			(scope, key, request_hash, resource_id, status_code, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.Scope, r.Key, r.RequestHash, r.ResourceID, r.StatusCode, blobArg(r.Body), timeArg(r.CreatedAt))
	switch {
	case err == nil:
		return nil
	case isUnique(err):
		return conflict("Idempotency key %s was already used.", r.Key)
	default:
		return t.fail(err, "put idempotency key %s", r.Key)
	}
}

// SetIdempotencyResponse stores the response sent for a record; ENOTFOUND if absent.
func (t *tx) SetIdempotencyResponse(scope, key string, statusCode int, body []byte) error {
	ok, err := t.execOne(`UPDATE idempotency_records SET status_code = ?, body = ? WHERE scope = ? AND key = ?`,
		statusCode, blobArg(body), scope, key)
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
	res, err := t.exec(`DELETE FROM idempotency_records WHERE created_at < ?`, before.UnixMicro())
	if err != nil {
		return 0, t.fail(err, "delete idempotency records")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.fail(err, "delete idempotency records")
	}
	return int(n), nil
}

// blobArg stores an empty body as NULL.
func blobArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

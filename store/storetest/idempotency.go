package storetest

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func newIdempotency(scope, key string, created time.Time) *status.IdempotencyRecord {
	return &status.IdempotencyRecord{Scope: scope, Key: key, RequestHash: "sha256:" + scope + key,
		ResourceID: "inc-" + key, CreatedAt: created}
}

func testIdempotency(t *testing.T, s status.Store) {
	r := newIdempotency("k1", "abc", base)
	other := newIdempotency("k2", "abc", base.Add(time.Hour)) // same key, other client
	later := newIdempotency("k1", "def", base.Add(2*time.Hour))
	write(t, s, func(tx status.Tx) error {
		for _, r := range []*status.IdempotencyRecord{r, other, later} {
			if err := tx.PutIdempotency(r); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Idempotency("k1", "abc")
		check(t, "Idempotency before the response", got, r)
		return err
	})

	tests := []struct {
		name string
		fn   func(tx status.Tx) error
		code string
	}{
		{"put duplicate", func(tx status.Tx) error { return tx.PutIdempotency(newIdempotency("k1", "abc", base)) }, status.ECONFLICT},
		{"get missing", func(tx status.Tx) error { _, err := tx.Idempotency("k3", "abc"); return err }, status.ENOTFOUND},
		{"set response of missing", func(tx status.Tx) error { return tx.SetIdempotencyResponse("k3", "abc", 201, nil) }, status.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.name, s.Write(wait(t), tt.fn), tt.code)
		})
	}

	body := []byte("{\"id\":\"inc-abc\"}\x00\xff") // bytes, not text
	write(t, s, func(tx status.Tx) error { return tx.SetIdempotencyResponse("k1", "abc", 201, body) })
	r.StatusCode, r.Body = 201, body
	requireAllSet(t, r)
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Idempotency("k1", "abc")
		check(t, "Idempotency after the response", got, r)
		return err
	})

	// Strictly before: the record created exactly at the cut-off stays.
	var n int
	write(t, s, func(tx status.Tx) error {
		var err error
		n, err = tx.DeleteIdempotencyBefore(base.Add(time.Hour))
		return err
	})
	if n != 1 {
		t.Errorf("DeleteIdempotencyBefore = %d, want 1", n)
	}
	read(t, s, func(tx status.Tx) error {
		_, err := tx.Idempotency("k1", "abc")
		wantCode(t, "deleted record", err, status.ENOTFOUND)
		for _, want := range []*status.IdempotencyRecord{other, later} {
			got, err := tx.Idempotency(want.Scope, want.Key)
			if err != nil {
				return err
			}
			check(t, "kept record", got, want)
		}
		return nil
	})
}

package postgres

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const webhookEndpointColumns = `id, url, description, components, events, lang, format, secret, disabled_at,
	disabled_reason, failing_since, failures, last_success_at, last_failure_at, last_error, created_at, updated_at,
	contact_email, public, confirmed_at, confirm_sent_at`

func scanWebhookEndpoint(sc interface{ Scan(...any) error }, e *status.WebhookEndpoint) error {
	var comps, events string
	if err := sc.Scan(&e.ID, &e.URL, &e.Description, &comps, &events, &e.Lang, &e.Format, &e.Secret,
		timeCol{&e.DisabledAt}, &e.DisabledReason, timeCol{&e.FailingSince}, &e.Failures, timeCol{&e.LastSuccessAt},
		timeCol{&e.LastFailureAt}, &e.LastError, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt},
		&e.ContactEmail, &e.Public, timeCol{&e.ConfirmedAt}, timeCol{&e.ConfirmSentAt}); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(comps), &e.Components); err != nil {
		return fmt.Errorf("webhook %s components: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return fmt.Errorf("webhook %s events: %w", e.ID, err)
	}
	return nil
}

// WebhookEndpoints returns every endpoint, oldest first.
func (t *tx) WebhookEndpoints() ([]status.WebhookEndpoint, error) {
	rows, err := t.query(`SELECT ` + webhookEndpointColumns + ` FROM webhook_endpoints ORDER BY created_at NULLS FIRST, id`)
	if err != nil {
		return nil, t.fail(err, "load webhooks")
	}
	defer rows.Close()
	var out []status.WebhookEndpoint
	for rows.Next() {
		var e status.WebhookEndpoint
		if err := scanWebhookEndpoint(rows, &e); err != nil {
			return nil, t.fail(err, "load webhooks")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load webhooks")
	}
	return out, nil
}

// WebhookEndpoint returns one endpoint; ENOTFOUND if absent.
func (t *tx) WebhookEndpoint(id string) (*status.WebhookEndpoint, error) {
	var e status.WebhookEndpoint
	err := scanWebhookEndpoint(t.queryRow(`SELECT `+webhookEndpointColumns+` FROM webhook_endpoints WHERE id = $1`, id), &e)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Webhook %s not found.", id)
	}
	if err != nil {
		return nil, t.fail(err, "load webhook %s", id)
	}
	return &e, nil
}

// PutWebhookEndpoint inserts or replaces an endpoint, keeping CreatedAt.
func (t *tx) PutWebhookEndpoint(e *status.WebhookEndpoint) error {
	if err := status.ValidateWebhookEndpoint(e); err != nil {
		return err
	}
	comps, _ := json.Marshal(e.Components)
	events, _ := json.Marshal(e.Events)
	_, err := t.exec(`INSERT INTO webhook_endpoints (`+webhookEndpointColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
		ON CONFLICT (id) DO UPDATE SET url = excluded.url, description = excluded.description,
			components = excluded.components, events = excluded.events, lang = excluded.lang,
			format = excluded.format, secret = excluded.secret, disabled_at = excluded.disabled_at,
			disabled_reason = excluded.disabled_reason, failing_since = excluded.failing_since,
			failures = excluded.failures, last_success_at = excluded.last_success_at,
			last_failure_at = excluded.last_failure_at, last_error = excluded.last_error,
			updated_at = excluded.updated_at, contact_email = excluded.contact_email, public = excluded.public,
			confirmed_at = excluded.confirmed_at, confirm_sent_at = excluded.confirm_sent_at`,
		e.ID, e.URL, e.Description, string(comps), string(events), e.Lang, string(e.Format), e.Secret,
		timeArg(e.DisabledAt), e.DisabledReason, timeArg(e.FailingSince), e.Failures, timeArg(e.LastSuccessAt),
		timeArg(e.LastFailureAt), e.LastError, timeArg(e.CreatedAt), timeArg(e.UpdatedAt),
		e.ContactEmail, e.Public, timeArg(e.ConfirmedAt), timeArg(e.ConfirmSentAt))
	if err != nil {
		return t.fail(err, "put webhook %s", e.ID)
	}
	return nil
}

// DeleteWebhookEndpoint deletes an endpoint and (by cascade) its deliveries.
func (t *tx) DeleteWebhookEndpoint(id string) error {
	ok, err := t.execOne(`DELETE FROM webhook_endpoints WHERE id = $1`, id)
	if err != nil {
		return t.fail(err, "delete webhook %s", id)
	}
	if !ok {
		return notFound("Webhook %s not found.", id)
	}
	return nil
}

// RecordWebhookSuccess ends an endpoint's failure run.
func (t *tx) RecordWebhookSuccess(id string, at time.Time) error {
	ok, err := t.execOne(`UPDATE webhook_endpoints SET failing_since = NULL, failures = 0, last_error = '',
		last_success_at = $1 WHERE id = $2`, timeArg(at), id)
	if err != nil {
		return t.fail(err, "record success of webhook %s", id)
	}
	if !ok {
		return notFound("Webhook %s not found.", id)
	}
	return nil
}

// InsertWebhookMessage stores a rendered message.
func (t *tx) InsertWebhookMessage(m *status.WebhookMessage) error {
	if err := status.ValidateWebhookMessage(m); err != nil {
		return err
	}
	err := t.atomically(func() error {
		_, err := t.exec(`INSERT INTO webhook_messages (id, event, subject_id, format, lang, created_at, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, string(m.Event), m.SubjectID, string(m.Format), m.Lang,
			timeArg(m.CreatedAt), m.Body)
		return err
	})
	switch {
	case isUnique(err):
		return conflict("Webhook message %s exists.", m.ID)
	case err != nil:
		return t.fail(err, "insert webhook message %s", m.ID)
	}
	return nil
}

// InsertWebhookDeliveries adds deliveries in slice order and one round trip, all or none,
// and sets their IDs.
func (t *tx) InsertWebhookDeliveries(ds []status.WebhookDelivery) error {
	for i := range ds {
		if err := status.ValidateWebhookDelivery(&ds[i]); err != nil {
			return err
		}
	}
	if len(ds) == 0 {
		return nil
	}
	ids := make([]int64, len(ds))
	err := t.atomically(func() error {
		b := &pgx.Batch{}
		for i := range ds {
			d := &ds[i]
			b.Queue(`INSERT INTO webhook_deliveries (endpoint_id, message_id, status, attempts, next_attempt_at,
					lease_owner, lease_until, last_error, last_status, last_latency, created_at, updated_at, done_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
				d.EndpointID, d.MessageID, string(d.Status), d.Attempts, timeArg(d.NextAttemptAt), d.LeaseOwner,
				timeArg(d.LeaseUntil), d.LastError, d.LastStatus, int64(d.LastLatency), timeArg(d.CreatedAt),
				timeArg(d.UpdatedAt), timeArg(d.DoneAt)).QueryRow(func(row pgx.Row) error { return row.Scan(&ids[i]) })
		}
		return t.send(b)
	})
	switch {
	case isForeignKey(err):
		return notFound("A webhook or message of these deliveries was not found.")
	case err != nil:
		return t.fail(err, "insert webhook deliveries")
	}
	for i := range ds {
		ds[i].ID = ids[i]
	}
	return nil
}

const webhookDeliveryColumns = `d.id, d.endpoint_id, d.message_id, m.event, m.subject_id, m.body, d.status, d.attempts,
	d.next_attempt_at, d.lease_owner, d.lease_until, d.last_error, d.last_status, d.last_latency, d.created_at,
	d.updated_at, d.done_at`

func (t *tx) scanWebhookDeliveries(rows pgx.Rows, what string) ([]status.WebhookDelivery, error) {
	defer rows.Close()
	var out []status.WebhookDelivery
	for rows.Next() {
		var d status.WebhookDelivery
		var latency int64
		if err := rows.Scan(&d.ID, &d.EndpointID, &d.MessageID, &d.Event, &d.SubjectID, bytesCol{&d.Body}, &d.Status,
			&d.Attempts, timeCol{&d.NextAttemptAt}, &d.LeaseOwner, timeCol{&d.LeaseUntil}, &d.LastError, &d.LastStatus,
			&latency, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}, timeCol{&d.DoneAt}); err != nil {
			return nil, t.fail(err, "%s", what)
		}
		d.LastLatency = time.Duration(latency)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "%s", what)
	}
	return out, nil
}

// claimWebhookQuery leases $4 deliveries to $1 until $2, at $3: of each enabled endpoint
// with pending deliveries, its oldest one, when it is due and not leased — walking pending
// deliveries earliest due first and keeping the heads, as SQLite's does.
const claimWebhookQuery = `WITH picked AS (
		SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND (d.lease_until IS NULL OR d.lease_until <= $3)
			AND e.disabled_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
				WHERE p.endpoint_id = d.endpoint_id AND p.status = 'pending' AND p.id < d.id)
		ORDER BY d.next_attempt_at, d.id LIMIT $4
		FOR UPDATE OF d SKIP LOCKED
	)
	UPDATE webhook_deliveries AS w SET lease_owner = $1, lease_until = $2 FROM picked WHERE w.id = picked.id
	RETURNING w.id`

// ClaimWebhookDeliveries leases the due heads of enabled endpoints' queues.
func (t *tx) ClaimWebhookDeliveries(now time.Time, owner string, lease time.Duration, limit int) ([]status.WebhookDelivery, error) {
	switch {
	case owner == "":
		return nil, invalid("owner", "required", "A claim needs an owner.")
	case now.IsZero():
		return nil, invalid("now", "required", "A claim needs a time.")
	case lease <= 0:
		return nil, invalid("lease", "must be positive", "A lease must be positive.")
	case limit <= 0:
		return nil, invalid("limit", "must be positive", "Limit must be positive.")
	}
	rows, err := t.query(claimWebhookQuery, owner, timeArg(now.Add(lease)), timeArg(now), limit)
	if err != nil {
		return nil, t.fail(err, "claim webhook deliveries")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, t.fail(err, "claim webhook deliveries")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = t.query(`SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries d
		JOIN webhook_messages m ON m.id = d.message_id WHERE d.id = ANY($1)`, ids)
	if err != nil {
		return nil, t.fail(err, "claim webhook deliveries")
	}
	out, err := t.scanWebhookDeliveries(rows, "claim webhook deliveries")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b status.WebhookDelivery) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// SaveWebhookDelivery stores a delivery's progress.
func (t *tx) SaveWebhookDelivery(d *status.WebhookDelivery, claimedBy string) error {
	if d.Status == "" || d.NextAttemptAt.IsZero() {
		return invalid("status", "required", "A webhook delivery needs a status and a next attempt time.")
	}
	ok, err := t.execOne(`UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, lease_owner = $4,
			lease_until = $5, last_error = $6, last_status = $7, last_latency = $8, updated_at = $9, done_at = $10
		WHERE id = $11 AND ($12 = '' OR (lease_owner = $12 AND status = 'pending'))`,
		string(d.Status), d.Attempts, timeArg(d.NextAttemptAt), d.LeaseOwner, timeArg(d.LeaseUntil), d.LastError,
		d.LastStatus, int64(d.LastLatency), timeArg(d.UpdatedAt), timeArg(d.DoneAt), d.ID, claimedBy)
	if err != nil {
		return t.fail(err, "save webhook delivery %d", d.ID)
	}
	if !ok {
		var st string
		err := t.queryRow(`SELECT status FROM webhook_deliveries WHERE id = $1`, d.ID).Scan(&st)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("Webhook delivery %d not found.", d.ID)
		}
		if err != nil {
			return t.fail(err, "save webhook delivery %d", d.ID)
		}
		return &status.Error{Code: status.ECONFLICT, Message: fmt.Sprintf("Webhook delivery %d is %s or leased to another dispatcher now; its progress was not saved.", d.ID, st),
			Fields: map[string]string{"status": st}}
	}
	return nil
}

// WebhookDeliveries returns the deliveries matching f, newest first.
func (t *tx) WebhookDeliveries(f status.WebhookDeliveryFilter) ([]status.WebhookDelivery, error) {
	if f.Limit < 0 {
		return nil, invalid("limit", "must not be negative", "Limit must not be negative.")
	}
	var conds []string
	var args []any
	if f.EndpointID != "" {
		args = append(args, f.EndpointID)
		conds = append(conds, fmt.Sprintf(`d.endpoint_id = $%d`, len(args)))
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
		conds = append(conds, fmt.Sprintf(`d.status = $%d`, len(args)))
	}
	q := `SELECT ` + webhookDeliveryColumns + ` FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += ` ORDER BY d.id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, t.fail(err, "load webhook deliveries")
	}
	return t.scanWebhookDeliveries(rows, "load webhook deliveries")
}

// FailWebhookDeliveries fails an endpoint's pending deliveries.
func (t *tx) FailWebhookDeliveries(endpointID, reason string, now time.Time) (int, error) {
	tag, err := t.exec(`UPDATE webhook_deliveries SET status = 'failed', last_error = $1, done_at = $2, updated_at = $2,
			lease_owner = '', lease_until = NULL
		WHERE endpoint_id = $3 AND status = 'pending'`, reason, timeArg(now), endpointID)
	if err != nil {
		return 0, t.fail(err, "fail deliveries of webhook %s", endpointID)
	}
	return int(tag.RowsAffected()), nil
}

// NextWebhookDue returns when the next pending delivery of an enabled endpoint can be claimed.
func (t *tx) NextWebhookDue() (time.Time, bool, error) {
	var at time.Time
	err := t.queryRow(`SELECT min(greatest(d.next_attempt_at, coalesce(d.lease_until, d.next_attempt_at)))
		FROM webhook_deliveries d
		JOIN (SELECT min(id) AS head FROM webhook_deliveries WHERE status = 'pending' GROUP BY endpoint_id) h ON d.id = h.head
		JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE e.disabled_at IS NULL`).Scan(timeCol{&at})
	if err != nil {
		return time.Time{}, false, t.fail(err, "find next webhook due")
	}
	return at, !at.IsZero(), nil
}

// DeleteWebhookDeliveriesBefore forgets finished deliveries and unused messages older than t.
func (t *tx) DeleteWebhookDeliveriesBefore(before time.Time) (int, error) {
	tag, err := t.exec(`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND done_at < $1`, timeArg(before))
	if err != nil {
		return 0, t.fail(err, "delete old webhook deliveries")
	}
	if _, err := t.exec(`DELETE FROM webhook_messages m WHERE m.created_at < $1
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = m.id)`, timeArg(before)); err != nil {
		return 0, t.fail(err, "delete old webhook messages")
	}
	return int(tag.RowsAffected()), nil
}

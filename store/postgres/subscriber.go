package postgres

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const subscriberColumns = `id, email, lang, confirmed_at, confirm_sent_at, bounces, last_bounce, added_by,
	created_at, updated_at`

// subscriberSelect reads subscriberColumns and the component list, in the order stored.
const subscriberSelect = `SELECT ` + subscriberColumns + `,
		ARRAY(SELECT component_id FROM subscriber_components WHERE subscriber_id = s.id ORDER BY position)
	FROM subscribers AS s`

func scanSubscriber(sc interface{ Scan(...any) error }, s *status.Subscriber) error {
	if err := sc.Scan(&s.ID, &s.Email, &s.Lang, timeCol{&s.ConfirmedAt}, timeCol{&s.ConfirmSentAt}, &s.Bounces,
		&s.LastBounce, &s.AddedBy, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}, &s.Components); err != nil {
		return err
	}
	if len(s.Components) == 0 {
		s.Components = nil
	}
	return nil
}

func (t *tx) subscriberWhere(where string, arg any) (*status.Subscriber, error) {
	var s status.Subscriber
	err := scanSubscriber(t.queryRow(subscriberSelect+` WHERE `+where, arg), &s)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Subscriber not found.") // an address is personal data: never echo it
	}
	if err != nil {
		return nil, t.fail(err, "load subscriber")
	}
	return &s, nil
}

// Subscriber returns a subscriber with its components; ENOTFOUND if absent.
func (t *tx) Subscriber(id string) (*status.Subscriber, error) {
	return t.subscriberWhere(`id = $1`, id)
}

// SubscriberByEmail returns the subscriber with that address; ENOTFOUND if none.
func (t *tx) SubscriberByEmail(email string) (*status.Subscriber, error) {
	return t.subscriberWhere(`email = $1`, email)
}

// PutSubscriber inserts or replaces a subscriber, keeping CreatedAt; ECONFLICT when
// another subscriber has the address.
func (t *tx) PutSubscriber(s *status.Subscriber) error {
	if err := status.ValidateSubscriberRecord(s); err != nil {
		return err
	}
	return t.atomically(func() error {
		_, err := t.exec(`INSERT INTO subscribers (`+subscriberColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (id) DO UPDATE SET email = excluded.email, lang = excluded.lang,
				confirmed_at = excluded.confirmed_at, confirm_sent_at = excluded.confirm_sent_at,
				bounces = excluded.bounces, last_bounce = excluded.last_bounce, added_by = excluded.added_by,
				updated_at = excluded.updated_at`,
			s.ID, s.Email, s.Lang, timeArg(s.ConfirmedAt), timeArg(s.ConfirmSentAt), s.Bounces, s.LastBounce, s.AddedBy,
			timeArg(s.CreatedAt), timeArg(s.UpdatedAt))
		if isUnique(err) {
			return conflict("Another subscriber has that email address.")
		}
		if err != nil {
			return t.fail(err, "put subscriber")
		}
		if _, err := t.exec(`DELETE FROM subscriber_components WHERE subscriber_id = $1`, s.ID); err != nil {
			return t.fail(err, "put subscriber components")
		}
		if _, err := t.exec(`INSERT INTO subscriber_components (component_id, subscriber_id, position)
			SELECT c, $1, p FROM unnest($2::text[]) WITH ORDINALITY AS u(c, p)`, s.ID, s.Components); err != nil {
			return t.fail(err, "put subscriber components")
		}
		return nil
	})
}

// DeleteSubscriber deletes a subscriber; its components, tokens and deliveries go with it.
func (t *tx) DeleteSubscriber(id string) error {
	ok, err := t.execOne(`DELETE FROM subscribers WHERE id = $1`, id)
	if err != nil {
		return t.fail(err, "delete subscriber")
	}
	if !ok {
		return notFound("Subscriber not found.")
	}
	return nil
}

// Subscribers returns a page of subscribers by id, with their components.
func (t *tx) Subscribers(f status.SubscriberFilter) ([]status.Subscriber, error) {
	if f.Limit < 1 {
		return nil, invalid("limit", "must be at least 1", "A subscriber page needs a positive limit.")
	}
	q := subscriberSelect + ` WHERE id > $1`
	if f.Bouncing {
		q += ` AND bounces > 0`
	}
	rows, err := t.query(q+` ORDER BY id LIMIT $2`, f.After, f.Limit)
	if err != nil {
		return nil, t.fail(err, "list subscribers")
	}
	defer rows.Close()
	var out []status.Subscriber
	for rows.Next() {
		var s status.Subscriber
		if err := scanSubscriber(rows, &s); err != nil {
			return nil, t.fail(err, "list subscribers")
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "list subscribers")
	}
	return out, nil
}

// SubscriberCounts counts confirmed subscribers per component id.
func (t *tx) SubscriberCounts() ([]status.SubscriberCount, error) {
	rows, err := t.query(`SELECT c.component_id, count(*) FROM subscriber_components AS c
		JOIN subscribers AS s ON s.id = c.subscriber_id
		WHERE s.confirmed_at IS NOT NULL GROUP BY c.component_id ORDER BY c.component_id`)
	if err != nil {
		return nil, t.fail(err, "count subscribers")
	}
	defer rows.Close()
	var out []status.SubscriberCount
	for rows.Next() {
		var c status.SubscriberCount
		if err := rows.Scan(&c.ComponentID, &c.Count); err != nil {
			return nil, t.fail(err, "count subscribers")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "count subscribers")
	}
	return out, nil
}

// PutSubscriberTokens inserts token records, all or none.
func (t *tx) PutSubscriberTokens(ks []status.SubscriberToken) error {
	for i := range ks {
		if err := status.ValidateSubscriberToken(&ks[i]); err != nil {
			return err
		}
	}
	if len(ks) == 0 {
		return nil
	}
	hashes, subs, purposes := make([]string, len(ks)), make([]string, len(ks)), make([]string, len(ks))
	created, expires := make([]any, len(ks)), make([]any, len(ks))
	for i, k := range ks {
		hashes[i], subs[i], purposes[i] = k.Hash, k.SubscriberID, string(k.Purpose)
		created[i], expires[i] = timeArg(k.CreatedAt), timeArg(k.ExpiresAt)
	}
	return t.atomically(func() error {
		_, err := t.exec(`INSERT INTO subscriber_tokens (hash, subscriber_id, purpose, created_at, expires_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])`,
			hashes, subs, purposes, created, expires)
		switch {
		case isForeignKey(err):
			return notFound("Subscriber not found.")
		case isUnique(err):
			return conflict("That token exists.")
		case err != nil:
			return t.fail(err, "put subscriber tokens")
		}
		return nil
	})
}

// SubscriberToken returns a token record by hash; ENOTFOUND if none.
func (t *tx) SubscriberToken(hash string) (*status.SubscriberToken, error) {
	k := status.SubscriberToken{Hash: hash}
	err := t.queryRow(`SELECT subscriber_id, purpose, created_at, expires_at FROM subscriber_tokens WHERE hash = $1`, hash).
		Scan(&k.SubscriberID, &k.Purpose, timeCol{&k.CreatedAt}, timeCol{&k.ExpiresAt})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("That link is not valid.")
	}
	if err != nil {
		return nil, t.fail(err, "load subscriber token")
	}
	return &k, nil
}

// DeleteSubscriberTokens deletes a subscriber's tokens of one purpose.
func (t *tx) DeleteSubscriberTokens(subscriberID string, purpose status.TokenPurpose) (int, error) {
	tag, err := t.exec(`DELETE FROM subscriber_tokens WHERE subscriber_id = $1 AND purpose = $2`, subscriberID, string(purpose))
	if err != nil {
		return 0, t.fail(err, "delete subscriber tokens")
	}
	return int(tag.RowsAffected()), nil
}

// DeleteSubscriberTokensExpiredBefore deletes tokens that expired before at.
func (t *tx) DeleteSubscriberTokensExpiredBefore(at time.Time) (int, error) {
	tag, err := t.exec(`DELETE FROM subscriber_tokens WHERE expires_at < $1`, timeArg(at))
	if err != nil {
		return 0, t.fail(err, "delete expired tokens")
	}
	return int(tag.RowsAffected()), nil
}

// DeleteUnconfirmedSubscribers forgets addresses nobody confirmed; their components and
// tokens go with them (foreign keys cascade).
func (t *tx) DeleteUnconfirmedSubscribers(createdBefore, now time.Time) (int, error) {
	tag, err := t.exec(`DELETE FROM subscribers AS s WHERE s.confirmed_at IS NULL AND s.created_at < $1
		AND NOT EXISTS (SELECT 1 FROM subscriber_tokens AS k WHERE k.subscriber_id = s.id AND k.expires_at >= $2)`,
		timeArg(createdBefore), timeArg(now))
	if err != nil {
		return 0, t.fail(err, "delete unconfirmed subscribers")
	}
	return int(tag.RowsAffected()), nil
}

// EmailRecipients returns a page of an email job's audience, walking subscribers by
// primary key and testing each against the components' and deliveries' primary keys.
func (t *tx) EmailRecipients(jobID int64, components []string, after string, limit int) ([]status.Subscriber, error) {
	if limit < 1 {
		return nil, invalid("limit", "must be at least 1", "A recipient page needs a positive limit.")
	}
	ids := append([]string{status.AllComponents}, components...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows, err := t.query(`SELECT id, email, lang FROM subscribers AS s
		WHERE id > $1 AND confirmed_at IS NOT NULL AND bounces < $2
			AND EXISTS (SELECT 1 FROM subscriber_components AS c
				WHERE c.component_id = ANY($3::text[]) AND c.subscriber_id = s.id)
			AND NOT EXISTS (SELECT 1 FROM email_deliveries AS d WHERE d.job_id = $4 AND d.subscriber_id = s.id)
		ORDER BY id LIMIT $5`, after, status.MaxBounces, ids, jobID, limit)
	if err != nil {
		return nil, t.fail(err, "find email recipients")
	}
	defer rows.Close()
	var out []status.Subscriber
	for rows.Next() {
		var s status.Subscriber
		if err := rows.Scan(&s.ID, &s.Email, &s.Lang); err != nil {
			return nil, t.fail(err, "find email recipients")
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "find email recipients")
	}
	return out, nil
}

// RecordEmailDeliveries records deliveries and counts new bounces, in one statement.
func (t *tx) RecordEmailDeliveries(ds []status.EmailDelivery) error {
	for _, d := range ds {
		if d.JobID == 0 || d.SubscriberID == "" || (d.Status != status.DeliverySent && d.Status != status.DeliveryBounced) {
			return invalid("deliveries", "need a job, a subscriber and a status", "A delivery needs a job, a subscriber and a status of sent or bounced.")
		}
	}
	if len(ds) == 0 {
		return nil
	}
	jobs, subs, sts, errs, ats := make([]int64, len(ds)), make([]string, len(ds)), make([]string, len(ds)), make([]string, len(ds)), make([]any, len(ds))
	for i, d := range ds {
		jobs[i], subs[i], sts[i] = d.JobID, d.SubscriberID, string(d.Status)
		errs[i], ats[i] = strings.ToValidUTF8(d.Error, ""), timeArg(d.At)
	}
	return t.atomically(func() error {
		_, err := t.exec(`WITH ins AS (
				INSERT INTO email_deliveries (job_id, subscriber_id, status, error, at)
				SELECT u.j, u.s, u.st, u.e, u.a
				FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS u(j, s, st, e, a)
				WHERE EXISTS (SELECT 1 FROM subscribers WHERE id = u.s)
				ON CONFLICT (job_id, subscriber_id) DO NOTHING
				RETURNING subscriber_id, status, error, at)
			UPDATE subscribers AS s SET bounces = s.bounces + b.n, last_bounce = left(b.e, 500), updated_at = b.a
			FROM (SELECT subscriber_id, count(*) AS n, max(error) AS e, max(at) AS a FROM ins
				WHERE status = 'bounced' GROUP BY subscriber_id) AS b
			WHERE s.id = b.subscriber_id`, jobs, subs, sts, errs, ats)
		if isForeignKey(err) {
			return notFound("Outbox job not found.")
		}
		if err != nil {
			return t.fail(err, "record email deliveries")
		}
		return nil
	})
}

// EmailDeliveries returns a job's deliveries by subscriber id.
func (t *tx) EmailDeliveries(jobID int64) ([]status.EmailDelivery, error) {
	rows, err := t.query(`SELECT subscriber_id, status, error, at FROM email_deliveries WHERE job_id = $1
		ORDER BY subscriber_id`, jobID)
	if err != nil {
		return nil, t.fail(err, "list email deliveries")
	}
	defer rows.Close()
	var out []status.EmailDelivery
	for rows.Next() {
		d := status.EmailDelivery{JobID: jobID}
		if err := rows.Scan(&d.SubscriberID, &d.Status, &d.Error, timeCol{&d.At}); err != nil {
			return nil, t.fail(err, "list email deliveries")
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "list email deliveries")
	}
	return out, nil
}

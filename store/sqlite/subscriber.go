package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorstatus/candor/status"
)

const subscriberColumns = `id, email, lang, confirmed_at, confirm_sent_at, bounces, last_bounce, added_by,
	created_at, updated_at`

func scanSubscriber(sc interface{ Scan(...any) error }, s *status.Subscriber) error {
	return sc.Scan(&s.ID, &s.Email, &s.Lang, timeCol{&s.ConfirmedAt}, timeCol{&s.ConfirmSentAt}, &s.Bounces,
		&s.LastBounce, &s.AddedBy, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt})
}

// subscriberComponents loads a subscriber's component ids in the order stored.
func (t *tx) subscriberComponents(id string) ([]string, error) {
	rows, err := t.query(`SELECT component_id FROM subscriber_components WHERE subscriber_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, t.fail(err, "load subscriber components")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, t.fail(err, "load subscriber components")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load subscriber components")
	}
	return out, nil
}

func (t *tx) subscriberWhere(where string, arg any) (*status.Subscriber, error) {
	var s status.Subscriber
	err := scanSubscriber(t.queryRow(`SELECT `+subscriberColumns+` FROM subscribers WHERE `+where, arg), &s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Subscriber not found.") // an address is personal data: never echo it
	}
	if err != nil {
		return nil, t.fail(err, "load subscriber")
	}
	if s.Components, err = t.subscriberComponents(s.ID); err != nil {
		return nil, err
	}
	return &s, nil
}

// Subscriber returns a subscriber with its components; ENOTFOUND if absent.
func (t *tx) Subscriber(id string) (*status.Subscriber, error) {
	return t.subscriberWhere(`id = ?`, id)
}

// SubscriberByEmail returns the subscriber with that address; ENOTFOUND if none.
func (t *tx) SubscriberByEmail(email string) (*status.Subscriber, error) {
	return t.subscriberWhere(`email = ?`, email)
}

// PutSubscriber inserts or replaces a subscriber, keeping CreatedAt; ECONFLICT when
// another subscriber has the address.
func (t *tx) PutSubscriber(s *status.Subscriber) error {
	if err := status.ValidateSubscriberRecord(s); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO subscribers (`+subscriberColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
	if _, err := t.exec(`DELETE FROM subscriber_components WHERE subscriber_id = ?`, s.ID); err != nil {
		return t.fail(err, "put subscriber components")
	}
	comps, err := json.Marshal(s.Components)
	if err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO subscriber_components (component_id, subscriber_id, position)
		SELECT value, ?, key FROM json_each(?)`, s.ID, string(comps)); err != nil {
		return t.fail(err, "put subscriber components")
	}
	return nil
}

// DeleteSubscriber deletes a subscriber; its components, tokens and deliveries go with it.
func (t *tx) DeleteSubscriber(id string) error {
	ok, err := t.execOne(`DELETE FROM subscribers WHERE id = ?`, id)
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
	q := `SELECT ` + subscriberColumns + `,
			(SELECT json_group_array(component_id) FROM (SELECT component_id FROM subscriber_components
				WHERE subscriber_id = s.id ORDER BY position))
		FROM subscribers AS s WHERE id > ?`
	if f.Bouncing {
		q += ` AND bounces > 0`
	}
	rows, err := t.query(q+` ORDER BY id LIMIT ?`, f.After, f.Limit)
	if err != nil {
		return nil, t.fail(err, "list subscribers")
	}
	defer rows.Close()
	var out []status.Subscriber
	for rows.Next() {
		var s status.Subscriber
		var comps string
		if err := rows.Scan(&s.ID, &s.Email, &s.Lang, timeCol{&s.ConfirmedAt}, timeCol{&s.ConfirmSentAt}, &s.Bounces,
			&s.LastBounce, &s.AddedBy, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}, &comps); err != nil {
			return nil, t.fail(err, "list subscribers")
		}
		if err := json.Unmarshal([]byte(comps), &s.Components); err != nil {
			return nil, fmt.Errorf("subscriber %s components: %w", s.ID, err)
		}
		if len(s.Components) == 0 {
			s.Components = nil
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

// tokenRow is a token record as one element of the JSON array a batch insert reads.
type tokenRow struct {
	H string `json:"h"`
	S string `json:"s"`
	P string `json:"p"`
	C any    `json:"c"`
	E any    `json:"e"`
}

// PutSubscriberTokens inserts token records, all or none, in one statement: an email job
// stores two per recipient, a page at a time.
func (t *tx) PutSubscriberTokens(ks []status.SubscriberToken) error {
	for i := range ks {
		if err := status.ValidateSubscriberToken(&ks[i]); err != nil {
			return err
		}
	}
	if len(ks) == 0 {
		return nil
	}
	rows := make([]tokenRow, len(ks))
	for i, k := range ks {
		rows[i] = tokenRow{H: k.Hash, S: k.SubscriberID, P: string(k.Purpose), C: timeArg(k.CreatedAt), E: timeArg(k.ExpiresAt)}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO subscriber_tokens (hash, subscriber_id, purpose, created_at, expires_at)
		SELECT json_extract(value, '$.h'), json_extract(value, '$.s'), json_extract(value, '$.p'),
			json_extract(value, '$.c'), json_extract(value, '$.e') FROM json_each(?)`, string(b))
	switch {
	case isForeignKey(err):
		return notFound("Subscriber not found.")
	case isUnique(err) || isPrimaryKey(err):
		return conflict("That token exists.")
	case err != nil:
		return t.fail(err, "put subscriber tokens")
	}
	return nil
}

// SubscriberToken returns a token record by hash; ENOTFOUND if none.
func (t *tx) SubscriberToken(hash string) (*status.SubscriberToken, error) {
	k := status.SubscriberToken{Hash: hash}
	err := t.queryRow(`SELECT subscriber_id, purpose, created_at, expires_at FROM subscriber_tokens WHERE hash = ?`, hash).
		Scan(&k.SubscriberID, &k.Purpose, timeCol{&k.CreatedAt}, timeCol{&k.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("That link is not valid.")
	}
	if err != nil {
		return nil, t.fail(err, "load subscriber token")
	}
	return &k, nil
}

// DeleteSubscriberTokens deletes a subscriber's tokens of one purpose.
func (t *tx) DeleteSubscriberTokens(subscriberID string, purpose status.TokenPurpose) (int, error) {
	res, err := t.exec(`DELETE FROM subscriber_tokens WHERE subscriber_id = ? AND purpose = ?`, subscriberID, string(purpose))
	if err != nil {
		return 0, t.fail(err, "delete subscriber tokens")
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteSubscriberTokensExpiredBefore deletes tokens that expired before at.
func (t *tx) DeleteSubscriberTokensExpiredBefore(at time.Time) (int, error) {
	res, err := t.exec(`DELETE FROM subscriber_tokens WHERE expires_at < ?`, timeArg(at))
	if err != nil {
		return 0, t.fail(err, "delete expired tokens")
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteUnconfirmedSubscribers forgets addresses nobody confirmed; their components and
// tokens go with them (foreign keys cascade).
func (t *tx) DeleteUnconfirmedSubscribers(createdBefore, now time.Time) (int, error) {
	res, err := t.exec(`DELETE FROM subscribers WHERE confirmed_at IS NULL AND created_at < ?1
		AND NOT EXISTS (SELECT 1 FROM subscriber_tokens AS k WHERE k.subscriber_id = subscribers.id AND k.expires_at >= ?2)`,
		timeArg(createdBefore), timeArg(now))
	if err != nil {
		return 0, t.fail(err, "delete unconfirmed subscribers")
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// EmailRecipients returns a page of an email job's audience. It walks subscribers by
// primary key from after, testing each against subscriber_components' and
// email_deliveries' primary keys, so a page costs about limit lookups however many
// subscribers there are.
func (t *tx) EmailRecipients(jobID int64, components []string, after string, limit int) ([]status.Subscriber, error) {
	if limit < 1 {
		return nil, invalid("limit", "must be at least 1", "A recipient page needs a positive limit.")
	}
	ids := append([]string{status.AllComponents}, components...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(`SELECT id, email, lang FROM subscribers AS s
		WHERE id > ?1 AND confirmed_at IS NOT NULL AND bounces < ?2
			AND EXISTS (SELECT 1 FROM json_each(?3) AS w JOIN subscriber_components AS c
				ON c.component_id = w.value AND c.subscriber_id = s.id)
			AND NOT EXISTS (SELECT 1 FROM email_deliveries AS d WHERE d.job_id = ?4 AND d.subscriber_id = s.id)
		ORDER BY id LIMIT ?5`, after, status.MaxBounces, string(idsJSON), jobID, limit)
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

// RecordEmailDeliveries records deliveries and counts new bounces.
func (t *tx) RecordEmailDeliveries(ds []status.EmailDelivery) error {
	for _, d := range ds {
		if d.JobID == 0 || d.SubscriberID == "" || (d.Status != status.DeliverySent && d.Status != status.DeliveryBounced) {
			return invalid("deliveries", "need a job, a subscriber and a status", "A delivery needs a job, a subscriber and a status of sent or bounced.")
		}
	}
	if len(ds) == 0 {
		return nil
	}
	type row struct {
		J  int64  `json:"j"`
		S  string `json:"s"`
		St string `json:"st"`
		E  string `json:"e"`
		A  any    `json:"a"`
	}
	rows := make([]row, len(ds))
	for i, d := range ds {
		rows[i] = row{J: d.JobID, S: d.SubscriberID, St: string(d.Status), E: truncateText(d.Error, 500), A: timeArg(d.At)}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	// One statement for the batch; RETURNING names the rows it inserted, so a bounce
	// recorded before is not counted twice.
	res, err := t.query(`INSERT INTO email_deliveries (job_id, subscriber_id, status, error, at)
		SELECT json_extract(v.value, '$.j'), json_extract(v.value, '$.s'), json_extract(v.value, '$.st'),
			json_extract(v.value, '$.e'), json_extract(v.value, '$.a')
		FROM json_each(?) AS v
		WHERE EXISTS (SELECT 1 FROM subscribers WHERE id = json_extract(v.value, '$.s'))
		ON CONFLICT (job_id, subscriber_id) DO NOTHING
		RETURNING subscriber_id, status, error, at`, string(b))
	if isForeignKey(err) {
		return notFound("Outbox job not found.")
	}
	if err != nil {
		return t.fail(err, "record email deliveries")
	}
	var bounced []status.EmailDelivery
	for res.Next() {
		var d status.EmailDelivery
		if err := res.Scan(&d.SubscriberID, &d.Status, &d.Error, timeCol{&d.At}); err != nil {
			res.Close()
			return t.fail(err, "record email deliveries")
		}
		if d.Status == status.DeliveryBounced {
			bounced = append(bounced, d)
		}
	}
	err = res.Err()
	res.Close()
	if isForeignKey(err) {
		return notFound("Outbox job not found.")
	}
	if err != nil {
		return t.fail(err, "record email deliveries")
	}
	for _, d := range bounced {
		if _, err := t.exec(`UPDATE subscribers SET bounces = bounces + 1, last_bounce = ?, updated_at = ? WHERE id = ?`,
			d.Error, timeArg(d.At), d.SubscriberID); err != nil {
			return t.fail(err, "count bounce")
		}
	}
	return nil
}

// EmailDeliveries returns a job's deliveries by subscriber id.
func (t *tx) EmailDeliveries(jobID int64) ([]status.EmailDelivery, error) {
	rows, err := t.query(`SELECT subscriber_id, status, error, at FROM email_deliveries WHERE job_id = ? ORDER BY subscriber_id`, jobID)
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

// truncateText cuts s to at most n bytes without splitting a character.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

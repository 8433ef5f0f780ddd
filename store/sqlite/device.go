package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/candorstatus/candor/status"
)

// Device returns a device by token, its components in the order stored; ENOTFOUND if absent.
func (t *tx) Device(token string) (*status.Device, error) {
	d := status.Device{Token: token}
	err := t.queryRow(`SELECT platform, locale, created_at, updated_at FROM devices WHERE token = ?`, token).
		Scan(&d.Platform, &d.Locale, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Device not found.") // a token is personal data: never echo it
	}
	if err != nil {
		return nil, t.fail(err, "load device")
	}
	rows, err := t.query(`SELECT component_id FROM device_components WHERE token = ? ORDER BY position`, token)
	if err != nil {
		return nil, t.fail(err, "load device components")
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, t.fail(err, "load device components")
		}
		d.Components = append(d.Components, c)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "load device components")
	}
	return &d, nil
}

// PutDevice inserts the device or replaces the one with its token, keeping the stored
// CreatedAt; its subscription list is replaced as a whole. EINVALID without a token or with
// an empty or repeated component id, before anything is written.
func (t *tx) PutDevice(d *status.Device) error {
	if err := status.ValidateDeviceRecord(d); err != nil {
		return err
	}
	comps, err := json.Marshal(d.Components)
	if err != nil {
		return err
	}
	// An upsert, not INSERT OR REPLACE: replacing would delete the row, cascading to its
	// components and losing created_at.
	if _, err := t.exec(`INSERT INTO devices (token, platform, locale, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET platform = excluded.platform, locale = excluded.locale,
			updated_at = excluded.updated_at`,
		d.Token, string(d.Platform), d.Locale, timeArg(d.CreatedAt), timeArg(d.UpdatedAt)); err != nil {
		return t.fail(err, "put device")
	}
	if _, err := t.exec(`DELETE FROM device_components WHERE token = ?`, d.Token); err != nil {
		return t.fail(err, "put device components")
	}
	if len(d.Components) == 0 {
		return nil
	}
	if _, err := t.exec(`INSERT INTO device_components (locale, component_id, token, position)
		SELECT ?, value, ?, key FROM json_each(?)`, d.Locale, d.Token, string(comps)); err != nil {
		return t.fail(err, "put device components")
	}
	return nil
}

// deleteChunk bounds the tokens one DELETE statement carries.
const deleteChunk = 1000

// DeleteDevices deletes the devices with these tokens, any number of them, and returns how
// many existed; unknown and repeated tokens count nothing. Their subscriptions go with them
// (ON DELETE CASCADE).
func (t *tx) DeleteDevices(tokens []string) (int, error) {
	total := 0
	// The tokens travel as one JSON array per statement, so SQLite's limit on bound
	// variables never applies; chunks keep each statement's array modest.
	for chunk := range slices.Chunk(tokens, deleteChunk) {
		b, err := json.Marshal(chunk)
		if err != nil {
			return 0, err
		}
		res, err := t.exec(`DELETE FROM devices WHERE token IN (SELECT value FROM json_each(?))`, string(b))
		if err != nil {
			return 0, t.fail(err, "delete devices")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, t.fail(err, "delete devices")
		}
		total += int(n)
	}
	return total, nil
}

// audienceChunk bounds the component ids one audience query merges: each is one arm of a
// compound SELECT, and SQLite allows at most 500 arms.
const audienceChunk = 100

// DeviceTokens returns up to limit tokens, in byte order, of devices with locale that are
// subscribed to any of components or to everything ("*"), each token once; EINVALID unless
// limit is positive.
//
// The subscribers of one component in one locale are one run of device_components' primary
// key, already in token order. The query is a UNION of those runs with ORDER BY token, which
// SQLite runs as a merge of the runs, each read lazily: it stops after limit distinct tokens,
// so its cost depends on limit and the number of components, never on the number of devices.
func (t *tx) DeviceTokens(components []string, locale string, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, invalid("limit", "must be positive", "Limit must be positive.")
	}
	ids := append([]string{status.AllComponents}, components...)
	slices.Sort(ids)
	ids = slices.Compact(ids)

	var tokens []string
	for chunk := range slices.Chunk(ids, audienceChunk) {
		got, err := t.audience(chunk, locale, limit)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, got...)
	}
	if len(ids) > audienceChunk { // several sorted, distinct lists: merge them
		slices.Sort(tokens)
		tokens = slices.Compact(tokens)
		if len(tokens) > limit {
			tokens = tokens[:limit]
		}
	}
	return tokens, nil
}

// audienceQuery returns the audience query for n distinct component ids: ?1 is the
// locale, ?2 the limit, ?3… the ids.
func audienceQuery(n int) string {
	var q strings.Builder
	for i := range n {
		if i > 0 {
			q.WriteString("\nUNION ")
		}
		// No ORDER BY or LIMIT per arm: the compound's ORDER BY makes each arm an ordered
		// index walk that the merge advances only as far as it needs.
		q.WriteString(`SELECT token FROM device_components WHERE locale = ?1 AND component_id = ?` + strconv.Itoa(i+3))
	}
	q.WriteString("\nORDER BY token LIMIT ?2")
	return q.String()
}

// audience runs the audience query for at most audienceChunk distinct component ids.
func (t *tx) audience(ids []string, locale string, limit int) ([]string, error) {
	args := []any{locale, limit}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := t.query(audienceQuery(len(ids)), args...)
	if err != nil {
		return nil, t.fail(err, "find device tokens")
	}
	defer rows.Close()
	var tokens []string
	for rows.Next() {
		var tok string
		if err := rows.Scan(&tok); err != nil {
			return nil, t.fail(err, "find device tokens")
		}
		tokens = append(tokens, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "find device tokens")
	}
	return tokens, nil
}

// CountDevices counts every device, from the counter the schema's triggers keep.
func (t *tx) CountDevices() (int, error) {
	var n int
	if err := t.queryRow(`SELECT device_count FROM meta WHERE id = 1`).Scan(&n); err != nil {
		return 0, t.fail(err, "count devices")
	}
	return n, nil
}

// invalid returns an EINVALID error about one input field.
func invalid(field, problem, message string) error {
	return &status.Error{Code: status.EINVALID, Message: message, Fields: map[string]string{field: problem}}
}

// Devices returns up to limit devices with tokens after `after`, in token byte order,
// each with its components in the order stored.
func (t *tx) Devices(after string, limit int) ([]status.Device, error) {
	if limit < 1 {
		return nil, invalid("limit", "must be at least 1", "A device page needs a positive limit.")
	}
	rows, err := t.query(`SELECT token, platform, locale, created_at, updated_at FROM devices
		WHERE token > ? ORDER BY token LIMIT ?`, after, limit)
	if err != nil {
		return nil, t.fail(err, "list devices")
	}
	var out []status.Device
	for rows.Next() {
		var d status.Device
		if err := rows.Scan(&d.Token, &d.Platform, &d.Locale, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}); err != nil {
			rows.Close()
			return nil, t.fail(err, "list devices")
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "list devices")
	}
	if len(out) == 0 {
		return nil, nil
	}
	// One query for the whole page's components, not one per device.
	crow, err := t.query(`SELECT token, component_id FROM device_components WHERE token > ? AND token <= ?
		ORDER BY token, position`, after, out[len(out)-1].Token)
	if err != nil {
		return nil, t.fail(err, "list device components")
	}
	defer crow.Close()
	idx := make(map[string]int, len(out))
	for i := range out {
		idx[out[i].Token] = i
	}
	for crow.Next() {
		var tok, c string
		if err := crow.Scan(&tok, &c); err != nil {
			return nil, t.fail(err, "list device components")
		}
		if i, ok := idx[tok]; ok {
			out[i].Components = append(out[i].Components, c)
		}
	}
	if err := crow.Err(); err != nil {
		return nil, t.fail(err, "list device components")
	}
	return out, nil
}

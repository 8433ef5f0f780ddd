package postgres

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

// Device returns a device by token, its components in the order stored; ENOTFOUND if absent.
func (t *tx) Device(token string) (*status.Device, error) {
	d := status.Device{Token: token}
	err := t.queryRow(`SELECT platform, locale, created_at, updated_at,
			ARRAY(SELECT component_id FROM device_components WHERE token = d.token ORDER BY position)
		FROM devices AS d WHERE token = $1`, token).
		Scan(&d.Platform, &d.Locale, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}, &d.Components)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Device not found.") // a token is personal data: never echo it
	}
	if err != nil {
		return nil, t.fail(err, "load device")
	}
	if len(d.Components) == 0 {
		d.Components = nil
	}
	return &d, nil
}

// devicesPageQuery lists $2 devices after token $1, with their components.
const devicesPageQuery = `SELECT token, platform, locale, created_at, updated_at,
		ARRAY(SELECT component_id FROM device_components WHERE token = d.token ORDER BY position)
	FROM devices AS d WHERE token > $1 ORDER BY token LIMIT $2`

// Devices returns up to limit devices with tokens after `after`, in token byte order, each
// with its components in the order stored, in one query: a page of an export walks the
// primary key and reads each device's list from device_components_token. EINVALID unless
// limit is positive.
func (t *tx) Devices(after string, limit int) ([]status.Device, error) {
	if limit < 1 {
		return nil, invalid("limit", "must be at least 1", "A device page needs a positive limit.")
	}
	rows, err := t.query(devicesPageQuery, after, limit)
	if err != nil {
		return nil, t.fail(err, "list devices")
	}
	defer rows.Close()
	var out []status.Device
	for rows.Next() {
		var d status.Device
		if err := rows.Scan(&d.Token, &d.Platform, &d.Locale, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt},
			&d.Components); err != nil {
			return nil, t.fail(err, "list devices")
		}
		if len(d.Components) == 0 {
			d.Components = nil
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "list devices")
	}
	return out, nil
}

// PutDevice inserts the device or replaces the one with its token, keeping the stored
// CreatedAt; its subscription list is replaced as a whole. EINVALID without a token or with
// an empty or repeated component id, before anything is written. One round trip.
func (t *tx) PutDevice(d *status.Device) error {
	if err := status.ValidateDeviceRecord(d); err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO devices (token, platform, locale, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (token) DO UPDATE SET platform = excluded.platform, locale = excluded.locale,
			updated_at = excluded.updated_at`,
		d.Token, string(d.Platform), d.Locale, timeArg(d.CreatedAt), timeArg(d.UpdatedAt))
	b.Queue(`DELETE FROM device_components WHERE token = $1`, d.Token)
	if len(d.Components) > 0 {
		b.Queue(`INSERT INTO device_components (locale, component_id, token, position)
			SELECT $1, c.id, $2, c.n - 1 FROM unnest($3::text[]) WITH ORDINALITY AS c (id, n)`,
			d.Locale, d.Token, d.Components)
	}
	if err := t.send(b); err != nil {
		return t.fail(err, "put device")
	}
	return nil
}

// deleteChunk bounds the tokens one DELETE statement carries.
const deleteChunk = 5000

// DeleteDevices deletes the devices with these tokens, any number of them, and returns how
// many existed; unknown and repeated tokens count nothing. Their subscriptions go with them
// (ON DELETE CASCADE).
func (t *tx) DeleteDevices(tokens []string) (int, error) {
	total := 0
	for chunk := range slices.Chunk(tokens, deleteChunk) {
		tag, err := t.exec(`DELETE FROM devices WHERE token = ANY ($1)`, chunk)
		if err != nil {
			return 0, t.fail(err, "delete devices")
		}
		total += int(tag.RowsAffected())
	}
	return total, nil
}

// audienceChunk bounds the component ids one audience query merges, so the planner's work
// and the prepared statements stay small.
const audienceChunk = 100

// DeviceTokens returns up to limit tokens, in byte order, of devices with locale that are
// subscribed to any of components or to everything ("*"), each token once; EINVALID unless
// limit is positive.
//
// The subscribers of one component in one locale are one run of device_components' primary
// key, already in token order. The query is a UNION ALL of those runs, each cut at limit,
// under DISTINCT ... ORDER BY token LIMIT: PostgreSQL runs it as a Merge Append of index
// scans that it stops after limit distinct tokens, so its cost depends on limit and the
// number of components, never on the number of devices.
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
		slices.Sort(tokens) // Go compares strings by bytes, as COLLATE "C"
		tokens = slices.Compact(tokens)
		if len(tokens) > limit {
			tokens = tokens[:limit]
		}
	}
	return tokens, nil
}

// audienceQuery returns the audience query for n distinct component ids: $1 is the
// locale, $2 the limit, $3… the ids.
func audienceQuery(n int) string {
	var q strings.Builder
	q.WriteString("SELECT DISTINCT token FROM (")
	for i := range n {
		if i > 0 {
			q.WriteString("\n\tUNION ALL ")
		}
		q.WriteString(`(SELECT token FROM device_components WHERE locale = $1 AND component_id = $` +
			strconv.Itoa(i+3) + ` ORDER BY token LIMIT $2)`)
	}
	q.WriteString("\n) AS audience ORDER BY token LIMIT $2")
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
	tokens, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
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

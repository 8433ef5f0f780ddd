package sqlite

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candorstatus/candor/status"
)

const jobColumns = `id, kind, status, incident_id, update_id, event, lang, condition, topic, attempts,
	next_attempt_at, lease_owner, lease_until, last_error, sent, failed, created_at, updated_at,
	expires_at, done_at, tokens, payload`

func scanJob(sc interface{ Scan(...any) error }, j *status.OutboxJob) error {
	var tokens string
	if err := sc.Scan(&j.ID, &j.Kind, &j.Status, &j.IncidentID, &j.UpdateID, &j.Event, &j.Lang,
		&j.Condition, &j.Topic, &j.Attempts, timeCol{&j.NextAttemptAt}, &j.LeaseOwner,
		timeCol{&j.LeaseUntil}, &j.LastError, &j.Sent, &j.Failed, timeCol{&j.CreatedAt},
		timeCol{&j.UpdatedAt}, timeCol{&j.ExpiresAt}, timeCol{&j.DoneAt}, &tokens, bytesCol{&j.Payload}); err != nil {
		return err
	}
	var err error
	if j.Tokens, err = decodeTokens(tokens); err != nil {
		return fmt.Errorf("job %d tokens: %w", j.ID, err)
	}
	return nil
}

// encodeTokens stores a token list as a JSON array; nil as [].
func encodeTokens(tokens []string) (string, error) {
	if len(tokens) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(tokens)
	return string(b), err
}

// decodeTokens reads a stored token list. A claim decodes up to 500 tokens per job inside
// the write transaction, so the list json.Marshal writes for tokens without characters it
// escapes — every FCM token — is split directly, about ten times faster than
// json.Unmarshal; anything else goes through json.Unmarshal.
func decodeTokens(s string) ([]string, error) {
	if s == "[]" {
		return nil, nil
	}
	if len(s) >= 4 && strings.HasPrefix(s, `["`) && strings.HasSuffix(s, `"]`) && !strings.Contains(s, `\`) {
		// Without escapes no token holds a quote, so `","` occurs only between tokens.
		tokens := strings.Split(s[2:len(s)-2], `","`)
		if !slices.ContainsFunc(tokens, func(t string) bool { return strings.Contains(t, `"`) }) {
			return tokens, nil
		}
	}
	var tokens []string
	if err := json.Unmarshal([]byte(s), &tokens); err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		return nil, nil
	}
	return tokens, nil
}

// InsertJobs adds outbox jobs, in slice order, and sets their IDs, which only grow. EINVALID
// if any job lacks a kind, a status or a next attempt time; then none is inserted.
func (t *tx) InsertJobs(jobs []status.OutboxJob) error {
	for i := range jobs {
		if err := status.ValidateJobRecord(&jobs[i]); err != nil {
			return err
		}
	}
	for i := range jobs {
		j := &jobs[i]
		tokens, err := encodeTokens(j.Tokens)
		if err != nil {
			return fmt.Errorf("encode job tokens: %w", err)
		}
		var id int64
		err = t.queryRow(`INSERT INTO outbox_jobs (kind, status, incident_id, update_id, event, lang, condition,
				topic, attempts, next_attempt_at, lease_owner, lease_until, last_error, sent, failed, created_at,
				updated_at, expires_at, done_at, tokens, payload)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(j.Kind), string(j.Status), j.IncidentID, j.UpdateID, j.Event, j.Lang, j.Condition, j.Topic,
			j.Attempts, timeArg(j.NextAttemptAt), j.LeaseOwner, timeArg(j.LeaseUntil), j.LastError, j.Sent,
			j.Failed, timeArg(j.CreatedAt), timeArg(j.UpdatedAt), timeArg(j.ExpiresAt), timeArg(j.DoneAt),
			tokens, blobArg(j.Payload)).Scan(&id)
		if err != nil {
			return t.fail(err, "insert %s job", j.Kind)
		}
		j.ID = id
	}
	return nil
}

// claimQuery leases ?4 claimable jobs to ?1 until ?2, at ?3, and returns them. INDEXED BY:
// the walk must be the pending jobs in id order, never the whole history; SQLite fails the
// statement rather than plan it otherwise.
const claimQuery = `UPDATE outbox_jobs SET lease_owner = ?1, lease_until = ?2
	WHERE id IN (SELECT id FROM outbox_jobs INDEXED BY outbox_jobs_claim
		WHERE status = 'pending' AND next_attempt_at <= ?3 AND (lease_until IS NULL OR lease_until <= ?3)
			AND kind <> 'email'
		ORDER BY id LIMIT ?4)
	RETURNING ` + jobColumns

// claimKindQuery is claimQuery for the jobs of kind ?5 only.
const claimKindQuery = `UPDATE outbox_jobs SET lease_owner = ?1, lease_until = ?2
	WHERE id IN (SELECT id FROM outbox_jobs INDEXED BY outbox_jobs_claim
		WHERE status = 'pending' AND next_attempt_at <= ?3 AND (lease_until IS NULL OR lease_until <= ?3)
			AND kind = ?5
		ORDER BY id LIMIT ?4)
	RETURNING ` + jobColumns

// ClaimJobs leases up to limit pending jobs to owner until now+lease and returns them, whole
// and oldest first: jobs whose next attempt is at or before now and that no lease holds
// after now. It changes nothing but the lease. EINVALID for an empty owner, the zero now, a
// lease that is not positive or a limit below 1.
//
// One statement picks and leases the jobs, inside the Write that serializes every writer, so
// two claimers never get the same job.
func (t *tx) ClaimJobs(now time.Time, owner string, lease time.Duration, limit int) ([]status.OutboxJob, error) {
	return t.claim(claimQuery, "", now, owner, lease, limit)
}

// ClaimJobsOfKind is ClaimJobs for the jobs of one kind.
func (t *tx) ClaimJobsOfKind(kind status.JobKind, now time.Time, owner string, lease time.Duration, limit int) ([]status.OutboxJob, error) {
	if kind == "" {
		return nil, invalid("kind", "required", "A claim by kind needs a kind.")
	}
	return t.claim(claimKindQuery, kind, now, owner, lease, limit)
}

func (t *tx) claim(q string, kind status.JobKind, now time.Time, owner string, lease time.Duration, limit int) ([]status.OutboxJob, error) {
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
	args := []any{owner, now.Add(lease).UnixMicro(), now.UnixMicro(), limit}
	if kind != "" {
		args = append(args, string(kind))
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, t.fail(err, "claim jobs")
	}
	jobs, err := t.scanJobs(rows, "claim jobs")
	if err != nil {
		return nil, err
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(jobs, func(a, b status.OutboxJob) int { return cmp.Compare(a.ID, b.ID) })
	return jobs, nil
}

// scanJobs reads and closes rows of jobColumns.
func (t *tx) scanJobs(rows *sql.Rows, what string) ([]status.OutboxJob, error) {
	defer rows.Close()
	var jobs []status.OutboxJob
	for rows.Next() {
		var j status.OutboxJob
		if err := scanJob(rows, &j); err != nil {
			return nil, t.fail(err, "%s", what)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "%s", what)
	}
	return jobs, nil
}

// SaveJob stores a job's progress: status, attempts, next attempt, lease, last error, tokens,
// sent and failed counts, updated and done times; its other fields stay as inserted.
// ENOTFOUND if absent; EINVALID without a status or a next attempt time.
func (t *tx) SaveJob(j *status.OutboxJob, claimedBy string) error {
	if err := status.ValidateJobProgress(j); err != nil {
		return err
	}
	tokens, err := encodeTokens(j.Tokens)
	if err != nil {
		return fmt.Errorf("encode job tokens: %w", err)
	}
	ok, err := t.execOne(`UPDATE outbox_jobs SET status = ?, attempts = ?, next_attempt_at = ?, lease_owner = ?,
			lease_until = ?, last_error = ?, tokens = ?, sent = ?, failed = ?, updated_at = ?, done_at = ?
		WHERE id = ? AND (? = '' OR lease_owner = ?)`,
		string(j.Status), j.Attempts, timeArg(j.NextAttemptAt), j.LeaseOwner, timeArg(j.LeaseUntil), j.LastError,
		tokens, j.Sent, j.Failed, timeArg(j.UpdatedAt), timeArg(j.DoneAt), j.ID, claimedBy, claimedBy)
	if err != nil {
		return t.fail(err, "save job %d", j.ID)
	}
	if !ok {
		var st string
		if err := t.queryRow(`SELECT status FROM outbox_jobs WHERE id = ?`, j.ID).Scan(&st); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("Outbox job %d not found.", j.ID)
			}
			return t.fail(err, "save job %d", j.ID)
		}
		return jobConflict(j.ID, status.JobStatus(st))
	}
	return nil
}

// jobConflict is SaveJob's ECONFLICT: the job reached a final status since it was claimed,
// or another dispatcher holds it now.
func jobConflict(id int64, st status.JobStatus) error {
	if st != status.JobPending {
		return &status.Error{Code: status.ECONFLICT, Message: fmt.Sprintf("Outbox job %d is %s now; its progress was not saved.", id, st),
			Fields: map[string]string{"status": string(st)}}
	}
	return conflict("Outbox job %d is leased to another dispatcher now; its progress was not saved.", id)
}

// ExtendLeases moves the lease of owner's pending jobs among ids to until.
func (t *tx) ExtendLeases(owner string, ids []int64, until time.Time) (int, error) {
	switch {
	case owner == "":
		return 0, invalid("owner", "required", "Extending leases needs an owner.")
	case until.IsZero():
		return 0, invalid("until", "required", "Extending leases needs a time.")
	case len(ids) == 0:
		return 0, nil
	}
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return 0, err
	}
	res, err := t.exec(`UPDATE outbox_jobs SET lease_until = ?
		WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'pending'`,
		until.UnixMicro(), string(idsJSON), owner)
	if err != nil {
		return 0, t.fail(err, "extend leases")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.fail(err, "extend leases")
	}
	return int(n), nil
}

// Jobs returns the jobs matching f, oldest (lowest id) first; EINVALID for a negative limit.
func (t *tx) Jobs(f status.JobFilter) ([]status.OutboxJob, error) {
	if f.Limit < 0 {
		return nil, invalid("limit", "must not be negative", "Limit must not be negative.")
	}
	var conds []string
	var args []any
	if f.IncidentID != "" {
		conds = append(conds, `incident_id = ?`)
		args = append(args, f.IncidentID)
	}
	if f.Status != "" {
		conds = append(conds, `status = ?`)
		args = append(args, string(f.Status))
	}
	q := `SELECT ` + jobColumns + ` FROM outbox_jobs`
	if f.IncidentID != "" {
		// An incident has a few jobs; a status may have the whole history.
		q += ` INDEXED BY outbox_jobs_incident`
	}
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	limit := -1 // SQLite: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, err := t.query(q+` ORDER BY id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, t.fail(err, "load jobs")
	}
	return t.scanJobs(rows, "load jobs")
}

// SupersedeJobs marks the incident's pending push jobs for updates other than keepUpdateID
// superseded at now — done and updated at now, lease cleared, leased or not — and returns
// how many. EINVALID without an incident id or with the zero now.
func (t *tx) SupersedeJobs(incidentID, keepUpdateID string, now time.Time) (int, error) {
	switch {
	case incidentID == "":
		return 0, invalid("incident_id", "required", "Superseding jobs needs an incident.")
	case now.IsZero():
		return 0, invalid("now", "required", "Superseding jobs needs a time.")
	}
	res, err := t.exec(`UPDATE outbox_jobs INDEXED BY outbox_jobs_incident
		SET status = 'superseded', done_at = ?1, updated_at = ?1, lease_owner = '', lease_until = NULL
		WHERE incident_id = ?2 AND status = 'pending' AND kind IN ('push', 'email') AND update_id <> ?3`,
		now.UnixMicro(), incidentID, keepUpdateID)
	if err != nil {
		return 0, t.fail(err, "supersede jobs of incident %s", incidentID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.fail(err, "supersede jobs of incident %s", incidentID)
	}
	return int(n), nil
}

// nextDueQuery reads the first entry of outbox_jobs_due, whose expression it repeats.
const nextDueQuery = `SELECT max(next_attempt_at, coalesce(lease_until, next_attempt_at)) AS due
	FROM outbox_jobs INDEXED BY outbox_jobs_due WHERE status = 'pending' ORDER BY due LIMIT 1`

// NextJobDue returns the earliest time a pending job can be claimed — the later of its next
// attempt and its lease end — read from the first entry of an index on exactly that.
func (t *tx) NextJobDue() (time.Time, bool, error) {
	var at time.Time
	err := t.queryRow(nextDueQuery).Scan(timeCol{&at})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, t.fail(err, "find next job due")
	}
	return at, true, nil
}

// JobBacklog counts the pending jobs of each kind with the oldest one's creation time;
// pending jobs are few (finished ones are not), and the claim index holds exactly them.
func (t *tx) JobBacklog() ([]status.JobBacklog, error) {
	rows, err := t.query(`SELECT kind, count(*), min(created_at) FROM outbox_jobs WHERE status = 'pending'
		GROUP BY kind ORDER BY kind`)
	if err != nil {
		return nil, t.fail(err, "count pending jobs")
	}
	defer rows.Close()
	var out []status.JobBacklog
	for rows.Next() {
		var b status.JobBacklog
		if err := rows.Scan(&b.Kind, &b.Pending, timeCol{&b.Oldest}); err != nil {
			return nil, t.fail(err, "count pending jobs")
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, "count pending jobs")
	}
	return out, nil
}

// DeleteJobsBefore deletes old finished jobs in id order (ids grow with time, so the old
// ones are found first); their email deliveries go with them (foreign keys cascade).
func (t *tx) DeleteJobsBefore(before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, invalid("limit", "must be at least 1", "Deleting jobs needs a positive limit.")
	}
	res, err := t.exec(`DELETE FROM outbox_jobs WHERE id IN (
		SELECT id FROM outbox_jobs WHERE status <> 'pending' AND done_at < ?1 ORDER BY id LIMIT ?2)`, timeArg(before), limit)
	if err != nil {
		return 0, t.fail(err, "delete old jobs")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.fail(err, "delete old jobs")
	}
	return int(n), nil
}

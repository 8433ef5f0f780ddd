package postgres

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/status"
)

const jobColumns = `id, kind, status, incident_id, update_id, event, lang, condition, topic, attempts,
	next_attempt_at, lease_owner, lease_until, last_error, sent, failed, created_at, updated_at,
	expires_at, done_at, tokens, payload`

func scanJob(sc interface{ Scan(...any) error }, j *status.OutboxJob) error {
	if err := sc.Scan(&j.ID, &j.Kind, &j.Status, &j.IncidentID, &j.UpdateID, &j.Event, &j.Lang,
		&j.Condition, &j.Topic, &j.Attempts, timeCol{&j.NextAttemptAt}, &j.LeaseOwner,
		timeCol{&j.LeaseUntil}, &j.LastError, &j.Sent, &j.Failed, timeCol{&j.CreatedAt},
		timeCol{&j.UpdatedAt}, timeCol{&j.ExpiresAt}, timeCol{&j.DoneAt}, &j.Tokens, bytesCol{&j.Payload}); err != nil {
		return err
	}
	if len(j.Tokens) == 0 {
		j.Tokens = nil
	}
	return nil
}

// tokensArg stores a token list as a text array; nil as the empty array.
func tokensArg(tokens []string) []string {
	if tokens == nil {
		return []string{}
	}
	return tokens
}

// InsertJobs adds outbox jobs, in slice order and in one round trip, and sets their IDs,
// which only grow (an identity, and writes are serialized, so they also commit in order).
// EINVALID if any job lacks a kind, a status or a next attempt time; then none is inserted.
func (t *tx) InsertJobs(jobs []status.OutboxJob) error {
	if len(jobs) == 0 {
		return nil
	}
	for i := range jobs {
		if err := status.ValidateJobRecord(&jobs[i]); err != nil {
			return err
		}
	}
	b := &pgx.Batch{}
	ids := make([]int64, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		b.Queue(`INSERT INTO outbox_jobs (kind, status, incident_id, update_id, event, lang, condition,
				topic, attempts, next_attempt_at, lease_owner, lease_until, last_error, sent, failed, created_at,
				updated_at, expires_at, done_at, tokens, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
			RETURNING id`,
			string(j.Kind), string(j.Status), j.IncidentID, j.UpdateID, j.Event, j.Lang, j.Condition, j.Topic,
			j.Attempts, timeArg(j.NextAttemptAt), j.LeaseOwner, timeArg(j.LeaseUntil), j.LastError, j.Sent,
			j.Failed, timeArg(j.CreatedAt), timeArg(j.UpdatedAt), timeArg(j.ExpiresAt), timeArg(j.DoneAt),
			tokensArg(j.Tokens), bytesArg(j.Payload)).QueryRow(func(row pgx.Row) error {
			return row.Scan(&ids[i])
		})
	}
	if err := t.send(b); err != nil {
		return t.fail(err, "insert jobs")
	}
	for i := range jobs {
		jobs[i].ID = ids[i]
	}
	return nil
}

// claimQuery leases $4 claimable jobs to $1 until $2, at $3, and returns them. The picking
// walks outbox_jobs_claim (pending jobs in id order) and locks what it picks with SKIP
// LOCKED: Writes are serialized anyway, but if that ever changes, a second claimer skips
// the jobs a first one is leasing instead of waiting for them or claiming them too.
var claimQuery = `WITH picked AS (
		SELECT id FROM outbox_jobs
		WHERE status = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
			AND kind <> 'email'
		ORDER BY id LIMIT $4
		FOR UPDATE SKIP LOCKED
	)
	UPDATE outbox_jobs AS j SET lease_owner = $1, lease_until = $2
	FROM picked WHERE j.id = picked.id
	RETURNING ` + qualify("j", jobColumns)

// claimKindQuery is claimQuery for the jobs of kind $5 only.
var claimKindQuery = `WITH picked AS (
		SELECT id FROM outbox_jobs
		WHERE status = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
			AND kind = $5
		ORDER BY id LIMIT $4
		FOR UPDATE SKIP LOCKED
	)
	UPDATE outbox_jobs AS j SET lease_owner = $1, lease_until = $2
	FROM picked WHERE j.id = picked.id
	RETURNING ` + qualify("j", jobColumns)

// qualify prefixes each of the comma-separated columns with alias.
func qualify(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// ClaimJobs leases up to limit pending jobs to owner until now+lease and returns them, whole
// and oldest first: jobs whose next attempt is at or before now and that no lease holds
// after now. It changes nothing but the lease. EINVALID for an empty owner, the zero now, a
// lease that is not positive or a limit below 1.
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
	args := []any{owner, timeArg(now.Add(lease)), timeArg(now), limit}
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
func (t *tx) scanJobs(rows pgx.Rows, what string) ([]status.OutboxJob, error) {
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
	ok, err := t.execOne(`UPDATE outbox_jobs SET status = $1, attempts = $2, next_attempt_at = $3, lease_owner = $4,
			lease_until = $5, last_error = $6, tokens = $7, sent = $8, failed = $9, updated_at = $10, done_at = $11
		WHERE id = $12 AND ($13 = '' OR lease_owner = $13)`,
		string(j.Status), j.Attempts, timeArg(j.NextAttemptAt), j.LeaseOwner, timeArg(j.LeaseUntil), j.LastError,
		tokensArg(j.Tokens), j.Sent, j.Failed, timeArg(j.UpdatedAt), timeArg(j.DoneAt), j.ID, claimedBy)
	if err != nil {
		return t.fail(err, "save job %d", j.ID)
	}
	if !ok {
		var st string
		err := t.queryRow(`SELECT status FROM outbox_jobs WHERE id = $1`, j.ID).Scan(&st)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("Outbox job %d not found.", j.ID)
		}
		if err != nil {
			return t.fail(err, "save job %d", j.ID)
		}
		if st != string(status.JobPending) {
			return &status.Error{Code: status.ECONFLICT, Message: fmt.Sprintf("Outbox job %d is %s now; its progress was not saved.", j.ID, st),
				Fields: map[string]string{"status": st}}
		}
		return conflict("Outbox job %d is leased to another dispatcher now; its progress was not saved.", j.ID)
	}
	return nil
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
	tag, err := t.exec(`UPDATE outbox_jobs SET lease_until = $1
		WHERE id = ANY ($2) AND lease_owner = $3 AND status = 'pending'`, timeArg(until), ids, owner)
	if err != nil {
		return 0, t.fail(err, "extend leases")
	}
	return int(tag.RowsAffected()), nil
}

// Jobs returns the jobs matching f, oldest (lowest id) first; EINVALID for a negative limit.
func (t *tx) Jobs(f status.JobFilter) ([]status.OutboxJob, error) {
	if f.Limit < 0 {
		return nil, invalid("limit", "must not be negative", "Limit must not be negative.")
	}
	var conds []string
	var p params
	if f.IncidentID != "" {
		conds = append(conds, `incident_id = `+p.add(f.IncidentID))
	}
	if f.Status != "" {
		conds = append(conds, `status = `+p.add(string(f.Status)))
	}
	q := `SELECT ` + jobColumns + ` FROM outbox_jobs`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, err := t.query(q+` ORDER BY id LIMIT `+p.add(limit), p...)
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
	tag, err := t.exec(`UPDATE outbox_jobs
		SET status = 'superseded', done_at = $1, updated_at = $1, lease_owner = '', lease_until = NULL
		WHERE incident_id = $2 AND status = 'pending' AND kind IN ('push', 'email') AND update_id <> $3`,
		timeArg(now), incidentID, keepUpdateID)
	if err != nil {
		return 0, t.fail(err, "supersede jobs of incident %s", incidentID)
	}
	return int(tag.RowsAffected()), nil
}

// nextDueQuery reads the first entry of outbox_jobs_due, whose expression it repeats.
const nextDueQuery = `SELECT greatest(next_attempt_at, lease_until) AS due
	FROM outbox_jobs WHERE status = 'pending' ORDER BY due LIMIT 1`

// NextJobDue returns the earliest time a pending job can be claimed — the later of its next
// attempt and its lease end — read from the first entry of an index on exactly that.
func (t *tx) NextJobDue() (time.Time, bool, error) {
	var at time.Time
	err := t.queryRow(nextDueQuery).Scan(timeCol{&at})
	if errors.Is(err, pgx.ErrNoRows) {
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
// ones are found first); their email deliveries go with them (ON DELETE CASCADE).
func (t *tx) DeleteJobsBefore(before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, invalid("limit", "must be at least 1", "Deleting jobs needs a positive limit.")
	}
	tag, err := t.exec(`DELETE FROM outbox_jobs WHERE id IN (
		SELECT id FROM outbox_jobs WHERE status <> 'pending' AND done_at < $1 ORDER BY id LIMIT $2)`, timeArg(before), limit)
	if err != nil {
		return 0, t.fail(err, "delete old jobs")
	}
	return int(tag.RowsAffected()), nil
}

// Package storetest is the contract suite every status.Store implementation runs, so the
// SQLite and PostgreSQL back ends cannot drift apart.
//
// Beyond what status/store.go documents, the suite pins these behaviours:
//
//   - Times come back in UTC, truncated to the microsecond (PostgreSQL's precision): a store
//     truncates on write. The zero time comes back as the zero time.
//   - Empty and nil slices are interchangeable; a nil *float64 stays nil.
//   - Lists are totally ordered: components and groups by position, name, then id; incidents
//     by start (newest first), then id ascending; maintenances by ScheduledFor (latest
//     first), then id ascending; API keys by creation, then id.
//   - An incident's updates come back in timeline order: the order CreateIncident received
//     them, then append order, whatever their CreatedAt (Derive walks them in that order).
//   - CreateIncident needs a start time and a finite UsersAffectedPercent (EINVALID, see
//     status.ValidateIncidentRecord); it stores every update as the incident's.
//   - CreateComponent and UpdateComponent return EINVALID when GroupID names no group;
//     UpdateComponent and PutGroup keep the stored CreatedAt.
//   - IncidentFilter with an unknown Status or a negative Limit or Offset is EINVALID;
//     Audit with a limit below 1 is EINVALID; RevokeAPIKey with the zero time is EINVALID;
//     TouchAPIKey and SetIdempotencyResponse return ENOTFOUND for a missing record.
//   - A maintenance's Components, HeldBy, RemindBefore and RemindersSent come back in the
//     order stored, repeats kept. Durations round-trip exactly, to the nanosecond (store
//     integer nanoseconds, not an interval). PriorStatus comes back equal when it has
//     entries and nil when saved nil or empty — never as an empty map.
//   - A maintenance's updates come back in timeline order: the order CreateMaintenance
//     received them, then append order, whatever their CreatedAt. CreateMaintenance stores
//     every update as the maintenance's and sets MaintenanceID on m.Updates in place.
//   - CreateMaintenance and SaveMaintenance return EINVALID without an ID (create), a Title,
//     a known Status (status.MaintenanceStatus.Valid), a ScheduledFor or a ScheduledUntil;
//     CreateMaintenance also for an update without an ID, AppendMaintenanceUpdate for an
//     update without an ID. CreateMaintenance is all or nothing: on any error (ECONFLICT for
//     a taken maintenance id or a taken or repeated update id) it writes nothing, and fn may
//     go on and commit. A rejected SaveMaintenance or AppendMaintenanceUpdate writes nothing.
//   - SaveMaintenance writes every field but ID, CreatedAt and Updates, clearing what is
//     zero; AppendMaintenanceUpdate changes no field of the maintenance (not UpdatedAt).
//   - MaintenanceFilter keeps maintenances in any of Statuses (repeats ignored; empty: all);
//     an unknown or empty status in Statuses, or a negative Limit, is EINVALID (0: no limit).
//     Maintenances carries whole timelines, loaded in a fixed number of queries.
//   - A device's Components come back in the order stored. PutDevice replaces the whole
//     subscription list and keeps the stored CreatedAt; it returns EINVALID, writing nothing,
//     for an empty token or an empty or repeated component id.
//   - DeviceTokens orders tokens by their bytes (PostgreSQL: COLLATE "C"), not by a locale's
//     rules; it always includes the devices subscribed to "*", returns each token once,
//     takes any number of components (repeats ignored) and returns EINVALID for a limit
//     below 1. DeleteDevices takes any number of tokens and counts each deleted device once;
//     unknown tokens count nothing. A device subscribed to nothing is kept and in no audience.
//   - InsertJobs returns EINVALID, inserting none of the jobs, if one lacks a Kind, a Status
//     or a NextAttemptAt; IDs grow with insertion, within and across transactions, and
//     "oldest first" means by ID. A job's Tokens keep their order, its Payload its bytes.
//   - A job is claimable when pending, NextAttemptAt <= now, and LeaseUntil is zero or
//     <= now. ClaimJobs changes the lease fields only and returns EINVALID for an empty
//     owner, the zero now, a lease that is not positive or a limit below 1; concurrent
//     claimers never get the same job. Claimed jobs come back oldest first.
//   - SaveJob writes only the fields its doc lists (the others keep their inserted values),
//     and with claimedBy only while that owner holds the lease (ECONFLICT otherwise)
//     and returns EINVALID without a Status or a NextAttemptAt.
//   - JobFilter with a negative Limit is EINVALID (0: no limit).
//   - JobBacklog counts pending jobs only, leased or not, due or not, per kind ordered by
//     kind, with the earliest CreatedAt; kinds with none pending are left out.
//   - SupersedeJobs sets DoneAt and UpdatedAt to now and clears the lease, even a live one;
//     it returns EINVALID for an empty incident id or the zero now. A later SaveJob of such
//     a job is ECONFLICT with Fields {"status": "superseded"} (status.JobConflictStatus).
//   - ExtendLeases changes only lease_until, of pending jobs leased to owner.
//   - User and template names are unique regardless of case, by Unicode simple case folding
//     as strings.EqualFold does it ("Alice" = "ALICE", "Élodie" = "éLODIE", the Kelvin sign
//     U+212A = "k"), not just ASCII: a store keeps a folded key beside the name (computed in
//     Go, so both back ends agree), and a name must be valid UTF-8 (EINVALID). UserByName matches the
//     same way and returns the name as stored. Users and Templates are ordered by name in
//     byte order (PostgreSQL: COLLATE "C"), which is total since names are unique.
//   - CreateUser returns EINVALID without an ID, a Name, a known Role (status.Role.Valid)
//     or a PasswordHash, ECONFLICT for a taken id or name. SaveUser writes Role,
//     PasswordHash, UpdatedAt, LastLoginAt and DisabledAt, clearing what is zero, and
//     ignores Name and CreatedAt; EINVALID without a known Role or a PasswordHash.
//   - CreateSession returns EINVALID without a Hash, a UserID, a CSRFToken or an ExpiresAt,
//     ENOTFOUND when UserID names no user, ECONFLICT for a taken hash. TouchSession changes
//     LastSeenAt and ExpiresAt only; EINVALID for the zero expiry. Session returns expired
//     sessions. DeleteSessionsExpiredBefore(t) deletes ExpiresAt strictly before t, t
//     truncated to the microsecond like stored times (so the zero t deletes nothing);
//     DeleteUserSessions of an unknown user returns 0. A user's sessions go with the user.
//   - PutPostmortem returns EINVALID without an IncidentID, for an action without an ID or
//     a Title, with an ID repeated within the postmortem (ids need not be unique across
//     postmortems), with an unknown State (status.FollowUpState.Valid) or with a DueDate
//     outside the years 1 to 9999; ENOTFOUND when the incident is absent. It writes every
//     field, clearing what is zero, but keeps the stored CreatedAt; Actions are replaced as
//     a whole and come back in slice order. A DueDate comes back as midnight UTC of the
//     calendar date it has in its own location (time.Time.Date; PostgreSQL: a date column),
//     the zero time as zero. Postmortems orders newest CreatedAt first, ties by incident
//     id, the zero CreatedAt last (PostgreSQL: NULLS LAST).
//   - PutTemplate returns EINVALID without an ID or a Name, ECONFLICT when another template
//     has the name; it keeps the stored CreatedAt. Cause and Impact are stored as given.
//   - PutUptimeDays is an upsert by (ComponentID, Day): putting the same records again
//     changes nothing, and a put replaces every field of the stored record. Day is
//     'YYYY-MM-DD' (PostgreSQL: a date column) and comes back in that form. UptimeDays
//     orders by component id in byte order (PostgreSQL: COLLATE "C"), then day, bounds
//     inclusive; from after to gives nothing; a malformed bound is EINVALID.
//   - A component's uptime records are deleted with the component (ON DELETE CASCADE): they
//     describe a component that no longer exists. LatestUptimeDay then looks only at the
//     records left.
//   - Group and component ids share one space and are never reused: PutGroup inserting and
//     CreateComponent return ECONFLICT, writing nothing, for an id any group or component
//     has or had (deleted ones included), and IDTaken says so. A component id named by a
//     non-imported incident update or by a maintenance is taken (a restored export keeps
//     its deleted components' ids); one named only by an imported update is not.
//   - A rejected CreateUser, SaveUser, CreateSession, TouchSession, PutPostmortem,
//     PutTemplate or PutUptimeDays writes nothing (PutPostmortem's actions and the valid
//     records of a PutUptimeDays included), and fn may go on.
//   - A failed Tx method leaves the transaction usable: fn may handle ECONFLICT and go on
//     (PostgreSQL needs a savepoint per statement that may fail for this).
//   - Read sees one snapshot for its whole fn (PostgreSQL: REPEATABLE READ), cannot write,
//     and is not blocked by a running Write.
//   - Read, Write and Ping on a closed store, and Read and Write with an ended context,
//     return EUNAVAILABLE without calling fn; the context's error stays in the chain.
//   - Close may be called more than once.
//
// The round-trip fixtures set every exported field of every domain type (requireAllSet), so
// a field added to a domain type fails the suite until the stores keep it. The
// SaveMaintenance test changes every field but the ID (requireAllChanged), so a new field
// cannot be left out of the save either; so do the SaveUser, PutPostmortem and PutTemplate
// replace tests.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// Run runs the contract suite. newStore must return a fresh, empty, migrated store and
// close it when the test ends (t.Cleanup); the suite may close it first.
func Run(t *testing.T, newStore func(t *testing.T) status.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s status.Store)
	}{
		{"Revision", testRevision},
		{"Groups", testGroups},
		{"Components", testComponents},
		{"ComponentErrors", testComponentErrors},
		{"IDsNeverReused", testIDsNeverReused},
		{"IncidentRoundTrip", testIncidentRoundTrip},
		{"IncidentCreateErrors", testIncidentCreateErrors},
		{"IncidentNotFound", testIncidentNotFound},
		{"IncidentTimeline", testIncidentTimeline},
		{"IncidentsFilter", testIncidentsFilter},
		{"IncidentsChangedSince", testIncidentsChangedSince},
		{"IncidentsInvalidFilter", testIncidentsInvalidFilter},
		{"MaintenanceRoundTrip", testMaintenanceRoundTrip},
		{"MaintenanceCreateErrors", testMaintenanceCreateErrors},
		{"MaintenanceNotFound", testMaintenanceNotFound},
		{"MaintenanceTimeline", testMaintenanceTimeline},
		{"MaintenanceSave", testMaintenanceSave},
		{"MaintenancesFilter", testMaintenancesFilter},
		{"MaintenancesInvalidFilter", testMaintenancesInvalidFilter},
		{"MaintenancesMany", testMaintenancesMany},
		{"MaintenanceReadYourWrites", testMaintenanceReadYourWrites},
		{"APIKeys", testAPIKeys},
		{"Idempotency", testIdempotency},
		{"Audit", testAudit},
		{"DeviceRoundTrip", testDeviceRoundTrip},
		{"DeviceTokens", testDeviceTokens},
		{"DeviceTokensModel", testDeviceTokensModel},
		{"DevicesPaging", testDevicesPaging},
		{"DeleteDevices", testDeleteDevices},
		{"JobRoundTrip", testJobRoundTrip},
		{"ClaimJobs", testClaimJobs},
		{"ClaimJobsConcurrent", testClaimJobsConcurrent},
		{"SaveJob", testSaveJob},
		{"SaveJobAfterLeaseLost", testSaveJobAfterLeaseLost},
		{"JobsFilter", testJobsFilter},
		{"SupersedeJobs", testSupersedeJobs},
		{"DeleteJobsBefore", testDeleteJobsBefore},
		{"ExtendLeases", testExtendLeases},
		{"NextJobDue", testNextJobDue},
		{"JobBacklog", testJobBacklog},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"WebhookDeliveries", testWebhookDeliveries},
		{"WebhookTokens", testWebhookTokens},
		{"DeleteUnconfirmedWebhooks", testDeleteUnconfirmedWebhooks},
		{"UserRoundTrip", testUserRoundTrip},
		{"UserCreateErrors", testUserCreateErrors},
		{"UserSave", testUserSave},
		{"Sessions", testSessions},
		{"PostmortemRoundTrip", testPostmortemRoundTrip},
		{"PostmortemErrors", testPostmortemErrors},
		{"PostmortemsOrder", testPostmortemsOrder},
		{"Templates", testTemplates},
		{"ConsoleReadYourWrites", testConsoleReadYourWrites},
		{"UptimeDaysRoundTrip", testUptimeDaysRoundTrip},
		{"UptimeDaysRange", testUptimeDaysRange},
		{"UptimeDaysErrors", testUptimeDaysErrors},
		{"UptimeDaysDeleteComponent", testUptimeDaysDeleteComponent},
		{"Signals", testSignals},
		{"SignalErrors", testSignalErrors},
		{"Drafts", testDrafts},
		{"MonitorSettings", testMonitorSettings},
		{"Probes", testProbes},
		{"ProbeMinutes", testProbeMinutes},
		{"MaintenanceChecks", testMaintenanceChecks},
		{"SubscriberRoundTrip", testSubscriberRoundTrip},
		{"SubscribersPaging", testSubscribersPaging},
		{"SubscriberTokens", testSubscriberTokens},
		{"DeleteUnconfirmedSubscribers", testDeleteUnconfirmedSubscribers},
		{"EmailRecipients", testEmailRecipients},
		{"ClaimEmailJobs", testClaimEmailJobs},
		{"WriteRollbackOnError", testWriteRollbackOnError},
		{"WriteRollbackOnPanic", testWriteRollbackOnPanic},
		{"TxUsableAfterError", testTxUsableAfterError},
		{"ReadYourWrites", testReadYourWrites},
		{"ReadSnapshot", testReadSnapshot},
		{"ReadIsReadOnly", testReadIsReadOnly},
		{"ConcurrentWrites", testConcurrentWrites},
		{"ReadNotBlockedByWrite", testReadNotBlockedByWrite},
		{"EndedContext", testEndedContext},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

// base has nanoseconds and a zone other than UTC, so comparisons see that stores truncate
// to microseconds and return UTC.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.FixedZone("KST", 9*60*60))

// stored returns t as a store gives it back.
func stored(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Microsecond).UTC()
}

// write runs fn in a write transaction and fails the test on error.
func write(t *testing.T, s status.Store, fn func(tx status.Tx) error) {
	t.Helper()
	if err := s.Write(wait(t), fn); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// read runs fn in a read transaction and fails the test on error.
func read(t *testing.T, s status.Store, fn func(tx status.Tx) error) {
	t.Helper()
	if err := s.Read(wait(t), fn); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := status.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// check fails the test unless got equals want as a store returns it: want's times are
// compared truncated to microseconds and in UTC, and nil and empty slices are equal.
func check(t *testing.T, what string, got, want any) {
	t.Helper()
	var diffs []string
	diff("", reflect.ValueOf(got), reflect.ValueOf(want), &diffs)
	if len(diffs) > 0 {
		t.Errorf("%s differs:\n\t%s", what, strings.Join(diffs, "\n\t"))
	}
}

var timeType = reflect.TypeFor[time.Time]()

func diff(path string, got, want reflect.Value, out *[]string) {
	if !got.IsValid() || !want.IsValid() {
		if got.IsValid() != want.IsValid() {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
		}
		return
	}
	if got.Type() != want.Type() {
		*out = append(*out, fmt.Sprintf("%s: got type %s, want %s", path, got.Type(), want.Type()))
		return
	}
	if got.Type() == timeType {
		g, w := got.Interface().(time.Time), stored(want.Interface().(time.Time))
		if !g.Equal(w) || g.Location() != w.Location() {
			*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, g.Format(time.RFC3339Nano+" MST"), w.Format(time.RFC3339Nano+" MST")))
		}
		return
	}
	switch got.Kind() {
	case reflect.Pointer, reflect.Interface:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, fmtValue(got), fmtValue(want)))
			}
			return
		}
		diff(path, got.Elem(), want.Elem(), out)
	case reflect.Struct:
		for i := range got.NumField() {
			if f := got.Type().Field(i); f.IsExported() {
				diff(path+"."+f.Name, got.Field(i), want.Field(i), out)
			}
		}
	case reflect.Slice:
		if got.Len() != want.Len() {
			*out = append(*out, fmt.Sprintf("%s: got %d elements %+v, want %d %+v", path, got.Len(), got, want.Len(), want))
			return
		}
		for i := range got.Len() {
			diff(fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i), out)
		}
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: got %#v, want %#v", path, got.Interface(), want.Interface()))
		}
	}
}

// notYetStored lists domain fields the stores do not persist yet, as Type.Field. Remove a
// name once both stores keep the field and the suite's full fixtures give it a value.
var notYetStored = map[string]bool{}

// requireAllSet fails the test if a "full" fixture leaves an exported field at its zero
// value, so a field added to a domain type cannot go unstored without the suite noticing.
// It descends into nested structs, pointers to structs and the first element of slices.
func requireAllSet(t *testing.T, fixture any) {
	t.Helper()
	var zero []string
	zeroFields(reflect.Indirect(reflect.ValueOf(fixture)), &zero)
	if len(zero) > 0 {
		t.Errorf("fixture %T leaves %s unset: give every field a value so the round trip "+
			"covers it, and store any new field (see notYetStored)", fixture, strings.Join(zero, ", "))
	}
}

func zeroFields(v reflect.Value, out *[]string) {
	typ := v.Type()
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := typ.Name() + "." + f.Name
		if !f.IsExported() || notYetStored[name] {
			continue
		}
		fv := v.Field(i)
		// An empty list or map round-trips nothing either.
		if fv.IsZero() || (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0 {
			*out = append(*out, name)
			continue
		}
		switch {
		case fv.Kind() == reflect.Struct && fv.Type() != timeType:
			zeroFields(fv, out)
		case fv.Kind() == reflect.Pointer && fv.Elem().Kind() == reflect.Struct && fv.Elem().Type() != timeType:
			zeroFields(fv.Elem(), out)
		case fv.Kind() == reflect.Slice && fv.Index(0).Kind() == reflect.Struct:
			zeroFields(fv.Index(0), out)
		}
	}
}

// requireAllChanged fails the test unless every exported field of the struct after differs
// from the one in before, but the fields named in keep: a test of an update method then
// covers a field added to the domain type, once the full fixture sets it.
func requireAllChanged(t *testing.T, before, after any, keep ...string) {
	t.Helper()
	b, a := reflect.Indirect(reflect.ValueOf(before)), reflect.Indirect(reflect.ValueOf(after))
	var same []string
	for i := range a.NumField() {
		f := a.Type().Field(i)
		if !f.IsExported() || slices.Contains(keep, f.Name) {
			continue
		}
		if reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			same = append(same, f.Name)
		}
	}
	if len(same) > 0 {
		t.Errorf("fixture %T leaves %s unchanged: change every field so the update covers it",
			after, strings.Join(same, ", "))
	}
}

func fmtValue(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	return fmt.Sprintf("%+v", v.Elem())
}

// ids returns the ids of incs, in order.
func ids(incs []status.Incident) []string {
	out := make([]string, len(incs))
	for i, inc := range incs {
		out[i] = inc.ID
	}
	return out
}

// noCall is a Read or Write fn that fails the test if it runs.
func noCall(t *testing.T) func(status.Tx) error {
	return func(status.Tx) error {
		t.Error("fn ran, want it not called")
		return nil
	}
}

// wait returns the context for one store call: a store that deadlocks fails the test
// instead of hanging the run.
func wait(t *testing.T) context.Context { return timeout(t, 30*time.Second) }

// timeout returns a context that ends after d or with the test.
func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

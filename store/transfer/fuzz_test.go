package transfer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
	"github.com/candorstatus/candor/store/transfer"
)

// smallState is one of most kinds of record, without the demo history (a seed the fuzzer
// can mutate quickly): a group and components, an incident resolved with a postmortem, a
// maintenance with pre-checks, monitoring settings, a probe, a device, API keys, a user and
// the audit log they leave.
func smallState(f *testing.F) []byte {
	f.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, f.TempDir()+"/seed.db")
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	status.BcryptCost = bcrypt.MinCost
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	svc := status.NewService(st, clock, nil)
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "seed", Addr: "192.0.2.1"}}
	must := func(err error) {
		f.Helper()
		if err != nil {
			f.Fatal(err)
		}
	}
	for _, c := range []string{"login", "messenger"} {
		_, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: c, Name: lang.Text{KO: c + " 서비스", EN: c}, Group: lang.Same("Core")})
		must(err)
	}
	inc, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Text{KO: "로그인 장애", EN: "Login down"}, Message: lang.In(lang.Korean, "다운."),
		Components: map[string]status.ComponentStatus{"login": status.MajorOutage}, AnnouncedETA: clock.Now().Add(10 * time.Minute),
		Cause: status.CausePower, Notify: true})
	must(err)
	clock.Advance(time.Hour)
	_, err = svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed.")})
	must(err)
	_, err = svc.SavePostmortem(ctx, op, inc.ID, status.PostmortemInput{Cause: lang.Same("Power."), Impact: lang.Same("All logins."), Timeline: lang.Same("10:00 down"),
		Publish: true, Actions: []status.FollowUp{{Title: lang.Same("Second feed"), Owner: "ops", DueDate: clock.Now().AddDate(0, 0, 7)}}})
	must(err)
	_, err = svc.ScheduleMaintenance(ctx, op, status.MaintenanceInput{Title: lang.Same("DB"), Message: lang.Same("Upgrade."), Components: []string{"messenger"},
		ScheduledFor: clock.Now().Add(2 * time.Hour), ScheduledUntil: clock.Now().Add(3 * time.Hour), Notify: true, AutoComplete: true,
		PreChecks: []string{"Backup verified"}})
	must(err)
	_, err = svc.SaveMonitorSettings(ctx, op, status.MonitorSettings{ComponentID: "login", AutoPublishAfter: 5 * time.Minute, Sparkline: true})
	must(err)
	_, err = svc.CreateProbe(ctx, op, "login", status.ProbeInput{Kind: status.ProbeHTTP, Target: "https://login.example.com/healthz", Interval: 30 * time.Second})
	must(err)
	_, _, err = svc.RegisterDevice(ctx, op, status.DeviceInput{Token: "token-aaaaaaaaaaaaaaaaaaaaaaaa", Platform: status.IOS, Locale: "ko",
		Components: []string{"messenger"}})
	must(err)
	_, _, err = svc.CreateAPIKey(ctx, op, "ci", status.ScopeWrite)
	must(err)
	_, err = svc.CreateUser(ctx, op, "alice", status.RoleEditor, "correct horse battery")
	must(err)
	var b bytes.Buffer
	if _, err := transfer.Export(ctx, st, &b, clock.Now()); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

// FuzzRoundTrip imports arbitrary streams into an empty store. Whatever Import accepts must
// survive the round trip that moves a real installation between stores: its export imports
// into another empty store without error, and that store exports the same records (audit
// ids aside: each store numbers its own log) at a revision no lower.
func FuzzRoundTrip(f *testing.F) {
	f.Add(smallState(f))
	for _, s := range []string{
		`{"format":"candor-export","version":1,"exported_at":"2026-11-22T09:00:00Z","revision":3}
{"kind":"component","data":{"ID":"api","Name":"API","Description":"","GroupID":"","Position":0,"Status":"operational","Showcase":true}}
{"kind":"incident","data":{"ID":"i1","Title":"Login fails","Impact":"major","Status":"investigating","StartedAt":"2026-11-22T08:00:00Z","CreatedAt":"2026-11-22T08:00:00Z","UpdatedAt":"2026-11-22T08:30:00Z","Updates":[{"ID":"u1","IncidentID":"i1","Kind":"staff","Status":"investigating","Message":"Down.","CreatedAt":"2026-11-22T08:00:00Z","Components":[{"ComponentID":"api","Name":"API","OldStatus":"operational","NewStatus":"major_outage"}]}]}}
{"kind":"template","data":{"ID":"t1","Name":"Power","Cause":"power","Impact":"critical","TitleKO":"전원 장애","TitleEN":"Power failure","MessageKO":"복구 중입니다.","MessageEN":"Recovering."}}
`,
		`{"format":"candor-export","version":2,"exported_at":"2026-11-22T09:00:00Z","revision":0}`,
		`{"format":"candor-export","version":2}` + "\n" + `{"kind":"group","data":{"ID":"g","Name":{"ko":"그룹","en":"Group"}}}`,
		`{"format":"candor-export","version":2}` + "\n" + `{"kind":"component","data":{}}`,
		`{"format":"other","version":1}`, ``,
		// Regression: Import bumped the revision one by one up to the header's; this one hung.
		`{"format":"candor-export","version":2,"revision":4611686018427387903}`, `{"format":"candor-export","version":2,"revision":4611686018427387904}`,
		`{"format":"candor-export","version":2,"revision":9223372036854775807}`, `{"format":"candor-export","version":2,"revision":-5}`,
	} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, stream []byte) {
		a := openSQLite(t)
		if _, err := transfer.Import(ctx, a, bytes.NewReader(stream)); err != nil {
			return // refused: the command reports the error
		}
		var ea, eb bytes.Buffer
		if _, err := transfer.Export(ctx, a, &ea, now); err != nil {
			t.Fatalf("an imported state does not export: %v", err)
		}
		var ha, hb struct{ Revision int64 }
		_ = json.NewDecoder(bytes.NewReader(ea.Bytes())).Decode(&ha)
		b := openSQLite(t)
		if _, err := transfer.Import(ctx, b, bytes.NewReader(ea.Bytes())); err != nil {
			if ha.Revision > transfer.MaxRevision {
				return // the one export Import refuses: a revision past the bound it accepted
			}
			t.Fatalf("an export does not import: %v\n%.3000s", err, ea.Bytes())
		}
		if _, err := transfer.Export(ctx, b, &eb, now); err != nil {
			t.Fatalf("second export: %v", err)
		}
		ra, rb := records(t, ea.Bytes()), records(t, eb.Bytes())
		if len(ra) != len(rb) {
			t.Fatalf("%d records out, %d back", len(ra), len(rb))
		}
		for i := range ra {
			if ra[i] != rb[i] {
				t.Fatalf("record %d changed in the round trip:\n%s\n%s", i, ra[i], rb[i])
			}
		}
		_ = json.NewDecoder(bytes.NewReader(eb.Bytes())).Decode(&hb)
		if hb.Revision < ha.Revision {
			t.Fatalf("revision went back from %d to %d", ha.Revision, hb.Revision)
		}
	})
}

package transfer_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"golang.org/x/crypto/bcrypt"

	"github.com/candorstatus/candor/demo"
	"github.com/candorstatus/candor/eta/estimator"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/postgres"
	"github.com/candorstatus/candor/store/postgres/pgtest"
	"github.com/candorstatus/candor/store/sqlite"
	"github.com/candorstatus/candor/store/transfer"
)

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// richState fills st through the Service with one of everything Candor keeps.
func richState(t *testing.T, st status.Store) {
	t.Helper()
	ctx := context.Background()
	status.BcryptCost = bcrypt.MinCost
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	svc := status.NewService(st, clock, nil)
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test", Addr: "192.0.2.1"}}
	if _, err := demo.Seed(ctx, svc, 60); err != nil {
		t.Fatal(err)
	}
	f := estimator.New(st, clock, nil)
	if err := f.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	svc.SetEstimator(f)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	inc, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Text{KO: "로그인 장애", EN: "Login down"}, Message: lang.In(lang.Korean, "다운."),
		Components: map[string]status.ComponentStatus{"login": status.MajorOutage}, AnnouncedETA: clock.Now().Add(10 * time.Minute),
		Cause: status.CausePower, Notify: true})
	must(err)
	clock.Advance(time.Hour)
	_, err = svc.CheckMissedETAs(ctx)
	must(err)
	_, err = svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed.")})
	must(err)
	_, err = svc.SavePostmortem(ctx, op, inc.ID, status.PostmortemInput{Cause: lang.Same("Power."), Impact: lang.Same("All logins."), Timeline: lang.Same("10:00 down"),
		Publish: true, Actions: []status.FollowUp{{Title: lang.Same("Second feed"), Owner: "ops", DueDate: clock.Now().AddDate(0, 0, 7)}}})
	must(err)
	m, err := svc.ScheduleMaintenance(ctx, op, status.MaintenanceInput{Title: lang.Same("DB"), Message: lang.Same("Upgrade."), Components: []string{"messenger"},
		ScheduledFor: clock.Now().Add(2 * time.Hour), ScheduledUntil: clock.Now().Add(3 * time.Hour), Notify: true, AutoComplete: true,
		PreChecks: []string{"Backup verified", "Rollback rehearsed"}})
	must(err)
	checks, err := svc.MaintenanceChecks(ctx, m.ID)
	must(err)
	_, err = svc.TickMaintenanceCheck(ctx, op, m.ID, checks[0].ID, true)
	must(err)
	_, err = svc.SaveMonitorSettings(ctx, op, status.MonitorSettings{ComponentID: "login", AutoPublishAfter: 5 * time.Minute, Sparkline: true})
	must(err)
	p, err := svc.CreateProbe(ctx, op, "login", status.ProbeInput{Kind: status.ProbeHTTP, Target: "https://login.example.com/healthz",
		BodyContains: "ok", CertMinDays: 14, Interval: 30 * time.Second})
	must(err)
	_, err = svc.RecordProbeResults(ctx, []status.ProbeResult{{ProbeID: p.ID, At: clock.Now(), OK: false, Latency: time.Second, Error: "timeout"}})
	must(err)
	_, _, err = svc.RegisterDevice(ctx, op, status.DeviceInput{Token: "token-aaaaaaaaaaaaaaaaaaaaaaaa", Platform: status.IOS, Locale: "ko",
		Components: []string{"messenger", "login"}})
	must(err)
	_, err = svc.AddSubscriber(ctx, op, status.SubscribeInput{Email: "ada@example.com", Lang: "en", Components: []string{"messenger", "login"}})
	must(err)
	_, err = svc.SubscribeEmail(ctx, status.SubscribeInput{Email: "bob@example.com", Lang: "ko"})
	must(err)
	_, _, err = svc.CreateAPIKey(ctx, op, "old", status.ScopeRead)
	must(err)
	must(svc.RevokeAPIKey(ctx, op, "old"))
	_, _, err = svc.CreateAPIKey(ctx, op, "old", status.ScopeAdmin)
	must(err)
	u, err := svc.CreateUser(ctx, op, "alice", status.RoleEditor, "correct horse battery")
	must(err)
	disabled := true
	_, err = svc.UpdateUser(ctx, op, u.ID, status.UserPatch{Disabled: &disabled})
	must(err)
	must(svc.SeedTemplates(ctx))
	must(st.Write(ctx, func(tx status.Tx) error {
		return tx.PutWebhookEndpoint(&status.WebhookEndpoint{ID: "wh1", URL: "https://hooks.example.com/candor",
			Components: []string{"login"}, Events: []status.WebhookEvent{status.EventIncidentCreated}, Lang: "ko",
			Format: status.FormatStatuspage, Secret: status.NewWebhookSecret(), CreatedAt: clock.Now(), UpdatedAt: clock.Now(),
			// Subscribed from the page and confirmed: who it is and whom it tells move with it.
			Public: true, ContactEmail: "ops@example.com", ConfirmSentAt: clock.Now(), ConfirmedAt: clock.Now().Add(time.Minute)})
	}))
}

// records returns the stream's lines without the header and with audit ids dropped (the
// target numbers its own log).
func records(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		l := sc.Text()
		if strings.HasPrefix(l, `{"kind":"audit"`) {
			var v map[string]any
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatal(err)
			}
			delete(v["data"].(map[string]any), "ID")
			raw, _ := json.Marshal(v)
			l = string(raw)
		}
		out = append(out, l)
	}
	return out
}

// RoundTrip exports src, imports into dst, exports dst and compares every record.
func RoundTrip(t *testing.T, src, dst status.Store) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var a, b bytes.Buffer
	stats, err := transfer.ExportWith(ctx, src, &a, now, transfer.Options{IncludeSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"group", "component", "monitoring", "probe", "incident", "maintenance", "maintenance_checks", "device",
		"subscriber", "webhook", "apikey", "user", "template", "postmortem", "audit"} {
		if stats[k] == 0 {
			t.Fatalf("export has no %s records: %v", k, stats)
		}
	}
	if _, err := transfer.Import(ctx, dst, bytes.NewReader(a.Bytes())); err != nil {
		t.Fatal(err)
	}
	if _, err := transfer.ExportWith(ctx, dst, &b, now, transfer.Options{IncludeSecrets: true}); err != nil {
		t.Fatal(err)
	}
	ra, rb := records(t, a.Bytes()), records(t, b.Bytes())
	if len(ra) != len(rb) {
		t.Fatalf("%d records out, %d back", len(ra), len(rb))
	}
	for i := range ra {
		if ra[i] != rb[i] {
			t.Fatalf("record %d changed in transfer:\n%s\n%s", i, ra[i], rb[i])
		}
	}
	var rs, rd int64
	_ = src.Read(ctx, func(tx status.Tx) error { rs, _ = tx.Revision(); return nil })
	_ = dst.Read(ctx, func(tx status.Tx) error { rd, _ = tx.Revision(); return nil })
	if rd <= rs {
		t.Fatalf("target revision %d not past the source's %d", rd, rs)
	}
	if _, err := transfer.Import(ctx, dst, bytes.NewReader(a.Bytes())); !errors.Is(err, transfer.ErrNotEmpty) {
		t.Fatalf("import into a non-empty store: %v", err)
	}
}

func TestRoundTripSQLite(t *testing.T) {
	src, dst := openSQLite(t), openSQLite(t)
	richState(t, src)
	RoundTrip(t, src, dst)
}

func TestImportRejectsGarbage(t *testing.T) {
	ctx := context.Background()
	for _, in := range []string{``, `{"format":"other","version":1}`, `{"format":"candor-export","version":1}` + "\n" + `{"kind":"alien","data":{}}`,
		`{"format":"candor-export","version":1}` + "\n" + `{"kind":"component","data":{}}` + "\n" + `{"kind":"group","data":{}}`} {
		if _, err := transfer.Import(ctx, openSQLite(t), strings.NewReader(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

// TestRoundTripThroughPostgreSQL moves a state SQLite → PostgreSQL → SQLite and checks every
// record survives both ways.
func TestRoundTripThroughPostgreSQL(t *testing.T) {
	dbURL := pgtest.NewSchema(t)
	pg, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	src := openSQLite(t)
	richState(t, src)
	RoundTrip(t, src, pg)
	RoundTrip(t, pg, openSQLite(t))
}

// TestImportVersion1 reads a stream written before texts were per language: strings become
// every language's text, templates' per-language fields carry over, and Candor's own
// automatic entries ("Korean line, English line") are split.
func TestImportVersion1(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "candor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stream := `{"format":"candor-export","version":1,"exported_at":"2026-11-22T09:00:00Z","revision":3}
{"kind":"component","data":{"ID":"api","Name":"API","Description":"","GroupID":"","Position":0,"Status":"operational","Showcase":true}}
{"kind":"incident","data":{"ID":"i1","Title":"Login fails","Impact":"major","Status":"investigating","StartedAt":"2026-11-22T08:00:00Z","CreatedAt":"2026-11-22T08:00:00Z","UpdatedAt":"2026-11-22T08:30:00Z","Updates":[{"ID":"u1","IncidentID":"i1","Kind":"staff","Status":"investigating","Message":"Down.","CreatedAt":"2026-11-22T08:00:00Z","Components":[{"ComponentID":"api","Name":"API","OldStatus":"operational","NewStatus":"major_outage"}]},{"ID":"u2","IncidentID":"i1","Kind":"system","Status":"investigating","Message":"시각이 지났습니다.\nThe time passed.","CreatedAt":"2026-11-22T08:30:00Z"}]}}
{"kind":"template","data":{"ID":"t1","Name":"Power","Cause":"power","Impact":"critical","TitleKO":"전원 장애","TitleEN":"Power failure","MessageKO":"복구 중입니다.","MessageEN":"Recovering."}}
`
	if _, err := transfer.Import(ctx, st, strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	st.Read(ctx, func(tx status.Tx) error {
		inc, err := tx.Incident("i1")
		if err != nil {
			t.Fatal(err)
		}
		if inc.Title != lang.Same("Login fails") || inc.Updates[0].Message != lang.Same("Down.") || inc.Updates[0].Components[0].Name != lang.Same("API") {
			t.Errorf("incident %+v", inc)
		}
		if got := inc.Updates[1].Message; got != (lang.Text{KO: "시각이 지났습니다.", EN: "The time passed."}) {
			t.Errorf("automatic entry %+v", got)
		}
		ts, err := tx.Templates()
		if err != nil || len(ts) != 1 || ts[0].Title != (lang.Text{KO: "전원 장애", EN: "Power failure"}) || ts[0].Message.EN != "Recovering." {
			t.Errorf("templates %+v %v", ts, err)
		}
		return nil
	})
}

// Without --include-secrets no secret leaves the store, and the imported webhook waits,
// disabled, with a fresh secret of its own.
func TestWebhookSecretsStayUnlessAsked(t *testing.T) {
	src, dst := openSQLite(t), openSQLite(t)
	richState(t, src)
	ctx := context.Background()
	var secret string
	_ = src.Read(ctx, func(tx status.Tx) error {
		e, err := tx.WebhookEndpoint("wh1")
		if err == nil {
			secret = e.Secret
		}
		return err
	})
	var out bytes.Buffer
	if _, err := transfer.Export(ctx, src, &out, time.Now()); err != nil {
		t.Fatal(err)
	}
	if secret == "" || strings.Contains(out.String(), secret) || strings.Contains(out.String(), "whsec_") {
		t.Fatal("the export carries the webhook secret")
	}
	if _, err := transfer.Import(ctx, dst, &out); err != nil {
		t.Fatal(err)
	}
	_ = dst.Read(ctx, func(tx status.Tx) error {
		e, err := tx.WebhookEndpoint("wh1")
		if err != nil {
			t.Fatal(err)
		}
		if !e.Disabled() || e.Secret == secret || !strings.HasPrefix(e.Secret, "whsec_") {
			t.Errorf("imported webhook: disabled %v, secret changed %v", e.Disabled(), e.Secret != secret)
		}
		if !e.Public || e.ContactEmail != "ops@example.com" || e.ConfirmedAt.IsZero() || e.ConfirmSentAt.IsZero() {
			t.Errorf("imported webhook lost who subscribed it: public %v, contact %q, confirmed %v, confirmation sent %v",
				e.Public, e.ContactEmail, e.ConfirmedAt, e.ConfirmSentAt)
		}
		return nil
	})
}

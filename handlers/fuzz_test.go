package handlers_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// Fuzz targets for what strangers and monitoring systems send (go test -fuzz; README
// "Fuzzing"). Each input goes through the real echo instance and en.do, so every exchange is
// also held to openapi.yaml (checkContract): a body the description refuses must be refused,
// and every answer must be documented. On top of that each target asserts:
//   - no input gives a 5xx: the answer is 2xx, or a 4xx with the {"error": …} shape that leaks
//     no internals;
//   - a refused write changes nothing;
//   - an accepted write is there when read back, and the public snapshot still builds (a bad
//     record must never freeze the page: issue 18, defect 1).
//
// The env is built once per fuzzing process (opening SQLite per input would leave little
// time for inputs); en.t is each input's T.

// fuzzEnv is newEnv for a fuzz target, with two components and a signal key.
func fuzzEnv(f *testing.F) (*env, string) {
	f.Helper()
	st, err := sqlite.Open(context.Background(), f.TempDir()+"/candor.db")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	en := newEnvOn(f, st)
	for _, c := range [][2]string{{"api", "API"}, {"web", "Web"}} {
		if _, err := en.svc.CreateComponent(context.Background(), status.Op{Actor: status.System},
			status.ComponentInput{ID: c[0], Name: lang.Same(c[1]), Group: lang.Same("Core")}); err != nil {
			f.Fatal(err)
		}
	}
	key, _, err := en.svc.CreateAPIKey(context.Background(), status.Op{Actor: status.System}, "alertmanager", status.ScopeSignal)
	if err != nil {
		f.Fatal(err)
	}
	return en, key
}

// answered asserts what every answer must be: below 500, JSON, and a 4xx in the error shape.
// It reports whether the request was accepted.
func answered(t *testing.T, r resp, body []byte) bool {
	t.Helper()
	if r.Code >= 500 || r.Code < 200 || r.Code >= 300 && r.Code < 400 {
		t.Fatalf("status %d for body %q: %s", r.Code, body, r.Body.String())
	}
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q for body %q", ct, body)
	}
	if r.Code >= 400 {
		r.apiError()
		return false
	}
	r.json()
	return true
}

// stillServes asserts that the staff list and the public snapshot still answer: no accepted
// record may break either.
func (en *env) stillServes() {
	en.t.Helper()
	en.do("GET", "/api/v1/incidents", en.read, nil).want(200)
	en.do("GET", "/api/v2/summary.json", "", nil).want(200)
	if snap := en.holder.Current(); snap == nil {
		en.t.Fatal("no snapshot")
	}
}

func (en *env) revision() int64 { return en.holder.Current().Revision }

// readBackFields are the fields of an incident that must read back as they were answered.
var readBackFields = []string{"id", "title", "impact", "status", "cause", "users_affected_percent", "started_at", "components", "announced_eta"}

func sameFields(t *testing.T, what string, got, want map[string]any, fields []string) {
	t.Helper()
	for _, k := range fields {
		g, _ := json.Marshal(got[k])
		w, _ := json.Marshal(want[k])
		if string(g) != string(w) {
			t.Fatalf("%s: %s reads back as %s, answered %s", what, k, g, w)
		}
	}
}

func FuzzIncidentCreate(f *testing.F) {
	for _, s := range []string{
		`{"title":"API down","impact":"major","status":"investigating","message":"Looking.","components":{"api":"major_outage"}}`,
		`{"title":{"ko":"메시지 지연","en":"Messages delayed"},"impact":"minor","message":{"ko":"확인 중","en":"Checking"},"components":{"api":"degraded_performance","web":"partial_outage"},"cause":"power","users_affected_percent":12.5,"notify":false}`,
		`{"title":"t","impact":"none","status":"identified","message":"m","announced_eta":"2026-11-22T10:00:00Z","started_at":"2026-11-22T08:30:00+09:00"}`,
		`{"title":"NaN","impact":"major","message":"m","users_affected_percent":"NaN"}`,
		`{"title":"big","impact":"major","message":"m","users_affected_percent":1e309}`,
		`{"title":"a\u0000b","impact":"major","message":"m"}`,
		`{"title":"t","impact":"critical","message":"m","started_at":"1970-01-01T00:00:00Z"}`,
		`{"title":"t","impact":"major","message":"m","components":{"nope":"major_outage"}}`,
		`{"title":"t","impact":"major","message":"m"} {}`,
		`{"title":"t","unknown":1}`,
		`[]`, `null`, `"x"`, ``, `{`,
	} {
		f.Add([]byte(s))
	}
	en, _ := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		en.t = t
		before, n := en.revision(), en.countIncidents()
		r := en.do("POST", "/api/v1/incidents", en.write, body)
		if !answered(t, r, body) {
			if en.revision() != before || en.countIncidents() != n {
				t.Fatalf("a refused create (%d) changed the store: %q", r.Code, body)
			}
			return // unchanged, so it still serves as before
		}
		if r.Code != 201 {
			t.Fatalf("create answered %d", r.Code)
		}
		made := r.json()
		id, _ := made["id"].(string)
		got := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).want(200).json()
		sameFields(t, "created incident", got, made, readBackFields)
		if en.countIncidents() != n+1 {
			t.Fatalf("one create made %d incidents", en.countIncidents()-n)
		}
		en.stillServes()
	})
}

func FuzzIncidentUpdate(f *testing.F) {
	for _, s := range []string{
		`{"status":"identified","message":"Found it."}`,
		`{"status":"monitoring","message":{"ko":"지켜보는 중","en":"Watching"},"components":{"api":"operational"},"notify":false}`,
		`{"status":"resolved","message":"Fixed.","components":{"api":"operational"}}`,
		`{"status":"resolved","message":"Fixed.","components":{"api":"major_outage"}}`,
		`{"status":"investigating","impact":"critical","message":"Worse.","announced_eta":"2026-11-22T12:00:00+09:00"}`,
		`{"status":"identified","message":"m","announced_eta":"1970-01-01T00:00:00Z"}`,
		`{"status":"identified","message":"\u001b[31m"}`,
		`{"status":"identified","message":""}`,
		`{"status":"identified","message":{"ko":""}}`,
		`{"status":7}`, `{}`, `{"message":"m","components":[]}`,
	} {
		f.Add([]byte(s))
	}
	en, _ := fuzzEnv(f)
	path := "" // the open incident inputs update; a new one once it is resolved
	f.Fuzz(func(t *testing.T, body []byte) {
		en.t = t
		var was map[string]any
		if path != "" {
			was = en.do("GET", path, en.read, nil).want(200).json()
		}
		if path == "" || was["status"] == "resolved" {
			inc := en.do("POST", "/api/v1/incidents", en.write,
				`{"title":"API down","impact":"major","message":"Looking.","components":{"api":"major_outage"},"notify":false}`).want(201).json()
			path = "/api/v1/incidents/" + inc["id"].(string)
			was = en.do("GET", path, en.read, nil).want(200).json()
		}
		before := en.revision()
		r := en.do("POST", path+"/updates", en.write, body)
		now := en.do("GET", path, en.read, nil).want(200).json()
		if !answered(t, r, body) {
			if en.revision() != before {
				t.Fatalf("a refused update (%d) changed the store: %q", r.Code, body)
			}
			sameFields(t, "refused update", now, was, append(readBackFields, "updates"))
			return // unchanged, so it still serves as before
		}
		if len(now["updates"].([]any)) != len(was["updates"].([]any))+1 {
			t.Fatalf("an accepted update left %d updates (had %d): %q", len(now["updates"].([]any)), len(was["updates"].([]any)), body)
		}
		sameFields(t, "updated incident", now, r.json(), readBackFields)
		en.stillServes()
	})
}

// signalCount is how many signals the store holds.
func (en *env) signalCount() int {
	en.t.Helper()
	list, err := en.svc.Signals(context.Background(), status.SignalFilter{})
	if err != nil {
		en.t.Fatal(err)
	}
	return len(list)
}

// signalsStillRun asserts that the signal job digests whatever was accepted.
func (en *env) signalsStillRun() {
	en.t.Helper()
	if _, _, err := en.svc.RunSignals(context.Background()); err != nil {
		en.t.Fatalf("the signal job fails after an accepted signal: %v", err)
	}
	en.stillServes()
}

func FuzzAlertmanager(f *testing.F) {
	files, _ := filepath.Glob("testdata/alertmanager/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Down","candor_component":"api","candor_status":"major_outage"},"startsAt":"2026-11-22T08:59:00Z"}]}`,
		`{"version":"4","alerts":[{"status":"resolved","labels":{"candor_component":"web"},"startsAt":"2026-11-22T08:00:00Z","endsAt":"2026-11-22T08:50:00Z","fingerprint":"abc"}]}`,
		`{"version":"4","alerts":[{"status":"firing","labels":{"candor_component":"nope"}},{"status":"odd","labels":{}}]}`,
		`{"version":"4","alerts":[{"status":"firing","labels":{"candor_component":"api","candor_status":"melted"},"startsAt":"0001-01-01T00:00:00Z"}]}`,
		`{"version":"4","truncatedAlerts":3,"alerts":[{"status":"firing","labels":{"candor_component":" api "},"startsAt":"9999-12-31T23:59:59Z"}]}`,
		`{"version":"3","alerts":[]}`, `{"version":"4","alerts":[]}`, `{"version":"4","alerts":[{"startsAt":"yesterday"}]}`,
	} {
		f.Add([]byte(s))
	}
	en, key := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		en.t = t
		n := en.signalCount()
		r := en.do("POST", "/api/v1/integrations/alertmanager", key, body)
		if !answered(t, r, body) {
			if en.signalCount() != n {
				t.Fatalf("a refused payload (%d) recorded signals: %q", r.Code, body)
			}
			return // unchanged, so it still serves as before
		}
		var sent struct {
			Alerts    []json.RawMessage `json:"alerts"`
			Truncated int               `json:"truncatedAlerts"`
		}
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatalf("accepted a payload that is not JSON: %v: %q", err, body)
		}
		got := r.json()
		results, _ := got["results"].([]any)
		if got["received"] != float64(len(sent.Alerts)) || len(results) != len(sent.Alerts) || got["truncated_alerts"] != float64(sent.Truncated) {
			t.Fatalf("%d alerts (truncated %d) answered %s", len(sent.Alerts), sent.Truncated, r.Body.String())
		}
		for _, res := range results {
			m := res.(map[string]any)
			if k, _ := m["key"].(string); !strings.HasPrefix(k, "alertmanager:") || m["result"] == "" {
				t.Fatalf("result %v", m)
			}
		}
		en.signalsStillRun()
	})
}

func FuzzSignal(f *testing.F) {
	for _, s := range []string{
		`{"component":"api","status":"major_outage","source":"grafana","summary":"5xx above 5%"}`,
		`{"component":"web","status":"degraded_performance","source":"datadog","dedup_key":"web-latency","started_at":"2026-11-22T08:55:00+09:00"}`,
		`{"component":"api","source":"grafana","resolved":true}`,
		`{"component":"nope","status":"major_outage","source":"x"}`,
		`{"component":"api","status":"melted","source":"x"}`,
		`{"component":"api","status":"major_outage","source":"x","started_at":"1970-01-01T00:00:00Z"}`,
		`{"component":"api","status":"major_outage","source":"\u0000","summary":"\r\n"}`,
		`{"component":"api","extra":true}`, `{}`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	en, key := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		en.t = t
		n := en.signalCount()
		r := en.do("POST", "/api/v1/integrations/signal", key, body)
		if !answered(t, r, body) {
			if en.signalCount() != n {
				t.Fatalf("a refused signal (%d) was recorded: %q", r.Code, body)
			}
			return // unchanged, so it still serves as before
		}
		got := r.json()
		k, _ := got["key"].(string)
		if got["result"] == status.SignalUnknown { // a resolution of a signal never seen firing
			if en.signalCount() != n {
				t.Fatalf("resolving an unknown signal recorded one: %q", body)
			}
			return
		}
		found := false
		for _, s := range en.do("GET", "/api/v1/signals", en.read, nil).want(200).json()["signals"].([]any) {
			if s.(map[string]any)["key"] == k {
				found = true
			}
		}
		if !found {
			t.Fatalf("accepted signal %q is not listed: %q", k, body)
		}
		en.signalsStillRun()
	})
}

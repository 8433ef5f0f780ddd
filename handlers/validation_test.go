package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// TestNonFiniteShareRefused (issue 18, defect 1): the console's new-incident form with
// users_affected_percent NaN or ±Infinity answers 422 and stores nothing, on both stores —
// before, PostgreSQL stored NaN (and every later snapshot build failed) and SQLite stored
// NULL. The page and the incident list keep working.
func TestNonFiniteShareRefused(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		ed := en.signedIn("mina", status.RoleEditor, "203.0.113.9")
		for _, v := range []string{"NaN", "nan", "Infinity", "-Inf", "+inf", "1e999", "abc", "101"} {
			r := ed.post("/admin/incidents/new", url.Values{"title": {"Search is slow"}, "message": {"Looking."},
				"users_affected_percent": {v}, "action": {"post"}})
			if r.Code != http.StatusUnprocessableEntity {
				t.Errorf("users_affected_percent=%s: status %d, want 422", v, r.Code)
			}
		}
		if n := en.countIncidents(); n != 0 {
			t.Fatalf("%d incidents stored from refused forms", n)
		}
		// JSON has no NaN; a number too large for a float64 is malformed, not Infinity.
		code, fields := en.do("POST", "/api/v1/incidents", en.write,
			`{"title": "T", "message": "M", "users_affected_percent": 1e999}`).want(http.StatusBadRequest).apiError()
		if code != "bad_request" || fields["users_affected_percent"] == nil {
			t.Errorf("1e999 in JSON: %s %v", code, fields)
		}
		en.do("GET", "/api/v1/incidents", en.read, nil).want(http.StatusOK)
		en.do("GET", "/api/v2/summary.json", "", nil).want(http.StatusOK)
	})
}

// TestControlCharactersRefused (issue 18, defect 7): NUL, escape sequences and line
// breaks in titles, names and API key names, and control characters other than line feeds
// and tabs in messages, answer 422 naming the field.
func TestControlCharactersRefused(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", ""})
	for _, tc := range []struct {
		name, path, key, field string
		body                   map[string]any
	}{
		{"NUL in a title", "/api/v1/incidents", en.write, "title",
			map[string]any{"title": "Down\x00\x00\x00", "message": "Looking."}},
		{"escape in a title", "/api/v1/incidents", en.write, "title",
			map[string]any{"title": "\x1b[2J\x1b[1;1HAll good", "message": "Looking."}},
		{"line feed in a title", "/api/v1/incidents", en.write, "title",
			map[string]any{"title": "Down\nResolved: all fine", "message": "Looking."}},
		{"carriage return in a title", "/api/v1/incidents", en.write, "title",
			map[string]any{"title": "Down\rFine", "message": "Looking."}},
		{"escape in a message", "/api/v1/incidents", en.write, "message",
			map[string]any{"title": "Down", "message": "Looking\x1b[31m."}},
		{"lone carriage return in a message", "/api/v1/incidents", en.write, "message",
			map[string]any{"title": "Down", "message": "Looking.\rFine."}},
		{"NUL in a component name", "/api/v1/components", en.admin, "name",
			map[string]any{"name": "Se\x00arch"}},
		{"escape in a group", "/api/v1/components", en.admin, "group",
			map[string]any{"name": "Chat", "group": "\x1b]0;owned\x07"}},
		{"line feed in an API key name", "/api/v1/keys", en.admin, "name",
			map[string]any{"name": "ci\nadmin  admin  2026-01-01", "scope": "read"}},
		{"escape in an API key name", "/api/v1/keys", en.admin, "name",
			map[string]any{"name": "ci\x1b[8m", "scope": "read"}},
		{"DEL in a maintenance title", "/api/v1/maintenances", en.write, "title",
			map[string]any{"title": "DB\x7f", "message": "Upgrade.", "scheduled_for": en.clock.Now().Add(time.Hour).Format(time.RFC3339),
				"scheduled_until": en.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, fields := en.do("POST", tc.path, tc.key, tc.body).want(http.StatusUnprocessableEntity).apiError()
			if code != "invalid" || !strings.Contains(fieldText(fields, tc.field), "must not contain") {
				t.Errorf("%s: code %s, fields %v; want %s to be refused", tc.name, code, fields, tc.field)
			}
		})
	}
	if n := en.countIncidents(); n != 0 {
		t.Fatalf("%d incidents stored from refused requests", n)
	}
	// Messages keep their lines and tabs (and a browser's CR LF).
	en.do("POST", "/api/v1/incidents", en.write,
		map[string]any{"title": "Search is slow", "message": "Looking.\n\n\tStep 1.\r\nStep 2."}).want(http.StatusCreated)
}

func fieldText(fields map[string]any, name string) string {
	s, _ := fields[name].(string)
	return s
}

// TestTimeAndDurationBounds (issue 18, defect 7): times before 2000, a restoration
// promised more than 30 days ahead, maintenance more than a year ahead and reminders
// shorter than a second answer 422 naming the field.
func TestTimeAndDurationBounds(t *testing.T) {
	en := newEnv(t)
	now := en.clock.Now()
	rfc := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	maint := func(m map[string]any) map[string]any {
		out := map[string]any{"title": "DB upgrade", "message": "Upgrade.", "scheduled_for": rfc(time.Hour),
			"scheduled_until": rfc(2 * time.Hour)}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		name, path, field string
		body              map[string]any
	}{
		{"started in 1970", "/api/v1/incidents", "started_at",
			map[string]any{"title": "T", "message": "M", "started_at": "1970-01-01T00:00:00Z"}},
		{"started in 1999", "/api/v1/incidents", "started_at",
			map[string]any{"title": "T", "message": "M", "started_at": "1999-12-31T23:59:59Z"}},
		{"announced 40 days ahead", "/api/v1/incidents", "announced_eta",
			map[string]any{"title": "T", "message": "M", "announced_eta": rfc(40 * 24 * time.Hour)}},
		{"maintenance in two years", "/api/v1/maintenances", "scheduled_for",
			maint(map[string]any{"scheduled_for": rfc(2 * 365 * 24 * time.Hour), "scheduled_until": rfc(2*365*24*time.Hour + time.Hour)})},
		{"maintenance ending in two years", "/api/v1/maintenances", "scheduled_until",
			maint(map[string]any{"scheduled_until": rfc(2 * 365 * 24 * time.Hour)})},
		{"reminder of 1ns", "/api/v1/maintenances", "remind_before", maint(map[string]any{"remind_before": []string{"1ns"}})},
		{"reminder of 999ms", "/api/v1/maintenances", "remind_before", maint(map[string]any{"remind_before": []string{"999ms"}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, fields := en.do("POST", tc.path, en.write, tc.body).want(http.StatusUnprocessableEntity).apiError()
			if code != "invalid" || fields[tc.field] == nil {
				t.Errorf("code %s, fields %v; want %s refused", code, fields, tc.field)
			}
		})
	}
	en.do("POST", "/api/v1/maintenances", en.write, maint(map[string]any{"remind_before": []string{"1s"}})).want(http.StatusCreated)
	en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "T", "message": "M",
		"started_at": "2000-01-01T00:00:00Z", "announced_eta": rfc(29 * 24 * time.Hour)}).want(http.StatusCreated)
}

// TestHugePage (issue 18, defect 7): a page number past any history is a clean 422 in the
// API (not a negative offset reaching the store) and an empty page in the console.
func TestHugePage(t *testing.T) {
	en := newEnv(t)
	for _, p := range []string{"9223372036854775807", "1000001", "4611686018427387904"} {
		code, fields := en.do("GET", "/api/v1/incidents?page="+p, en.read, nil).want(http.StatusUnprocessableEntity).apiError()
		if code != "invalid" || fields["page"] == nil {
			t.Errorf("page=%s: %s %v", p, code, fields)
		}
	}
	en.do("GET", "/api/v1/incidents?page=1000000", en.read, nil).want(http.StatusOK)
	ed := en.signedIn("mina", status.RoleViewer, "203.0.113.9")
	ed.get("/admin/incidents?page=9223372036854775807").want(http.StatusOK)
	en.do("GET", "/history?page=9223372036854775807", "", nil).want(http.StatusNotFound)
}

// TestInvalidUTF8Refused (attack run 2): a JSON body with bytes that are not UTF-8, or a
// \u escape of half a surrogate pair, answers 400 and stores nothing — before, encoding/json
// replaced either with U+FFFD and the incident was stored with a title other than the one
// sent. A whole escaped pair and plain UTF-8 still work, and a backslash-escaped backslash
// before "ud800" is text, not an escape.
func TestInvalidUTF8Refused(t *testing.T) {
	en := newEnv(t)
	for _, body := range []string{
		"{\"title\": \"Search \xff\xfe slow\", \"message\": \"Looking.\"}",
		"{\"title\": \"Search slow\", \"message\": \"Looking \xc3.\"}",
		`{"title": "Search \ud800 slow", "message": "Looking."}`,
		`{"title": "Search \udc00 slow", "message": "Looking."}`,
		`{"title": "Search \ud800\u0041 slow", "message": "Looking."}`,
		`{"title": "Search slow", "message": "Looking \uD83D"}`,
	} {
		code, _ := en.do("POST", "/api/v1/incidents", en.write, body).want(http.StatusBadRequest).apiError()
		if code != "bad_request" {
			t.Errorf("%q: code %s, want bad_request", body, code)
		}
	}
	// The same through the integrations' looser decoder.
	en.do("POST", "/api/v1/integrations/signal", en.write,
		"{\"key\": \"dd:x\", \"component\": \"search\", \"status\": \"major_outage\", \"summary\": \"\xff\"}").
		want(http.StatusBadRequest).apiError()
	if n := en.countIncidents(); n != 0 {
		t.Fatalf("%d incidents stored from refused bodies", n)
	}
	r := en.do("POST", "/api/v1/incidents", en.write,
		`{"title": "Search \ud83d\udd0d slow \\ud800", "message": "검색이 느립니다."}`).want(http.StatusCreated).json()
	if got := textIn(r["title"], "en"); got != `Search 🔍 slow \ud800` {
		t.Errorf("title %q", got)
	}
}

// TestComponentPositionBounded (attack run 2): a position beyond status.MaxPosition answers
// 422 on both stores. Before, SQLite stored 2^63-1 and the next component's place ("after
// the last one") overflowed to -2^63; PostgreSQL answered 500 for 2^31, and after 2^31-1
// every new component failed with 500.
func TestComponentPositionBounded(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Chat"}).want(http.StatusCreated)
		for _, body := range []string{`{"position": 9223372036854775807}`, `{"position": 2147483648}`, `{"position": 1000001}`} {
			_, fields := en.do("PATCH", "/api/v1/components/chat", en.admin, body).want(http.StatusUnprocessableEntity).apiError()
			if !strings.Contains(fieldText(fields, "position"), "at most") {
				t.Errorf("%s: fields %v", body, fields)
			}
			en.do("POST", "/api/v1/components", en.admin, `{"name": "Voice", `+body[1:]).want(http.StatusUnprocessableEntity)
		}
		r := en.do("PATCH", "/api/v1/components/chat", en.admin, `{"position": 1000000}`).want(http.StatusOK).json()
		if r["position"] != float64(1000000) {
			t.Errorf("position %v", r["position"])
		}
		r = en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Voice"}).want(http.StatusCreated).json()
		if r["position"] != float64(1000000) {
			t.Errorf("next position %v, want 1000000 (the last place)", r["position"])
		}
		en.do("GET", "/api/v2/components.json", "", nil).want(http.StatusOK)
	})
}

// TestTypeErrorsExplained (attack run 2): a body that is not an object, a fraction for a
// count and a number too large for its field get messages a client can act on. Before,
// they read `Field "" must be a string, not array.` and `must be a number, not number 1.5`.
func TestTypeErrorsExplained(t *testing.T) {
	en := newEnv(t)
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Chat"}).want(http.StatusCreated)
	for _, tc := range []struct {
		method, path, key, body, want, field string
	}{
		{"POST", "/api/v1/incidents", en.write, `[1, 2]`, "The request body must be a JSON object, not array.", ""},
		{"POST", "/api/v1/incidents", en.write, `"title"`, "The request body must be a JSON object, not string.", ""},
		{"POST", "/api/v1/integrations/signal", en.write, `[]`, "The request body must be a JSON object, not array.", ""},
		{"PATCH", "/api/v1/components/chat", en.admin, `{"position": 1.5}`, `Field "position" must be a whole number, not 1.5.`, "position"},
		{"PATCH", "/api/v1/components/chat", en.admin, `{"position": 99999999999999999999}`,
			`Field "position" must be a number within range, not 99999999999999999999.`, "position"},
		{"POST", "/api/v1/incidents", en.write, `{"title": "T", "message": "M", "users_affected_percent": 1e400}`,
			`Field "users_affected_percent" must be a number within range, not 1e400.`, "users_affected_percent"},
	} {
		r := en.do(tc.method, tc.path, tc.key, tc.body).want(http.StatusBadRequest)
		_, fields := r.apiError()
		e := r.json()["error"].(map[string]any)
		if e["message"] != tc.want {
			t.Errorf("%s: message %q, want %q", tc.body, e["message"], tc.want)
		}
		if tc.field != "" && fields[tc.field] == nil {
			t.Errorf("%s: fields %v, want %s", tc.body, fields, tc.field)
		}
		if _, ok := fields[""]; ok {
			t.Errorf("%s: a field without a name: %v", tc.body, fields)
		}
	}
}

// TestProbeTextsRefuseControlCharacters (attack run 2): a probe's name, target and
// body_contains with a NUL or an escape sequence answer 422 naming the field on both
// stores, as every other staff-written text does. Before, SQLite stored them (the name
// is shown in the console and in signal summaries; a DNS target "db\x1b.internal" was
// accepted) and PostgreSQL answered 422 "The database cannot store this text" without
// saying which field.
func TestProbeTextsRefuseControlCharacters(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		en.seedComponents([3]string{"search", "Search", ""})
		for _, tc := range []struct{ field, body string }{
			{"name", `{"name": "API\u0000", "kind": "http", "target": "https://search.example.com/healthz"}`},
			{"name", `{"name": "API\u001b[2J", "kind": "dns", "target": "search.example.com"}`},
			{"target", `{"name": "DNS", "kind": "dns", "target": "search\u001b.example.com"}`},
			{"target", `{"name": "TCP", "kind": "tcp", "target": "db\u0000.internal:5432"}`},
			{"body_contains", `{"name": "API", "kind": "http", "target": "https://search.example.com/healthz", "body_contains": "o\u0000k"}`},
		} {
			_, fields := en.do("POST", "/api/v1/components/search/probes", en.admin, tc.body).want(http.StatusUnprocessableEntity).apiError()
			if !strings.Contains(fieldText(fields, tc.field), "control characters") {
				t.Errorf("%s: fields %v, want %s refused", tc.body, fields, tc.field)
			}
		}
		if ps := get[[]any](t, en.do("GET", "/api/v1/components/search/probes", en.read, nil).want(200).json(), "probes"); len(ps) != 0 {
			t.Errorf("%d probes stored from refused requests", len(ps))
		}
		en.do("POST", "/api/v1/components/search/probes", en.admin,
			`{"name": "API", "kind": "http", "target": "https://search.example.com/healthz", "body_contains": "\"status\":\t\"ok\""}`).want(201)
	})
}

// TestPreCheckControlCharacters (attack run 2): a maintenance pre-check item with a NUL or
// an escape sequence answers 422 naming pre_checks on both stores. Before, SQLite stored it
// and PostgreSQL answered "The database cannot store this text" without a field.
func TestPreCheckControlCharacters(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		now := en.clock.Now()
		for _, item := range []string{"Back up\x00", "Drain \x1b[2Jtraffic"} {
			_, fields := en.do("POST", "/api/v1/maintenances", en.write, map[string]any{"title": "DB upgrade", "message": "Upgrade.",
				"scheduled_for": now.Add(time.Hour).Format(time.RFC3339), "scheduled_until": now.Add(2 * time.Hour).Format(time.RFC3339),
				"pre_checks": []string{"Announce", item}}).want(http.StatusUnprocessableEntity).apiError()
			if !strings.Contains(fieldText(fields, "pre_checks"), "control characters") {
				t.Errorf("%q: fields %v", item, fields)
			}
		}
		if ms := get[[]any](t, en.do("GET", "/api/v1/maintenances", en.read, nil).want(200).json(), "maintenances"); len(ms) != 0 {
			t.Errorf("%d maintenances stored from refused requests", len(ms))
		}
	})
}

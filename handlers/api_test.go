package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func TestAuthAndScopes(t *testing.T) {
	en := newEnv(t)
	tests := []struct {
		name, method, path, key string
		body                    any
		want                    int
		code                    string
	}{
		{"no key", "GET", "/api/v1/components", "", nil, 401, "unauthorized"},
		{"bad key", "GET", "/api/v1/components", "cnd_notarealkey", nil, 401, "unauthorized"},
		{"not a candor key", "GET", "/api/v1/incidents", "hello", nil, 401, "unauthorized"},
		{"read can read", "GET", "/api/v1/incidents", en.read, nil, 200, ""},
		{"read cannot post", "POST", "/api/v1/incidents", en.read, map[string]any{"title": "x", "message": "y"}, 403, "forbidden"},
		{"write cannot manage components", "POST", "/api/v1/components", en.write, map[string]any{"name": "API"}, 403, "forbidden"},
		{"write cannot list keys", "GET", "/api/v1/keys", en.write, nil, 403, "forbidden"},
		{"admin lists keys", "GET", "/api/v1/keys", en.admin, nil, 200, ""},
		{"unknown endpoint", "GET", "/api/v1/nope", en.read, nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := en.do(tt.method, tt.path, tt.key, tt.body).want(tt.want)
			if tt.code != "" {
				if code, _ := r.apiError(); code != tt.code {
					t.Fatalf("code %q, want %q", code, tt.code)
				}
			}
		})
	}
	t.Run("revoked key", func(t *testing.T) {
		r := en.do("POST", "/api/v1/keys", en.admin, map[string]any{"name": "temp", "scope": "read"}).want(201)
		secret := get[string](t, r.json(), "key")
		en.do("GET", "/api/v1/incidents", secret, nil).want(200)
		en.do("DELETE", "/api/v1/keys/temp", en.admin, nil).want(204)
		en.do("GET", "/api/v1/incidents", secret, nil).want(401)
		list := en.do("GET", "/api/v1/keys", en.admin, nil).want(200).Body.String()
		if strings.Contains(list, secret) || strings.Contains(list, status.HashAPIKey(secret)) {
			t.Fatal("key list shows a secret or its hash")
		}
	})
}

func TestComponentsAPI(t *testing.T) {
	en := newEnv(t)
	r := en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "Message delivery", "group": "Messaging",
		"description": "Chat"}).want(201).json()
	if r["id"] != "message-delivery" || !sameText(r["group"], "Messaging") || !sameText(r["name"], "Message delivery") || r["status"] != "operational" {
		t.Fatalf("created %v; want id derived from the name, the group, operational", r)
	}
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": "login", "name": "Login", "group": "messaging"}).want(201)
	code, fields := en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": "login", "name": "Other"}).want(409).apiError()
	if code != "conflict" || fields["id"] == nil {
		t.Fatalf("duplicate id: %s %v", code, fields)
	}
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": ""}).want(422)
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "X", "status": "broken"}).want(422)
	en.do("POST", "/api/v1/components", en.admin, map[string]any{"name": "X", "id": "Bad Id"}).want(422)

	list := get[[]any](t, en.do("GET", "/api/v1/components", en.read, nil).want(200).json(), "components")
	if len(list) != 2 {
		t.Fatalf("%d components, want 2", len(list))
	}
	if g := list[1].(map[string]any)["group_id"]; g != list[0].(map[string]any)["group_id"] {
		t.Fatal("a group named with different case became two groups")
	}
	p := en.do("PATCH", "/api/v1/components/login", en.admin, map[string]any{"status": "degraded_performance", "name": "Log-in"}).want(200).json()
	if p["status"] != "degraded_performance" || !sameText(p["name"], "Log-in") {
		t.Fatalf("patch: %v", p)
	}
	en.do("PATCH", "/api/v1/components/nope", en.admin, map[string]any{"name": "x"}).want(404)
	en.do("GET", "/api/v1/components/login", en.read, nil).want(200)
	en.do("DELETE", "/api/v1/components/login", en.admin, nil).want(204)
	en.do("GET", "/api/v1/components/login", en.read, nil).want(404)
	en.do("DELETE", "/api/v1/components/login", en.admin, nil).want(404)
}

func TestIncidentLifecycle(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", "Messaging"}, [3]string{"login", "Login", "Accounts"})
	eta := en.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{
		"title": "Messages delayed", "impact": "major", "status": "investigating", "message": "Looking into it.",
		"components":    map[string]string{"messenger": "partial_outage", "login": "degraded_performance"},
		"announced_eta": eta, "cause": "power", "users_affected_percent": 80,
	}).want(201).json()
	id := get[string](t, inc, "id")
	if inc["status"] != "investigating" || inc["impact"] != "major" || inc["cause"] != "power" || inc["users_affected_percent"] != 80.0 {
		t.Fatalf("created incident: %v", inc)
	}
	if got := get[string](t, inc, "announced_eta"); !sameTime(got, eta) {
		t.Fatalf("announced_eta %s, want %s", got, eta)
	}
	if e, ok := inc["eta"].(map[string]any); !ok || e["missed"] != false {
		t.Fatalf("open incident needs an eta object: %v", inc["eta"])
	}
	if len(get[[]any](t, inc, "updates")) != 1 || len(get[[]any](t, inc, "components")) != 2 {
		t.Fatalf("updates/components: %v", inc)
	}
	comp := en.do("GET", "/api/v1/components/messenger", en.read, nil).want(200).json()
	if comp["status"] != "partial_outage" {
		t.Fatalf("component status %v, want partial_outage set by the incident", comp["status"])
	}

	// A second incident also holds login.
	other := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Login slow", "message": "Slow logins.",
		"components": map[string]string{"login": "partial_outage"}}).want(201).json()
	if other["impact"] != "major" {
		t.Fatalf("impact derived from components = %v, want major (partial outage)", other["impact"])
	}

	en.clock.Advance(30 * time.Minute)
	u := en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "identified",
		"message": "Power failure found."}).want(201).json()
	if u["status"] != "identified" || u["identified_at"] == nil || len(get[[]any](t, u, "updates")) != 2 {
		t.Fatalf("after update: %v", u)
	}
	en.clock.Advance(30 * time.Minute)
	res := en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved",
		"message": "All good."}).want(201).json()
	if res["status"] != "resolved" || res["resolved_at"] == nil || res["eta"] != nil {
		t.Fatalf("resolved: status %v resolved_at %v eta %v", res["status"], res["resolved_at"], res["eta"])
	}
	last := get[[]any](t, res, "updates")[2].(map[string]any)
	if len(get[[]any](t, last, "components")) != 2 {
		t.Fatalf("resolving must record components returning to operational: %v", last)
	}
	for id, want := range map[string]string{"messenger": "operational", "login": "partial_outage"} {
		got := en.do("GET", "/api/v1/components/"+id, en.read, nil).want(200).json()["status"]
		if got != want {
			t.Errorf("%s = %v after resolution, want %s (login still held by the other incident)", id, got, want)
		}
	}
	code, _ := en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": "late"}).want(409).apiError()
	if code != "conflict" {
		t.Fatalf("update to resolved incident: %s", code)
	}

	all := en.do("GET", "/api/v1/incidents", en.read, nil).want(200).json()
	if all["total"] != 2.0 {
		t.Fatalf("total %v", all["total"])
	}
	open := get[[]any](t, en.do("GET", "/api/v1/incidents?status=open", en.read, nil).want(200).json(), "incidents")
	resolved := get[[]any](t, en.do("GET", "/api/v1/incidents?status=resolved", en.read, nil).want(200).json(), "incidents")
	if len(open) != 1 || len(resolved) != 1 || resolved[0].(map[string]any)["id"] != id {
		t.Fatalf("filters: %d open, %d resolved", len(open), len(resolved))
	}
	en.do("GET", "/api/v1/incidents?status=bogus", en.read, nil).want(400)
	en.do("GET", "/api/v1/incidents?page=0", en.read, nil).want(400)
	if got := get[[]any](t, en.do("GET", "/api/v1/incidents?page=2", en.read, nil).want(200).json(), "incidents"); len(got) != 0 {
		t.Fatalf("page 2 has %d incidents", len(got))
	}
	got := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).want(200).json()
	ups := get[[]any](t, got, "updates")
	if ups[0].(map[string]any)["status"] != "investigating" || ups[2].(map[string]any)["status"] != "resolved" {
		t.Fatal("updates must be oldest first")
	}
	en.do("GET", "/api/v1/incidents/nope", en.read, nil).want(404)
}

func sameTime(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339, a)
	tb, err2 := time.Parse(time.RFC3339, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

func TestBadInputLeavesNothing(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", ""})
	ok := func() map[string]any {
		return map[string]any{"title": "t", "message": "m", "components": map[string]string{"messenger": "major_outage"}}
	}
	with := func(k string, v any) map[string]any { m := ok(); m[k] = v; return m }
	past := en.clock.Now().Add(-time.Minute).Format(time.RFC3339)
	tests := []struct {
		name  string
		body  any
		want  int
		field string
	}{
		{"malformed json", `{"title": "x",`, 400, ""},
		{"not an object", `[1,2]`, 400, ""},
		{"empty body", ``, 400, ""},
		{"trailing garbage", `{"title":"t","message":"m"} x`, 400, ""},
		{"unknown field", with("severity", "high"), 400, "severity"},
		{"wrong type", with("title", 5), 400, "title"},
		{"bad impact", with("impact", "huge"), 422, "impact"},
		{"bad status", with("status", "fixed"), 422, "status"},
		{"bad component status", with("components", map[string]string{"messenger": "down"}), 422, "components.messenger"},
		{"unknown component", with("components", map[string]string{"nope": "major_outage"}), 422, "components"},
		{"empty title", with("title", "  "), 422, "title"},
		{"title too long", with("title", strings.Repeat("가", 201)), 422, "title"},
		{"empty message", with("message", ""), 422, "message"},
		{"message too long", with("message", strings.Repeat("m", 10001)), 422, "message"},
		{"announced in the past", with("announced_eta", past), 422, "announced_eta"},
		{"announced not a time", with("announced_eta", "4pm"), 422, "announced_eta"},
		{"bad cause", with("cause", "aliens"), 422, "cause"},
		{"share over 100", with("users_affected_percent", 120), 422, "users_affected_percent"},
		{"body over 64 KiB", with("message", strings.Repeat("m", 70<<10)), 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := en.do("POST", "/api/v1/incidents", en.write, tt.body).want(tt.want)
			_, fields := r.apiError()
			if tt.field != "" && fields[tt.field] == nil {
				t.Fatalf("error does not name field %q: %s", tt.field, r.Body.String())
			}
			if n := en.countIncidents(); n != 0 {
				t.Fatalf("%d incidents exist after a rejected request", n)
			}
			if c := en.do("GET", "/api/v1/components/messenger", en.read, nil).json()["status"]; c != "operational" {
				t.Fatalf("component changed to %v by a rejected request", c)
			}
		})
	}
	t.Run("update with unknown component leaves the incident as it was", func(t *testing.T) {
		id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, ok()).want(201).json(), "id")
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": "x",
			"components": map[string]string{"ghost": "operational"}}).want(422)
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": ""}).want(422)
		got := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).json()
		if len(get[[]any](t, got, "updates")) != 1 {
			t.Fatal("a rejected update was stored")
		}
		en.do("POST", "/api/v1/incidents/missing/updates", en.write, map[string]any{"message": "x"}).want(404)
	})
}

func TestIdempotencyKey(t *testing.T) {
	en := newEnv(t)
	body := map[string]any{"title": "Outage", "message": "Investigating."}
	first := en.do("POST", "/api/v1/incidents", en.write, body, "Idempotency-Key", "abc-1").want(201)
	again := en.do("POST", "/api/v1/incidents", en.write, body, "Idempotency-Key", "abc-1").want(201)
	if first.Body.String() != again.Body.String() {
		t.Fatalf("replay differs:\n%s\n%s", first.Body.String(), again.Body.String())
	}
	if again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatal("replay not marked")
	}
	if n := en.countIncidents(); n != 1 {
		t.Fatalf("%d incidents after a retried POST, want 1", n)
	}
	code, _ := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Other", "message": "x"},
		"Idempotency-Key", "abc-1").want(409).apiError()
	if code != "conflict" {
		t.Fatalf("code %s", code)
	}
	// Another client may use the same key string for its own request.
	secret, _, err := en.svc.CreateAPIKey(context.Background(), status.Op{}, "second-writer", status.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	en.do("POST", "/api/v1/incidents", secret, map[string]any{"title": "Other", "message": "x"}, "Idempotency-Key", "abc-1").want(201)
	// Updates too.
	id := get[string](t, first.json(), "id")
	up := map[string]any{"message": "Still looking."}
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, up, "Idempotency-Key", "u-1").want(201)
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, up, "Idempotency-Key", "u-1").want(201)
	if n := len(get[[]any](t, en.do("GET", "/api/v1/incidents/"+id, en.read, nil).json(), "updates")); n != 2 {
		t.Fatalf("%d updates after a retried update, want 2", n)
	}
}

// TestRevokeKeyWithEscapedName (attack run 2): a key whose name holds '/' or '%' is revoked
// through the API and the console by its escaped name. Before, the API looked for
// "ci%2Fdeploy" (Echo hands a parameter over still escaped when the path has an escape
// its default encoding lacks) and the console answered 404 for "50%off" (unescaping a
// name Echo had already unescaped). "." and "..", which no URL path can carry, are refused.
func TestRevokeKeyWithEscapedName(t *testing.T) {
	en := newEnv(t)
	secrets := map[string]string{}
	for _, name := range []string{"ci/deploy", "50%off", "a%2Fb", "ops/50%"} {
		r := en.do("POST", "/api/v1/keys", en.admin, map[string]any{"name": name, "scope": "read"}).want(http.StatusCreated).json()
		secrets[name] = r["key"].(string)
	}
	en.do("DELETE", "/api/v1/keys/"+url.PathEscape("ci/deploy"), en.admin, nil).want(http.StatusNoContent)
	en.do("DELETE", "/api/v1/keys/"+url.PathEscape("50%off"), en.admin, nil).want(http.StatusNoContent)
	admin := en.signedIn("ada", status.RoleAdmin, "203.0.113.9")
	for _, name := range []string{"a%2Fb", "ops/50%"} {
		admin.post("/admin/keys/"+url.PathEscape(name)+"/revoke", nil).want(http.StatusSeeOther)
	}
	for name, secret := range secrets {
		if r := en.do("GET", "/api/v1/incidents", secret, nil); r.Code != http.StatusUnauthorized {
			t.Errorf("key %q still works after its revocation: %d", name, r.Code)
		}
	}
	for _, name := range []string{".", ".."} {
		_, fields := en.do("POST", "/api/v1/keys", en.admin, map[string]any{"name": name, "scope": "read"}).
			want(http.StatusUnprocessableEntity).apiError()
		if fields["name"] == nil {
			t.Errorf("name %q: fields %v", name, fields)
		}
	}
}

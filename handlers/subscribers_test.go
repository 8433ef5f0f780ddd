package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/candorstatus/candor/status"
)

func TestSubscribersAPI(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messages", "Messages", ""}, [3]string{"login", "Login", ""})

	// Admin scope only.
	en.do("GET", "/api/v1/subscribers", en.write, nil).want(http.StatusForbidden)
	en.do("POST", "/api/v1/subscribers", en.write, map[string]any{"email": "a@example.com", "lang": "en"}).want(http.StatusForbidden)

	sub := en.do("POST", "/api/v1/subscribers", en.admin, map[string]any{"email": "Ada@Example.com", "lang": "en", "components": []string{"messages"}}).
		want(http.StatusCreated).json()
	if sub["email"] != "ada@example.com" || sub["confirmed_at"] == nil || sub["added_by"] != "admin-key" {
		t.Fatalf("added subscriber = %v; want normalised, confirmed, added by the key", sub)
	}
	en.do("POST", "/api/v1/subscribers", en.admin, map[string]any{"email": "ada@example.com", "lang": "en"}).want(http.StatusConflict)
	en.do("POST", "/api/v1/subscribers", en.admin, map[string]any{"email": "nope", "lang": "en"}).want(http.StatusUnprocessableEntity)
	en.do("POST", "/api/v1/subscribers", en.admin, map[string]any{"email": "b@example.com", "lang": "en", "components": []string{"db"}}).
		want(http.StatusUnprocessableEntity)

	csv := "email,lang,components\nbo@example.com,ko,messages login\nada@example.com,en,\nnot-an-address,en,\ncy@example.com,,\n"
	res := en.do("POST", "/api/v1/subscribers/import", en.admin, csv, "Content-Type", "text/csv").want(http.StatusOK).json()
	if res["added"] != float64(2) || res["existing"] != float64(1) || len(res["problems"].([]any)) != 1 {
		t.Fatalf("import = %v", res)
	}
	if p := res["problems"].([]any)[0].(map[string]any); p["row"] != float64(3) {
		t.Errorf("problem row = %v, want 3", p["row"])
	}
	en.do("POST", "/api/v1/subscribers/import", en.admin, csv).want(http.StatusBadRequest) // not text/csv

	list := en.do("GET", "/api/v1/subscribers?limit=2", en.admin, nil).want(http.StatusOK).json()
	if subs := list["subscribers"].([]any); len(subs) != 2 || list["next"] == "" {
		t.Fatalf("first page = %v", list)
	}
	rest := en.do("GET", "/api/v1/subscribers?limit=2&after="+url.QueryEscape(list["next"].(string)), en.admin, nil).want(http.StatusOK).json()
	if subs := rest["subscribers"].([]any); len(subs) != 1 || rest["next"] != "" {
		t.Fatalf("second page = %v", rest)
	}
	en.do("GET", "/api/v1/subscribers?limit=0", en.admin, nil).want(http.StatusBadRequest)

	counts := en.do("GET", "/api/v1/subscribers/counts", en.admin, nil).want(http.StatusOK).json()
	want := map[string]float64{"*": 1, "messages": 2, "login": 1}
	for _, c := range counts["counts"].([]any) {
		m := c.(map[string]any)
		if want[m["component_id"].(string)] != m["count"] {
			t.Errorf("count of %v = %v, want %v", m["component_id"], m["count"], want[m["component_id"].(string)])
		}
	}

	en.do("DELETE", "/api/v1/subscribers/"+sub["id"].(string), en.admin, nil).want(http.StatusNoContent)
	en.do("DELETE", "/api/v1/subscribers/"+sub["id"].(string), en.admin, nil).want(http.StatusNotFound)
	es, err := en.svc.Audit(t.Context(), 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Action != "subscriber.remove" || strings.Contains(es[0].Detail, "ada@") || es[1].Action != "subscriber.import" {
		t.Errorf("audit = %+v; want remove (address redacted) after import", es[:2])
	}
}

// TestSubscribePagesInBothLanguages: the subscription pages are friendly pages in the
// reader's language, and a bad link is explained, not a stack of errors.
func TestSubscribePagesInBothLanguages(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messages", "Messages", ""})
	for _, tc := range []struct{ lang, heading, invalid string }{
		{"en", "Get incidents by email", "This link does not work any more"},
		{"ko", "장애 소식 메일로 받기", "더 이상 유효하지 않은 링크입니다"},
	} {
		body := en.do("GET", "/subscribe?lang="+tc.lang, "", nil).want(http.StatusOK).Body.String()
		if !strings.Contains(body, tc.heading) || !strings.Contains(body, `value="messages"`) {
			t.Errorf("%s subscribe page:\n%s", tc.lang, body)
		}
		for _, path := range []string{"/subscription?token=nope&lang=", "/unsubscribe?token=nope&lang="} {
			method := "GET"
			if strings.HasPrefix(path, "/unsubscribe") {
				method = "POST"
			}
			r := en.do(method, path+tc.lang, "", nil).want(http.StatusNotFound)
			if !strings.Contains(r.Body.String(), tc.invalid) {
				t.Errorf("%s %s: %s", method, path, r.Body.String())
			}
			if r.Header().Get("Referrer-Policy") != "no-referrer" || r.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("%s: a page with a token in its URL must not leak it: %v", path, r.Header())
			}
		}
	}
}

func TestConsoleSubscribersPage(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messages", "Messages", ""})
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	ctx := t.Context()
	for _, in := range []status.SubscribeInput{{Email: "ada@example.com", Lang: "en", Components: []string{"messages"}}, {Email: "bo@example.com", Lang: "ko"}} {
		if _, err := en.svc.AddSubscriber(ctx, op, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := en.store.Write(ctx, func(tx status.Tx) error {
		sub, err := tx.SubscriberByEmail("bo@example.com")
		if err != nil {
			return err
		}
		sub.Bounces, sub.LastBounce = 3, "550 5.1.1 no such user"
		return tx.PutSubscriber(sub)
	}); err != nil {
		t.Fatal(err)
	}
	editor := en.signedIn("eddie", status.RoleEditor, "198.51.100.7:1")
	editor.get("/admin/subscribers").want(http.StatusForbidden)
	b := en.signedIn("ann", status.RoleAdmin, "198.51.100.8:1")
	d := page(t, b.get("/admin/subscribers").want(http.StatusOK))
	if got := text(d, `[data-testid=subscriber-count][data-component=messages]`); !strings.Contains(got, "Messages") || !strings.Contains(got, "1") {
		t.Errorf("messages count row %q", got)
	}
	row := text(d, "[data-testid=bouncing-row]")
	if !strings.Contains(row, "bo@example.com") || !strings.Contains(row, "mail stopped") || !strings.Contains(row, "550") {
		t.Errorf("bouncing row %q", row)
	}

	// Add one address, then import a CSV: confirmed, audited, reported.
	if r := b.post("/admin/subscribers", url.Values{"email": {"cy@example.com"}, "lang": {"en"}, "components": {"messages"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("add answered %d: %s", r.Code, r.Body.String())
	}
	r := b.post("/admin/subscribers", url.Values{"email": {"cy@example.com"}, "lang": {"en"}})
	if r.Code != http.StatusConflict || !strings.Contains(text(page(t, r), "[data-testid=subscribers-problem]"), "subscribed already") {
		t.Errorf("adding twice answered %d: %s", r.Code, r.Body.String())
	}
	r = b.post("/admin/subscribers/import", url.Values{"csv": {"dee@example.com,ko,\ncy@example.com,en,\nnope,en,\n"}})
	if got := text(page(t, r.want(http.StatusOK)), "[data-testid=subscribers-notice]"); !strings.Contains(got, "1 added, 1 already subscribed, 1 skipped.") || !strings.Contains(got, "Row 3") {
		t.Errorf("import notice %q", got)
	}
	subs, err := en.svc.Subscribers(ctx, status.SubscriberFilter{Limit: 10})
	if err != nil || len(subs) != 4 {
		t.Fatalf("subscribers = %d, %v; want ada, bo, cy and dee", len(subs), err)
	}
}

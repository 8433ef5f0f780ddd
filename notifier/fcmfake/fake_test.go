package fcmfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// post sends body to path on fake and decodes the JSON answer.
func post(t *testing.T, fake *Server, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	fake.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("answer is not JSON: %q", rec.Body.String())
	}
	return rec.Code, rec.Header(), out
}

const sendPath = "/v1/projects/p1/messages:send"

func msg(fields string) string { return `{"message":{` + fields + `}}` }

func TestSendValidation(t *testing.T) {
	big := strings.Repeat("a", 2100)
	tests := []struct {
		name string
		body string
		code int
	}{
		{"token", msg(`"token":"t1","notification":{"title":"hi"}`), 200},
		{"topic", msg(`"topic":"candor.all.ko"`), 200},
		{"topic with prefix", msg(`"topic":"/topics/candor.all.ko"`), 200},
		{"no target", msg(`"notification":{"title":"hi"}`), 400},
		{"two targets", msg(`"token":"t","topic":"x"`), 400},
		{"bad topic", msg(`"topic":"a b"`), 400},
		{"five topics", msg(`"condition":"'a' in topics || 'b' in topics || 'c' in topics || 'd' in topics || 'e' in topics"`), 200},
		{"six topics", msg(`"condition":"'a' in topics || 'b' in topics || 'c' in topics || 'd' in topics || 'e' in topics || 'f' in topics"`), 400},
		{"reserved data key", msg(`"token":"t","data":{"google.x":"1"}`), 400},
		{"token under 4096", msg(`"token":"t","notification":{"body":"` + big + `"}`), 200},
		{"topic over 2048", msg(`"topic":"x","notification":{"body":"` + big + `"}`), 400},
		{"token over 4096", msg(`"token":"t","notification":{"body":"` + big + big + `"}`), 400},
		{"bad priority", msg(`"token":"t","android":{"priority":"urgent"}`), 400},
		{"bad ttl", msg(`"token":"t","android":{"ttl":"soon"}`), 400},
		{"long web topic", msg(`"token":"t","webpush":{"headers":{"Topic":"` + strings.Repeat("a", 33) + `"}}`), 400},
		{"bad apns priority", msg(`"token":"t","apns":{"headers":{"apns-priority":"7"}}`), 400},
		{"bad label", msg(`"token":"t","fcm_options":{"analytics_label":"a b"}`), 400},
		{"not json", `{`, 400},
	}
	fake := New()
	accepted := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, out := post(t, fake, sendPath, tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %v", code, tt.code, out)
			}
			if code == 200 {
				accepted++
				if name, _ := out["name"].(string); name != fmt.Sprintf("projects/p1/messages/%d", accepted) {
					t.Errorf("name = %q", name)
				}
				return
			}
			e := out["error"].(map[string]any)
			detail := e["details"].([]any)[0].(map[string]any)
			if e["status"] != "INVALID_ARGUMENT" || detail["@type"] != "type.googleapis.com/google.rpc.BadRequest" {
				t.Errorf("error = %v", e)
			}
		})
	}
	if fake.Accepted() != accepted || fake.Requests() != len(tests) {
		t.Errorf("accepted %d of %d requests", fake.Accepted(), fake.Requests())
	}
}

func TestTokenPrefixes(t *testing.T) {
	tests := []struct {
		token, status, code string
		http                int
		retryAfter          string
	}{
		{"unregistered-x", "NOT_FOUND", "UNREGISTERED", 404, ""},
		{"invalid-x", "INVALID_ARGUMENT", "INVALID_ARGUMENT", 400, ""},
		{"mismatch-x", "PERMISSION_DENIED", "SENDER_ID_MISMATCH", 403, ""},
		{"quota-x", "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", 429, "1"},
		{"internal-x", "INTERNAL", "INTERNAL", 500, ""},
		{"authfail-x", "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", 401, ""},
		{"flaky2-x", "UNAVAILABLE", "UNAVAILABLE", 503, ""},
	}
	fake := New()
	for _, tt := range tests {
		code, h, out := post(t, fake, sendPath, msg(`"token":"`+tt.token+`"`))
		e, _ := out["error"].(map[string]any)
		if code != tt.http || e == nil || e["status"] != tt.status || h.Get("Retry-After") != tt.retryAfter {
			t.Errorf("%s: %d %v (Retry-After %q)", tt.token, code, out, h.Get("Retry-After"))
			continue
		}
		d := e["details"].([]any)[0].(map[string]any)
		if d["@type"] != "type.googleapis.com/google.firebase.fcm.v1.FcmError" || d["errorCode"] != tt.code {
			t.Errorf("%s: detail %v", tt.token, d)
		}
	}
	// flaky2 fails twice in all, then succeeds.
	if code, _, _ := post(t, fake, sendPath, msg(`"token":"flaky2-x"`)); code != 503 {
		t.Errorf("second flaky send: %d", code)
	}
	if code, _, _ := post(t, fake, sendPath, msg(`"token":"flaky2-x"`)); code != 200 {
		t.Errorf("third flaky send: %d", code)
	}
}

func TestValidateOnlyAndRecording(t *testing.T) {
	fake := New()
	if code, _, _ := post(t, fake, sendPath, `{"validate_only":true,"message":{"token":"t"}}`); code != 200 {
		t.Fatal(code)
	}
	if code, _, _ := post(t, fake, sendPath, `{"validate_only":true,"message":{"token":"unregistered-t"}}`); code != 404 {
		t.Errorf("dry run of a dead token: %d", code)
	}
	if fake.Accepted() != 0 || len(fake.Messages()) != 0 {
		t.Error("validate_only recorded a delivery")
	}
	fake.RecordBodies(false)
	post(t, fake, sendPath, msg(`"token":"t"`))
	fake.RecordBodies(true)
	post(t, fake, sendPath, msg(`"token":"t2","notification":{"title":"T","body":"B"},"data":{"k":"v"},"android":{"collapse_key":"c","priority":"high","ttl":"90s","notification":{"tag":"c"}}`))
	got := fake.Messages()
	if fake.Accepted() != 2 || len(got) != 1 {
		t.Fatalf("accepted %d, recorded %d", fake.Accepted(), len(got))
	}
	r := got[0]
	if r.Token != "t2" || r.Title != "T" || r.Body != "B" || r.Data["k"] != "v" ||
		r.Android != (Android{CollapseKey: "c", Priority: "high", TTL: 90 * time.Second, TTLSet: true, Tag: "c"}) {
		t.Errorf("recorded %+v", r)
	}
	fake.Reset()
	if fake.Accepted() != 0 || fake.Requests() != 0 || len(fake.Messages()) != 0 {
		t.Error("Reset kept state")
	}
}

func TestFailNext(t *testing.T) {
	fake := New()
	fake.FailNext(2, 503, 2*time.Second)
	for i := range 2 {
		code, h, _ := post(t, fake, sendPath, msg(`"token":"t"`))
		if code != 503 || h.Get("Retry-After") != "2" {
			t.Errorf("request %d: %d, Retry-After %q", i, code, h.Get("Retry-After"))
		}
	}
	if code, _, _ := post(t, fake, sendPath, msg(`"token":"t"`)); code != 200 {
		t.Errorf("after the outage: %d", code)
	}
}

func TestWaitForMessages(t *testing.T) {
	fake := New()
	url, stop := fake.Start()
	defer stop()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			resp, err := http.Post(url+sendPath, "application/json", strings.NewReader(msg(fmt.Sprintf(`"token":"t%d"`, i))))
			if err == nil {
				resp.Body.Close()
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fake.WaitForMessages(ctx, 20); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if err := fake.WaitForMessages(short, 21); err == nil {
		t.Error("WaitForMessages returned before the 21st message")
	}
}

func TestTopicManagement(t *testing.T) {
	fake := New()
	code, _, out := post(t, fake, "/iid/v1:batchAdd", `{"to":"/topics/news","registration_tokens":["a","unregistered-b","invalid-c","d"]}`)
	want := `[map[] map[error:NOT_FOUND] map[error:INVALID_ARGUMENT] map[]]`
	if code != 200 || fmt.Sprint(out["results"]) != want {
		t.Fatalf("batchAdd: %d %v", code, out)
	}
	if got := fake.Subscribers("news"); fmt.Sprint(got) != "[a d]" {
		t.Errorf("subscribers = %v", got)
	}
	post(t, fake, "/iid/v1:batchRemove", `{"to":"/topics/news","registration_tokens":["a"]}`)
	if got := fake.Subscribers("news"); fmt.Sprint(got) != "[d]" {
		t.Errorf("after remove: %v", got)
	}
	many := `"` + strings.TrimSuffix(strings.Repeat(`t","`, 1001), `","`) + `"`
	for _, body := range []string{
		`{"to":"news","registration_tokens":["a"]}`,
		`{"to":"/topics/bad name","registration_tokens":["a"]}`,
		`{"to":"/topics/news","registration_tokens":[]}`,
		`{"to":"/topics/news","registration_tokens":[` + many + `]}`,
	} {
		if code, _, out := post(t, fake, "/iid/v1:batchAdd", body); code != 400 || out["error"] != "INVALID_ARGUMENT" {
			t.Errorf("%.60s: %d %v", body, code, out)
		}
	}
	if fake.TopicRequests() != 6 {
		t.Errorf("topic requests = %d", fake.TopicRequests())
	}
}

package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/fcm"
	"github.com/candorstatus/candor/notifier/fcmfake"
)

// TestDeliveriesWhileFCMIsDown: while FCM does not answer at all, staff reading an update's
// deliveries see each attempt counted, FCM's error and when the next try is due — not
// "pending, attempts 0, last_error null" (issue 18, defect 5) — and once FCM is back the
// push goes out once and the error is cleared.
func TestDeliveriesWhileFCMIsDown(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", "Core"})
	fake := fcmfake.New()
	url, stop := fake.Start()
	t.Cleanup(func() { stop() })
	sender, err := fcm.New(context.Background(), fcm.Config{ProjectID: "candor-test", Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	en.svc.SetNotifier(&notifier.Planner{PageName: lang.Same("Test Status"), PublicURL: "https://status.example.com", Location: en.seoul})
	p := &push{fake: fake, sender: sender}
	tok := token("down", 1)
	en.device(tok, "en", "messenger")
	en.drain(p) // topic subscriptions, while FCM is up

	stop() // FCM is down: connections are refused
	inc := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages delayed", "impact": "major",
		"message": "Looking.", "components": map[string]string{"messenger": "major_outage"}}).want(201).json()
	id := get[string](t, inc, "id")

	jobs := func() []map[string]any {
		t.Helper()
		ups := get[[]any](t, en.do("GET", "/api/v1/incidents/"+id+"/deliveries", en.read, nil).want(200).json(), "updates")
		var out []map[string]any
		for _, j := range ups[0].(map[string]any)["jobs"].([]any) {
			out = append(out, j.(map[string]any))
		}
		if len(out) == 0 {
			t.Fatal("the update has no delivery jobs")
		}
		return out
	}
	for attempt := 1; attempt <= 2; attempt++ {
		en.drain(p)
		for _, j := range jobs() {
			errText, _ := j["last_error"].(string)
			next, _ := j["next_attempt_at"].(string)
			if j["status"] != "pending" || j["attempts"] != float64(attempt) || errText == "" || next == "" {
				t.Fatalf("after %d attempt(s) with FCM down, a job reads %v; want pending, attempts %d, FCM's error and the next try", attempt, j, attempt)
			}
			if !strings.Contains(errText, "refused") && !strings.Contains(errText, "connect") {
				t.Errorf("last_error %q does not say FCM could not be reached", errText)
			}
			due, err := time.Parse(time.RFC3339, next)
			if err != nil || !due.After(en.clock.Now().Add(-time.Second)) {
				t.Fatalf("next_attempt_at %q is not a coming time (now %s)", next, en.clock.Now())
			}
		}
		en.clock.Advance(10 * time.Minute) // past the backoff
	}

	// FCM is back on the same address.
	_, stop2, err := fake.StartOn(strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop2)
	en.drain(p)
	for _, j := range jobs() {
		if j["status"] != "sent" || j["attempts"] != float64(3) || j["last_error"] != nil || j["next_attempt_at"] != nil {
			t.Fatalf("once FCM is back a job reads %v; want sent after 3 attempts, no error, no next try", j)
		}
	}
	if n := len(fake.Messages()); n != 1 {
		t.Fatalf("FCM received %d pushes, want the one", n)
	}
}

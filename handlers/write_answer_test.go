package handlers_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/candorstatus/candor/handlers"
)

// TestWriteAnswersNewestUpdates: the answer to an update lists the newest entries of the
// timeline only (its cost must not grow with the timeline: issue 18), says how long the
// timeline is, and otherwise is what GET says — the range, the standing announced time's
// chance recorded far back, the promises once resolved.
func TestWriteAnswersNewestUpdates(t *testing.T) {
	stores(t, func(t *testing.T, en *env) {
		en.enableForecast()
		created := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Login down", "message": "Investigating.",
			"components": map[string]string{"login": "major_outage"}}).want(201).json()
		id := created["id"].(string)
		if created["updates_total"] != 1.0 || len(get[[]any](t, created, "updates")) != 1 {
			t.Fatalf("a new incident: %v updates of %v", len(get[[]any](t, created, "updates")), created["updates_total"])
		}
		// compare checks a write's answer against GET: the newest handlers.WriteAnswerUpdates
		// entries of the same timeline, and the rest equal.
		compare := func(what string, answer map[string]any) {
			t.Helper()
			full := en.do("GET", "/api/v1/incidents/"+id, en.read, nil).want(200).json()
			all := get[[]any](t, full, "updates")
			want := all[max(0, len(all)-handlers.WriteAnswerUpdates):]
			if got := get[[]any](t, answer, "updates"); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: the answer lists %d entries, want the newest %d of %d", what, len(got), len(want), len(all))
			}
			if answer["updates_total"] != float64(len(all)) || full["updates_total"] != float64(len(all)) {
				t.Fatalf("%s: updates_total %v in the answer, %v in GET, want %d", what, answer["updates_total"], full["updates_total"], len(all))
			}
			for _, m := range []map[string]any{answer, full} {
				delete(m, "updates")
				delete(m, "warnings")
			}
			a, _ := json.Marshal(answer)
			f, _ := json.Marshal(full)
			if string(a) != string(f) {
				t.Fatalf("%s: the answer says\n%s\nGET says\n%s", what, a, f)
			}
		}
		// Without an announced time, the newest entries hold everything the answer derives.
		for i := range handlers.WriteAnswerUpdates + 5 {
			en.clock.Advance(30 * time.Second)
			res := en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": fmt.Sprintf("Looking (%d).", i)}).want(201).json()
			if i == handlers.WriteAnswerUpdates+4 {
				compare("a long timeline", res)
			}
		}
		en.clock.Advance(time.Minute)
		announced := en.clock.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
		res := en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": "Back by then.",
			"announced_eta": announced}).want(201).json()
		compare("the announcing update", res)
		for i := range 2 * handlers.WriteAnswerUpdates {
			en.clock.Advance(30 * time.Second)
			res = en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"message": fmt.Sprintf("Still on it (%d).", i)}).want(201).json()
		}
		if e, _ := res["eta"].(map[string]any); e == nil || e["announced_chance"] == nil {
			t.Fatalf("the chance of a time announced %d entries back is missing: %v", 2*handlers.WriteAnswerUpdates, res["eta"])
		}
		compare("an update far from the announcement", res)
		en.clock.Advance(time.Minute)
		res = en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201).json()
		if r, _ := res["restoration"].(map[string]any); r == nil || len(get[[]any](t, r, "announced")) == 0 {
			t.Fatalf("the resolution's answer does not compare the announced time: %v", res["restoration"])
		}
		compare("the resolution", res)
	})
}

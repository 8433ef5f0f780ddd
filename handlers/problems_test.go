package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestBadRecordDoesNotFreezeThePage (issue 18, defect 1): with an incident row holding a
// NaN share of users (written before the check existed), later incidents still reach /
// and /api/v2, and /readyz and /metrics say which record the page was rendered around.
// Before, every snapshot build failed from then on and the page froze at its old revision.
func TestBadRecordDoesNotFreezeThePage(t *testing.T) {
	en := newPGEnv(t)
	bad := get[string](t, en.do("POST", "/api/v1/incidents", en.write,
		map[string]any{"title": "Old incident", "message": "Looking."}).want(http.StatusCreated).json(), "id")
	conn, err := pgx.Connect(context.Background(), en.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE incidents SET users_affected_percent = 'NaN' WHERE id = $1`, bad); err != nil {
		t.Fatal(err)
	}

	good := get[string](t, en.do("POST", "/api/v1/incidents", en.write,
		map[string]any{"title": "Messages delayed", "message": "Looking."}).want(http.StatusCreated).json(), "id")
	if body := en.do("GET", "/?lang=en", "", nil).want(http.StatusOK).Body.String(); !strings.Contains(body, "Messages delayed") {
		t.Fatal("the new incident is not on the page")
	}
	summary := en.do("GET", "/api/v2/summary.json", "", nil).want(http.StatusOK).Body.Bytes()
	if !json.Valid(summary) || !strings.Contains(string(summary), good) || strings.Contains(string(summary), bad) {
		t.Fatalf("summary.json should list %s and leave out %s: %s", good, bad, summary)
	}
	en.do("GET", "/api/v1/incidents", en.read, nil).want(http.StatusOK)
	en.do("GET", "/api/v1/incidents/"+bad, en.read, nil).want(http.StatusOK)
	ready := en.do("GET", "/readyz", "", nil).want(http.StatusOK).json()
	if ready["snapshot"] != "degraded" || !strings.Contains(strings.Join(toStrings(ready["snapshot_problems"]), " "), bad) {
		t.Fatalf("/readyz = %v; want the snapshot degraded naming %s", ready, bad)
	}
	if m := en.do("GET", "/metrics", en.read, nil).want(http.StatusOK).Body.String(); !strings.Contains(m, "\ncandor_snapshot_problems 1\n") {
		t.Fatalf("/metrics does not count the problem:\n%s", m)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

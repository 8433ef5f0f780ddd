package replicas_test

import (
	"context"
	"encoding/json"
	"github.com/candorstatus/candor/lang"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/postgres"
	"github.com/candorstatus/candor/store/postgres/pgtest"
)

func (r *replica) get(t *testing.T, path string) (int, string) {
	t.Helper()
	res, err := http.Get("http://" + r.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (r *replica) postStatus(t *testing.T, key, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+r.addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("POST %s: %v (a write must answer, not hang, while the database is away)", path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// within polls cond until it holds or d passes.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// behindProxy builds candor and starts replica A on a fresh schema reached through a
// proxy, with a component, a write key and an incident shown on its page.
func behindProxy(t *testing.T) (r *replica, proxy *pgtest.Proxy, key, id string) {
	t.Helper()
	dbURL := pgtest.NewSchema(t)
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "candor")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/candorstatus/candor/cmd/candor").CombinedOutput(); err != nil {
		t.Fatalf("build candor: %v\n%s", err, out)
	}
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	svc := status.NewService(st, status.SystemClock{}, nil)
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: "messenger", Name: lang.Same("Messenger")}); err != nil {
		t.Fatal(err)
	}
	key, _, err = svc.CreateAPIKey(ctx, op, "test", status.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	proxy = pgtest.NewProxy(t, pgtest.ServerHost(t))
	r = startReplica(t, bin, "A", proxy.Through(t, dbURL), "http://127.0.0.1:1")
	code, inc := r.postStatus(t, key, "/api/v1/incidents", `{"title": "Messages delayed", "message": "Looking.", "components": {"messenger": "major_outage"}}`)
	if code != http.StatusCreated {
		t.Fatalf("create incident: %d %v", code, inc)
	}
	id = inc["id"].(string)
	within(t, 5*time.Second, "the page shows the incident", func() bool {
		_, body := r.get(t, "/?lang=en")
		return strings.Contains(body, "Messages delayed")
	})
	return r, proxy, key, id
}

// TestDatabaseFailover cuts a replica off its PostgreSQL and restores it: meanwhile public
// pages and JSON keep being served (saying since when they could not be refreshed),
// /readyz says the store is unreachable, a write answers 503 promptly and loses nothing;
// afterwards everything catches up without a restart.
func TestDatabaseFailover(t *testing.T) {
	r, proxy, key, id := behindProxy(t)

	proxy.Cut(true)
	took := within(t, 10*time.Second, "/readyz reports the store down", func() bool {
		code, body := r.get(t, "/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "unreachable")
	})
	t.Logf("/readyz said 503 %v after the cut", took.Round(time.Millisecond))
	start := time.Now()
	code, out := r.postStatus(t, key, "/api/v1/incidents/"+id+"/updates", `{"message": "Still looking."}`)
	errBody, _ := out["error"].(map[string]any)
	if code != http.StatusServiceUnavailable || errBody["code"] != "unavailable" {
		t.Fatalf("a write while the database is away: %d %v, want 503 unavailable", code, out)
	}
	t.Logf("a write answered 503 in %v", time.Since(start).Round(time.Millisecond))
	within(t, 10*time.Second, "the page says it could not be refreshed", func() bool {
		code, body := r.get(t, "/?lang=en")
		return code == 200 && strings.Contains(body, `data-testid="stale"`) && strings.Contains(body, "Messages delayed")
	})
	if code, body := r.get(t, "/api/v2/incidents/unresolved.json"); code != 200 || !strings.Contains(body, "Messages delayed") {
		t.Fatalf("JSON during the outage: %d %s", code, body)
	}

	proxy.Cut(false)
	took = within(t, 15*time.Second, "/readyz recovers", func() bool { code, _ := r.get(t, "/readyz"); return code == 200 })
	t.Logf("/readyz said 200 %v after the database returned", took.Round(time.Millisecond))
	code, out = r.postStatus(t, key, "/api/v1/incidents/"+id+"/updates", `{"message": "Found it."}`)
	if code != http.StatusCreated {
		t.Fatalf("a write after the database returned: %d %v", code, out)
	}
	within(t, 5*time.Second, "the page catches up", func() bool {
		_, body := r.get(t, "/?lang=en")
		return !strings.Contains(body, `data-testid="stale"`) && strings.Contains(body, "Found it.")
	})
	if _, body := r.get(t, "/incidents/"+id+"?lang=en"); strings.Contains(body, "Still looking.") {
		t.Fatal("the refused write was recorded after all")
	}
}

// TestDatabaseStall (issue 18, defect 2) stalls a replica's connection to PostgreSQL — open,
// passing no byte, as a hung server or a black-holed route does — and checks that a write
// answers 503 within a few seconds (it hung for minutes) and a read of the staff API does
// too, that the public page keeps being served, and that everything recovers after.
func TestDatabaseStall(t *testing.T) {
	r, proxy, key, id := behindProxy(t)

	proxy.Stall(true)
	start := time.Now()
	code, out := r.postStatus(t, key, "/api/v1/incidents/"+id+"/updates", `{"message": "Still looking."}`)
	took := time.Since(start)
	errBody, _ := out["error"].(map[string]any)
	if code != http.StatusServiceUnavailable || errBody["code"] != "unavailable" || took > 8*time.Second {
		t.Fatalf("a write while the database is stalled: %d %v after %v, want 503 unavailable within 8 s", code, out, took)
	}
	t.Logf("a write answered 503 %v after the stall", took.Round(time.Millisecond))
	start = time.Now()
	req, _ := http.NewRequest("GET", "http://"+r.addr+"/api/v1/incidents", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/incidents while stalled: %v", err)
	}
	res.Body.Close()
	if took := time.Since(start); res.StatusCode != http.StatusServiceUnavailable || took > 13*time.Second {
		t.Fatalf("GET /api/v1/incidents while stalled: %d after %v, want 503 within 13 s", res.StatusCode, took)
	}
	if code, body := r.get(t, "/?lang=en"); code != http.StatusOK || !strings.Contains(body, "Messages delayed") {
		t.Fatalf("the page while the database is stalled: %d", code)
	}

	proxy.Stall(false)
	within(t, 30*time.Second, "writes succeed again", func() bool {
		code, _ := r.postStatus(t, key, "/api/v1/incidents/"+id+"/updates", `{"message": "Found it."}`)
		return code == http.StatusCreated
	})
	within(t, 10*time.Second, "the page catches up", func() bool {
		_, body := r.get(t, "/?lang=en")
		return strings.Contains(body, "Found it.")
	})
}

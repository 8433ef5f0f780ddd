package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/internal/testenv"
)

func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), err
}

func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"apikey", "--help"}, {"apikey", "create", "--help"},
		{"apikey", "list", "--help"}, {"apikey", "revoke", "--help"}, {"import", "--help"}, {"import", "statuspage", "--help"},
		{"eta", "--help"}, {"eta", "backtest", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, _, err := run(t, args...)
			if err != nil && !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("err %v", err)
			}
			if !strings.Contains(out, "Usage") {
				t.Fatalf("no usage on stdout: %q", out)
			}
		})
	}
	if _, _, err := run(t, "frobnicate"); !errors.Is(err, errUsage) {
		t.Fatalf("unknown command: %v", err)
	}
}

func TestAPIKeyCommands(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "apikey", "create", "--data-dir", dir, "--name", "alice", "--scope", "admin")
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, "cnd_") || strings.Contains(key, "\n") {
		t.Fatalf("stdout must be only the key, got %q", out)
	}
	if _, _, err := run(t, "apikey", "create", "--data-dir", dir, "--name", "alice"); err == nil {
		t.Fatal("duplicate active name accepted")
	}
	if _, _, err := run(t, "apikey", "create", "--data-dir", dir, "--name", "bob", "--scope", "root"); err == nil {
		t.Fatal("bad scope accepted")
	}
	list, _, err := run(t, "apikey", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(list, "alice") || !strings.Contains(list, "admin") || strings.Contains(list, key) {
		t.Fatalf("list %q err %v", list, err)
	}
	if _, _, err := run(t, "apikey", "revoke", "--data-dir", dir, "alice"); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := run(t, "apikey", "list", "--data-dir", dir); !strings.Contains(list, "revoked") {
		t.Fatalf("revoked key not shown as revoked: %q", list)
	}
}

// TestServeWalkthrough boots the server as `candor serve` does and follows the README's
// curl walkthrough: make a key, create a component, post an incident, see it on / and in
// /api/v2/summary.json; then shuts down gracefully.
func TestServeWalkthrough(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out, logs bytes.Buffer
	go func() {
		done <- Run(ctx, []string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--demo"},
			Env{Stdout: &out, Stderr: &logs, Getenv: func(k string) string {
				if k == "CANDOR_PAGE_NAME" {
					return "Walkthrough Status"
				}
				return ""
			}, Ready: func(a string) { ready <- a }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("server exited: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	base := "http://" + addr
	if !strings.Contains(out.String(), "apikey create") {
		t.Fatalf("start-up output does not say how to make a key: %q", out.String())
	}
	key, _, err := run(t, "apikey", "create", "--data-dir", dir, "--name", "admin", "--scope", "admin")
	if err != nil {
		t.Fatal(err)
	}
	key = strings.TrimSpace(key)
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	if code, b := call("POST", "/api/v1/components", `{"name": "Search", "group": "Messaging"}`); code != 201 {
		t.Fatalf("create component: %d %s", code, b)
	}
	code, b := call("POST", "/api/v1/incidents", `{"title": "Search is slow", "impact": "minor", "message": "We are looking into it.",
		"components": {"search": "degraded_performance"}}`)
	if code != 201 {
		t.Fatalf("post incident: %d %s", code, b)
	}
	// The snapshot is rebuilt asynchronously (about 50 ms on an idle machine; the bench in
	// site measures it); this only waits, generously, for it to happen at all.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, page := call("GET", "/?lang=en", "")
		_, sum := call("GET", "/api/v2/summary.json", "")
		var s struct {
			Page      struct{ Name string }
			Incidents []struct{ Name string }
		}
		_ = json.Unmarshal(sum, &s)
		if strings.Contains(string(page), "Search is slow") && len(s.Incidents) == 1 && s.Incidents[0].Name == "Search is slow" {
			if s.Page.Name != "Walkthrough Status" {
				t.Fatalf("page name from env: %q", s.Page.Name)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("incident not visible within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	if !strings.Contains(logs.String(), `"msg":"shutting down"`) {
		t.Fatal("logs are not JSON with the shutdown message")
	}
}

func TestImportAndBacktestCommands(t *testing.T) {
	const path = "../../../shared/data/history-digitalocean.json"
	if _, err := os.Stat(path); err != nil {
		testenv.Missing(t, testenv.SharedData, "real history not available: "+err.Error())
	}
	dir := t.TempDir()
	out, _, err := run(t, "import", "statuspage", "--data-dir", dir, path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "imported 718 incidents") {
		t.Fatalf("import output %q", out)
	}
	out, _, _ = run(t, "import", "statuspage", "--data-dir", dir, path)
	if !strings.Contains(out, "imported 0 incidents (718 already present") {
		t.Fatalf("second import output %q", out)
	}
	out, _, err = run(t, "eta", "backtest", "--json", path)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("backtest --json is not JSON: %v", err)
	}
	for _, k := range []string{"p90_coverage", "p50_coverage", "p50_median_abs_error_min", "by_elapsed", "baselines"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("backtest JSON lacks %q", k)
		}
	}
}

package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAppLifecycle builds a server the way `candor serve` does, serves a page and the
// health check, and stops it cleanly — twice on the same data folder, as a restart would.
func TestAppLifecycle(t *testing.T) {
	dir := t.TempDir()
	for round := range 2 {
		cfg, err := Load(map[string]string{"addr": "127.0.0.1:0", "data-dir": dir, "demo": "true"}, env(nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := New(t.Context(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		addr, err := a.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]string{"/?lang=en": "Message delivery", "/healthz": "", "/api/v2/status.json?lang=en": "indicator"} {
			res, err := http.Get("http://" + addr + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
				t.Fatalf("round %d: %s answered %d: %.200s", round, path, res.StatusCode, body)
			}
		}
		// No mail server: nobody could confirm a webhook, so the public is not offered one.
		if res, err := http.Get("http://" + addr + "/subscribe/webhook?lang=en"); err != nil || res.StatusCode != http.StatusNotFound {
			t.Fatalf("round %d: /subscribe/webhook without mail: %v %v", round, res, err)
		} else {
			res.Body.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
			t.Fatalf("round %d: still serving after Stop", round)
		}
	}
}

func TestNewFailsCleanlyOnABadStore(t *testing.T) {
	cfg, err := Load(map[string]string{"database-url": "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"}, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(t.Context(), cfg, nil); err == nil {
		t.Fatal("built an app on an unreachable database")
	}
}

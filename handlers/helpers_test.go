package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/demo"
	"github.com/candorstatus/candor/eta/estimator"
	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/postgres"
	"github.com/candorstatus/candor/store/postgres/pgtest"
	"github.com/candorstatus/candor/store/sqlite"
	"github.com/candorstatus/candor/templates"
)

// env is a Candor server on a fresh SQLite store with a controllable clock.
type env struct {
	t      *testing.T
	e      *echo.Echo
	svc    *status.Service
	store  status.Store
	clock  *status.ManualClock
	holder *snapshot.Holder
	build  *snapshot.Builder
	assets *static.Assets
	seoul  *time.Location
	dbURL  string // the PostgreSQL schema's URL; "" on SQLite
	read   string // API keys by scope
	write  string
	admin  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store, err := sqlite.Open(context.Background(), t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newEnvOn(t, store)
}

// stores runs fn against an env on each back end: SQLite always, PostgreSQL when the
// test server is configured (see pgtest).
func stores(t *testing.T, fn func(t *testing.T, en *env)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newPGEnv(t)) })
}

// newPGEnv is newEnv on a throwaway PostgreSQL schema; it skips without the test server.
func newPGEnv(t *testing.T) *env {
	t.Helper()
	url := pgtest.NewSchema(t)
	store, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	en := newEnvOn(t, store)
	en.dbURL = url
	return en
}

// newEnvOn is newEnv on the given store. t may be a fuzz target's *testing.F, which then
// sets en.t to each input's *testing.T (see fuzzEnv).
func newEnvOn(t testing.TB, store status.Store) *env {
	t.Helper()
	ctx := context.Background()
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	svc := status.NewService(store, clock, nil)
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := snapshot.NewBuilder(snapshot.Config{PageID: "candor-test", PageName: lang.Same("Test Status"), PublicURL: "https://status.example.com",
		Location: seoul}, store, assets)
	h := snapshot.NewHolder(b, clock, nil)
	if err := h.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	en := &env{e: handlers.New(handlers.Deps{Service: svc, Site: h, Builder: b, Assets: assets, DefaultLang: templates.Korean}),
		assets: assets,
		svc:    svc, store: store, clock: clock, holder: h, build: b, seoul: seoul}
	en.t, _ = t.(*testing.T)
	// Tests rebuild synchronously so a read right after a write sees it.
	svc.Subscribe(func(status.Change) {
		if err := h.Rebuild(ctx); err != nil {
			if en.t != nil {
				en.t.Errorf("rebuild: %v", err)
			} else {
				t.Errorf("rebuild: %v", err)
			}
		}
	})
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	for _, k := range []struct {
		dst   *string
		scope status.Scope
	}{{&en.read, status.ScopeRead}, {&en.write, status.ScopeWrite}, {&en.admin, status.ScopeAdmin}} {
		secret, _, err := svc.CreateAPIKey(ctx, op, string(k.scope)+"-key", k.scope)
		if err != nil {
			t.Fatal(err)
		}
		*k.dst = secret
	}
	return en
}

type resp struct {
	*httptest.ResponseRecorder
	t *testing.T
}

// do sends a request through the real echo instance.
func (en *env) do(method, path, key string, body any, headers ...string) resp {
	en.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			en.t.Fatal(err)
		}
		raw = j
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Remote-Addr" { // the client's own address, not a header
			req.RemoteAddr = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	en.e.ServeHTTP(rec, req)
	checkContract(en.t, req, raw, rec) // every exchange is held to openapi.yaml
	return resp{rec, en.t}
}

func (r resp) want(code int) resp {
	r.t.Helper()
	if r.Code != code {
		r.t.Fatalf("status %d, want %d; body: %s", r.Code, code, r.Body.String())
	}
	return r
}

func (r resp) json() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
		r.t.Fatalf("response is not a JSON object: %v; body: %s", err, r.Body.String())
	}
	return m
}

// apiError asserts the error body shape and returns its code and fields.
func (r resp) apiError() (string, map[string]any) {
	r.t.Helper()
	m := r.json()
	e, ok := m["error"].(map[string]any)
	if !ok {
		r.t.Fatalf("no error object in %s", r.Body.String())
	}
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	if code == "" || msg == "" {
		r.t.Fatalf("error without code or message: %s", r.Body.String())
	}
	for _, leak := range []string{"goroutine", "sqlite", "SQL", ".go:", "panic"} {
		if strings.Contains(r.Body.String(), leak) {
			r.t.Fatalf("error body leaks internals (%q): %s", leak, r.Body.String())
		}
	}
	fields, _ := e["fields"].(map[string]any)
	return code, fields
}

// enableForecast seeds the demo history and turns the ETA model on, as serve does.
func (en *env) enableForecast() *estimator.Estimator {
	en.t.Helper()
	ctx := context.Background()
	if _, err := demo.Seed(ctx, en.svc, 120); err != nil {
		en.t.Fatal(err)
	}
	f := estimator.New(en.store, en.clock, nil)
	if err := f.Rebuild(ctx); err != nil {
		en.t.Fatal(err)
	}
	en.svc.SetEstimator(f)
	en.svc.SetLocation(en.seoul)
	en.build.SetEstimator(f)
	if err := en.holder.Rebuild(ctx); err != nil {
		en.t.Fatal(err)
	}
	return f
}

// seedComponents creates components through the API.
func (en *env) seedComponents(specs ...[3]string) {
	en.t.Helper()
	for _, s := range specs {
		en.do("POST", "/api/v1/components", en.admin, map[string]any{"id": s[0], "name": s[1], "group": s[2]}).want(201)
	}
}

func (en *env) countIncidents() int {
	en.t.Helper()
	_, n, err := en.svc.Incidents(context.Background(), status.IncidentFilter{})
	if err != nil {
		en.t.Fatal(err)
	}
	return n
}

func get[T any](t *testing.T, m map[string]any, key string) T {
	t.Helper()
	v, ok := m[key].(T)
	if !ok {
		t.Fatalf("field %q = %#v (%T), not the expected type", key, m[key], m[key])
	}
	return v
}

var _ = http.StatusOK

// rebuildWithJobs returns a server like en's that also reports sched's periodic.
func rebuildWithJobs(t *testing.T, en *env, sched *periodic.Scheduler) *echo.Echo {
	t.Helper()
	return handlers.New(handlers.Deps{Service: en.svc, Site: en.holder, Builder: en.build, Assets: en.assets,
		Jobs: sched, DefaultLang: templates.Korean})
}

// sameText reports whether JSON v is a text reading s in every language ({"ko": s, "en": s}).
func sameText(v any, s string) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 2 && m["ko"] == s && m["en"] == s
}

// textIn is the text of JSON text v in language l ("" when v is not a text).
func textIn(v any, l string) string {
	m, _ := v.(map[string]any)
	s, _ := m[l].(string)
	return s
}

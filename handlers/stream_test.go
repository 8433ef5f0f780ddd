package handlers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/live"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
	"github.com/candorstatus/candor/templates"
)

// streamEnv is a Candor server on a real listener, wired for live updates as serve does:
// the snapshot rebuilds in the background and the hub hears of a change once it is served.
type streamEnv struct {
	t     *testing.T
	srv   *httptest.Server
	hub   *live.Hub
	write string // an API key with the write scope
}

func newStreamEnv(t *testing.T, cfg live.Config) *streamEnv {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := status.SystemClock{}
	svc := status.NewService(store, clock, nil)
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	b := snapshot.NewBuilder(snapshot.Config{PageID: "candor-test", PageName: lang.Same("Test Status"), PublicURL: "https://status.example.com"}, store, assets)
	holder := snapshot.NewHolder(b, clock, nil)
	if err := holder.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	svc.Subscribe(holder.OnChange)
	cfg.Revision = holder.Current().Revision
	hub := live.NewHub(cfg)
	feed := live.NewFeeder(hub, func() int64 { return holder.Current().Revision }, holder.Built)
	svc.Subscribe(func(c status.Change) { feed.Notify(live.Event{Revision: c.Revision, Kind: c.Kind, ID: c.ID}) })
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{}, 2)
	go func() { holder.Run(runCtx); stopped <- struct{}{} }()
	go func() { feed.Run(runCtx); stopped <- struct{}{} }()
	e := handlers.New(handlers.Deps{Service: svc, Site: holder, Builder: b, Assets: assets, Live: hub, DefaultLang: templates.English})
	srv := httptest.NewUnstartedServer(e)
	srv.Config.RegisterOnShutdown(hub.Close)
	srv.Start()
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
		cancel()
		<-stopped
		<-stopped
	})
	secret, _, err := svc.CreateAPIKey(ctx, status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}, "writer", status.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	return &streamEnv{t: t, srv: srv, hub: hub, write: secret}
}

// postIncident creates an incident through the API.
func (se *streamEnv) postIncident(title string) {
	se.t.Helper()
	req, _ := http.NewRequest("POST", se.srv.URL+"/api/v1/incidents",
		strings.NewReader(`{"title": "`+title+`", "impact": "minor", "message": "Looking into it."}`))
	req.Header.Set("Authorization", "Bearer "+se.write)
	req.Header.Set("Content-Type", "application/json")
	res, err := se.srv.Client().Do(req)
	if err != nil {
		se.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		se.t.Fatalf("create incident: %d %s", res.StatusCode, body)
	}
}

// home fetches / and returns the revision its content was rendered at and its body.
func (se *streamEnv) home() (int64, string) {
	se.t.Helper()
	res, err := se.srv.Client().Get(se.srv.URL + "/?lang=en")
	if err != nil {
		se.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`data-revision="(\d+)"`).FindSubmatch(body)
	if m == nil {
		se.t.Fatalf("no data-revision on /: %s", body)
	}
	rev, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return rev, string(body)
}

type sseEvent struct{ id, event, data, retry, comment string }

type sseStream struct {
	t      *testing.T
	res    *http.Response
	events chan sseEvent
}

func (se *streamEnv) open(header ...string) *sseStream {
	se.t.Helper()
	return se.openURL("/api/v1/stream", header...)
}

// openURL connects to a stream at path; header holds name, value pairs.
func (se *streamEnv) openURL(path string, header ...string) *sseStream {
	se.t.Helper()
	req, _ := http.NewRequest("GET", se.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := se.srv.Client().Do(req)
	if err != nil {
		se.t.Fatal(err)
	}
	se.t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 {
		se.t.Fatalf("stream: status %d", res.StatusCode)
	}
	s := &sseStream{t: se.t, res: res, events: make(chan sseEvent, 64)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			field, value, _ := strings.Cut(sc.Text(), ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "":
				if sc.Text() == "" {
					if ev != (sseEvent{}) {
						s.events <- ev
					}
					ev = sseEvent{}
				} else {
					s.events <- sseEvent{comment: value}
				}
			case "id":
				ev.id = value
			case "event":
				ev.event = value
			case "data":
				ev.data = value
			case "retry":
				ev.retry = value
			}
		}
	}()
	return s
}

// next returns the next event (not a comment or retry hint) and its revision.
func (s *sseStream) next() (sseEvent, int64) {
	s.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatal("stream ended")
			}
			if ev.event == "" {
				continue
			}
			var d struct{ Revision int64 }
			if err := json.Unmarshal([]byte(ev.data), &d); err != nil || ev.id != fmt.Sprint(d.Revision) {
				s.t.Fatalf("malformed event %+v", ev)
			}
			return ev, d.Revision
		case <-deadline:
			s.t.Fatal("no event within 5 s")
		}
	}
}

func TestStreamAnnouncesServedChanges(t *testing.T) {
	se := newStreamEnv(t, live.Config{})
	s := se.open()
	for k, v := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
		"X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff"} {
		if got := s.res.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	served, _ := se.home()
	if ev, rev := s.next(); ev.event != "change" || rev != served {
		t.Fatalf("first event %+v, want the served revision %d", ev, served)
	}
	for i := range 3 {
		title := fmt.Sprintf("Search is slow %d", i)
		se.postIncident(title)
		ev, rev := s.next()
		if ev.event != "change" || rev <= served || !strings.Contains(ev.data, `"kind":"incident"`) {
			t.Fatalf("after a post: %+v, want a change past revision %d", ev, served)
		}
		// The page is already at that revision when the event arrives.
		now, body := se.home()
		if now < rev || !strings.Contains(body, title) {
			t.Fatalf("event for revision %d, but / serves revision %d (title shown: %v)", rev, now, strings.Contains(body, title))
		}
		served = rev
	}
}

func TestStreamReplaysMissedEvents(t *testing.T) {
	se := newStreamEnv(t, live.Config{Replay: 2})
	s := se.open()
	_, first := s.next()
	var revs []int64
	for i := range 3 {
		se.postIncident(fmt.Sprint("Incident ", i))
		_, rev := s.next()
		revs = append(revs, rev)
	}
	// Reconnecting after the second change: only the third is replayed.
	ev, rev := se.open("Last-Event-ID", fmt.Sprint(revs[1])).next()
	if ev.event != "change" || rev != revs[2] {
		t.Fatalf("replay after %d: %+v, want change %d", revs[1], ev, revs[2])
	}
	// An EventSource polyfill passes the id in the query.
	poly := se.openURL("/api/v1/stream?lastEventId=" + fmt.Sprint(revs[0]))
	for _, want := range revs[1:] {
		if ev, rev := poly.next(); ev.event != "change" || rev != want {
			t.Fatalf("polyfill replay: %+v, want change %d", ev, want)
		}
	}
	// The first revision is older than the two kept: a resync to the current one.
	ev, rev = se.open("Last-Event-ID", fmt.Sprint(first)).next()
	if ev.event != "resync" || rev != revs[2] {
		t.Fatalf("replay after %d: %+v, want resync %d", first, ev, revs[2])
	}
}

func TestStreamEndsOnShutdown(t *testing.T) {
	se := newStreamEnv(t, live.Config{})
	var streams []*sseStream
	for range 3 {
		s := se.open()
		s.next()
		streams = append(streams, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	began := time.Now()
	if err := se.srv.Config.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Fatalf("shutdown took %v with streams open", took)
	}
	for _, s := range streams {
		deadline := time.After(5 * time.Second)
	drain:
		for {
			select {
			case _, ok := <-s.events:
				if !ok {
					break drain
				}
			case <-deadline:
				t.Fatal("stream still open after shutdown")
			}
		}
	}
}

func TestStreamWithoutHub(t *testing.T) {
	e := handlers.New(handlers.Deps{})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/stream", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
}

package replicas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/candorstatus/candor/lang"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/fcmfake"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/postgres"
	"github.com/candorstatus/candor/store/postgres/pgtest"
)

// gate sits in front of the fake FCM and decides per message token: a message whose token
// it lets through reaches the fake; any other send is held until the gate opens, and a held
// request whose sender has died is dropped, never reaching the fake — FCM never
// acknowledged it. Topic management always passes.
type gate struct {
	next    http.Handler
	mu      sync.Mutex
	pass    func(token string) bool // nil: hold every send
	changed chan struct{}           // closed and replaced whenever pass changes
	open    bool
	waiting map[string]bool // tokens of held requests
	dropped int
}

func newGate(next http.Handler) *gate {
	return &gate{next: next, pass: func(string) bool { return true }, changed: make(chan struct{}), waiting: map[string]bool{}}
}

// set changes the policy; held requests look again.
func (g *gate) set(open bool, pass func(string) bool) {
	g.mu.Lock()
	g.open, g.pass = open, pass
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/messages:send") {
		g.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		Message struct{ Token string } `json:"message"`
	}
	_ = json.Unmarshal(body, &req)
	tok := req.Message.Token
	for {
		g.mu.Lock()
		ok := g.open || (g.pass != nil && g.pass(tok))
		changed := g.changed
		g.waiting[tok] = !ok
		if ok {
			delete(g.waiting, tok)
		}
		g.mu.Unlock()
		if ok {
			break
		}
		select {
		case <-changed:
			continue
		case <-r.Context().Done():
			g.mu.Lock()
			delete(g.waiting, tok)
			g.dropped++
			g.mu.Unlock()
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// held reports whether a request for one of tokens is waiting, and how many wait.
func (g *gate) held(tokens []string) (any bool, waiting int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range tokens {
		any = any || g.waiting[t]
	}
	return any, len(g.waiting)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type replica struct {
	name string
	addr string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func startReplica(t *testing.T, bin, name, dbURL, fcmURL string) *replica {
	t.Helper()
	r := &replica{name: name, addr: freeAddr(t), logs: &bytes.Buffer{}}
	r.cmd = exec.Command(bin, "serve", "--addr", r.addr, "--database-url", dbURL, "--log-level", "warn")
	r.cmd.Env = append(os.Environ(), "CANDOR_FCM_ENDPOINT="+fcmURL, "CANDOR_OUTBOX_LEASE=3s")
	r.cmd.Stdout, r.cmd.Stderr = io.Discard, r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, r.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + r.addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become ready: %v\n%s", name, err, r.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *replica) post(t *testing.T, key, path, body string) map[string]any {
	t.Helper()
	code, out := r.postStatus(t, key, path, body)
	if code >= 300 {
		t.Fatalf("%s %s: %d %v", r.name, path, code, out)
	}
	return out
}

func (r *replica) unresolved(t *testing.T) []string {
	t.Helper()
	res, err := http.Get("http://" + r.addr + "/api/v2/incidents/unresolved.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct{ Incidents []struct{ Name string } }
	_ = json.NewDecoder(res.Body).Decode(&doc)
	var names []string
	for _, i := range doc.Incidents {
		names = append(names, i.Name)
	}
	return names
}

// pushJob is one push job of the outbox as the test reads it from the database.
type pushJob struct {
	id     int64
	status string
	owner  string // hostname-pid-random while leased
	tokens []string
}

func pushJobs(t *testing.T, dbURL string) []pushJob {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT id, status, CASE WHEN lease_until > now() THEN lease_owner ELSE '' END, tokens
		FROM outbox_jobs WHERE kind = 'push' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var out []pushJob
	for rows.Next() {
		var j pushJob
		if err := rows.Scan(&j.id, &j.status, &j.owner, &j.tokens); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func ownerPID(t *testing.T, owner string) int {
	parts := strings.Split(owner, "-") // hostname-pid-random
	if len(parts) < 3 {
		t.Fatalf("unexpected lease owner %q", owner)
	}
	pid, _ := strconv.Atoi(parts[len(parts)-2])
	return pid
}

func TestReplicas(t *testing.T) {
	dbURL := pgtest.NewSchema(t)
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "candor")
	build := exec.Command("go", "build", "-o", bin, "github.com/candorstatus/candor/cmd/candor")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build candor: %v\n%s", err, out)
	}

	// Seed through the store: components, 900 devices (two token jobs of 500 and 400) and a key.
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	svc := status.NewService(st, status.SystemClock{}, nil)
	svc.SetNotifier(&notifier.Planner{PageName: lang.Same("Candor"), PublicURL: "http://status.example"}) // devices queue topic subscriptions
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: "messenger", Name: lang.Same("Messenger")}); err != nil {
		t.Fatal(err)
	}
	const devices = 900
	for i := range devices {
		if _, _, err := svc.RegisterDevice(ctx, op, status.DeviceInput{Token: fmt.Sprintf("replica-token-%06d", i),
			Platform: status.Android, Locale: "en", Components: []string{"*"}}); err != nil {
			t.Fatal(err)
		}
	}
	key, _, err := svc.CreateAPIKey(ctx, op, "test", status.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	fake := fcmfake.New()
	g := newGate(fake)
	srv := &http.Server{Handler: g}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	fcmURL := "http://" + ln.Addr().String()

	reps := []*replica{startReplica(t, bin, "A", dbURL, fcmURL), startReplica(t, bin, "B", dbURL, fcmURL),
		startReplica(t, bin, "C", dbURL, fcmURL)}

	// The replicas sync the 900 devices' topic subscriptions queued at registration.
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for len(fake.Subscribers("candor.all.en")) < devices {
		if wctx.Err() != nil {
			t.Fatalf("topic subscriptions not synced: %d of %d", len(fake.Subscribers("candor.all.en")), devices)
		}
		time.Sleep(50 * time.Millisecond)
	}
	g.set(false, nil) // hold every push until the test knows which job is which

	var killedAt time.Time
	var victimName string

	t.Run("a change posted on one replica shows on the others within a second", func(t *testing.T) {
		start := time.Now()
		reps[0].post(t, key, "/api/v1/incidents", `{"title": "Replicated", "message": "Posted on A.", "components": {"messenger": "major_outage"}}`)
		for _, r := range reps[1:] {
			for {
				if names := r.unresolved(t); len(names) == 1 && names[0] == "Replicated" {
					break
				}
				if time.Since(start) > time.Second {
					t.Fatalf("replica %s does not show the incident 1 s after it was posted on A", r.name)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		t.Logf("visible on every replica after %v", time.Since(start))
	})

	t.Run("a replica killed mid-send loses nothing and resends nothing FCM acknowledged", func(t *testing.T) {
		// 900 devices are two token jobs (500 + 400). The first goes through; the second is
		// held at the gate, so its sender dies with none of its messages acknowledged.
		jobs := pushJobs(t, dbURL)
		if len(jobs) != 2 || len(jobs[0].tokens)+len(jobs[1].tokens) != devices {
			t.Fatalf("want two push jobs covering %d devices, got %d jobs", devices, len(jobs))
		}
		first := map[string]bool{}
		for _, tok := range jobs[0].tokens {
			first[tok] = true
		}
		g.set(false, func(tok string) bool { return first[tok] })
		var second pushJob
		for {
			jobs = pushJobs(t, dbURL)
			second = jobs[1]
			if inFlight, _ := g.held(second.tokens); jobs[0].status == "sent" && inFlight && second.owner != "" {
				break
			}
			if wctx.Err() != nil {
				t.Fatalf("the second push job never got in flight after the first was sent (first %s)", jobs[0].status)
			}
			time.Sleep(10 * time.Millisecond)
		}
		pid := ownerPID(t, second.owner)
		var victim *replica
		for _, r := range reps {
			if r.cmd.Process.Pid == pid {
				victim = r
			}
		}
		if victim == nil {
			t.Fatalf("no replica has pid %d", pid)
		}
		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = victim.cmd.Wait()
		t.Logf("killed %s (pid %d) while it was sending job %d", victim.name, pid, second.id)
		// Its held requests die with its connections; only then open the gate, so that
		// nothing it sent reaches the fake.
		for {
			if _, waiting := g.held(nil); waiting == 0 {
				break
			}
			if wctx.Err() != nil {
				t.Fatal("the killed replica's requests are still held")
			}
			time.Sleep(10 * time.Millisecond)
		}
		g.set(true, nil)

		if err := fake.WaitForMessages(wctx, devices); err != nil {
			t.Fatalf("only %d of %d pushes arrived: %v", fake.Accepted(), devices, err)
		}
		time.Sleep(500 * time.Millisecond) // anything duplicated would arrive now
		seen := map[string]int{}
		for _, m := range fake.Messages() {
			seen[m.Token]++
		}
		for i := range devices {
			tok := fmt.Sprintf("replica-token-%06d", i)
			if seen[tok] != 1 {
				t.Fatalf("%s delivered %d times, want exactly once", tok, seen[tok])
			}
		}
		g.mu.Lock()
		dropped := g.dropped
		g.mu.Unlock()
		if dropped == 0 {
			t.Fatal("no request of the killed replica was in flight; the test proved nothing")
		}
		t.Logf("%d requests of the killed replica never reached FCM; another replica re-sent job %d after its lease", dropped, second.id)
		killedAt = time.Now()
		victimName = victim.name
	})

	t.Run("periodic jobs run on one replica at a time and go on without the dead one", func(t *testing.T) {
		if killedAt.IsZero() {
			t.Skip("no replica was killed")
		}
		deadline := time.Now().Add(45 * time.Second)
		for {
			ran, skipped := false, 0
			for _, r := range reps {
				if r.name == victimName {
					continue
				}
				for _, j := range r.jobs(t, key) {
					if j.Name != "eta-watchdog" {
						continue
					}
					skipped += j.Skipped
					if j.LastRun != nil {
						if at, err := time.Parse(time.RFC3339Nano, *j.LastRun); err == nil && at.After(killedAt) {
							ran = true
						}
					}
				}
			}
			// Both survivors fire on every tick; the lock lets one run and the other skip.
			if ran && skipped > 0 {
				t.Logf("eta-watchdog ran on a survivor %v after the kill; %d runs skipped for the lock", time.Since(killedAt).Round(time.Second), skipped)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the kill: a survivor ran eta-watchdog: %v; runs skipped for the lock: %d", ran, skipped)
			}
			time.Sleep(500 * time.Millisecond)
		}
	})
}

type jobStatus struct {
	Name    string  `json:"name"`
	LastRun *string `json:"last_run"`
	Skipped int     `json:"skipped"`
}

func (r *replica) jobs(t *testing.T, key string) []jobStatus {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+r.addr+"/api/v1/jobs", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Jobs []jobStatus `json:"jobs"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		t.Fatalf("%s /api/v1/jobs: %d %v", r.name, res.StatusCode, err)
	}
	return out.Jobs
}

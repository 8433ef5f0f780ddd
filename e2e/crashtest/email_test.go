package crashtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/notifier/email/smtptest"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

const subscribers = 2000

// TestKilledMidSendEmailsEachSubscriberOnce: a real candor process, 2 000 subscribers, an
// SMTP server that answers slowly; the process is killed with SIGKILL in the middle of the
// send and started again. Every subscriber has the email exactly once: what the server
// accepted before the kill is not sent again, what it had not accepted is sent after the
// restart.
//
// To kill at a moment that tests the outbox rather than luck, the server freezes first —
// it holds every answer, so no acknowledgement is in flight — and answers what it held
// with 421 once the process is dead: those emails were not accepted.
func TestKilledMidSendEmailsEachSubscriberOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the candor binary")
	}
	bin := filepath.Join(t.TempDir(), "candor")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/candorstatus/candor/cmd/candor").CombinedOutput(); err != nil {
		t.Fatalf("build candor: %v\n%s", err, out)
	}
	srv, err := smtptest.Start(smtptest.Config{Delay: 4 * time.Millisecond, DropData: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	// Seed the store candor will open: subscribers, and an incident whose email job is
	// planned in the same transaction, as the write path does.
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "candor.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := status.NewService(st, status.SystemClock{}, nil)
	svc.SetNotifier(&notifier.Planner{PageName: lang.Same("Candor Status"), PublicURL: "http://status.example", Email: email.Planner{}})
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: "messages", Name: lang.Same("Messages")}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.Write(ctx, func(tx status.Tx) error {
		for i := range subscribers {
			if err := tx.PutSubscriber(&status.Subscriber{ID: fmt.Sprintf("s%05d", i), Email: fmt.Sprintf("user%05d@example.com", i),
				Lang: []string{"ko", "en"}[i%2], Components: []string{"*"}, ConfirmedAt: now, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("Messages not delivered"), Message: lang.Same("Looking."),
		Impact: status.ImpactMajor, Notify: true, Components: map[string]status.ComponentStatus{"messages": status.MajorOutage}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	first := start(t, bin, dir, srv.URL())
	if _, err := srv.WaitFor(subscribers/3, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	srv.Freeze()
	time.Sleep(500 * time.Millisecond) // the process records what the server accepted
	accepted := srv.Count()
	first.kill(t)
	srv.Thaw(true)
	if accepted >= subscribers {
		t.Fatalf("the kill came too late: all %d sent", accepted)
	}
	t.Logf("killed after %d of %d emails were accepted", accepted, subscribers)

	second := start(t, bin, dir, srv.URL())
	defer second.kill(t)
	if _, err := srv.WaitFor(subscribers, 60*time.Second); err != nil {
		t.Fatalf("after the restart: %v\n%s", err, second.logs.String())
	}
	time.Sleep(time.Second) // room for a duplicate to arrive
	got := srv.Recipients()
	dups := 0
	for i := range subscribers {
		switch n := got[fmt.Sprintf("user%05d@example.com", i)]; n {
		case 1:
		case 0:
			t.Errorf("user%05d got no email", i)
		default:
			dups++
			if dups <= 5 {
				t.Errorf("user%05d got %d emails", i, n)
			}
		}
	}
	if dups > 0 || len(got) != subscribers || srv.Count() != subscribers {
		t.Fatalf("%d recipients, %d emails, %d duplicated; want %d each once", len(got), srv.Count(), dups, subscribers)
	}
}

type proc struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func start(t *testing.T, bin, dir, smtpURL string) *proc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &proc{logs: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", dir, "--log-level", "warn")
	p.cmd.Env = append(os.Environ(), "CANDOR_SMTP_URL="+smtpURL, "CANDOR_MAIL_FROM=Candor Status <status@example.com>",
		"CANDOR_OUTBOX_LEASE=3s", "CANDOR_SMTP_CONNECTIONS=4")
	p.cmd.Stdout, p.cmd.Stderr = io.Discard, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("candor logs:\n%s", p.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("candor did not become ready: %v\n%s", err, p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown, no last save.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

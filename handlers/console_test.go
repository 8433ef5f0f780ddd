package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/templates"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/crypto/bcrypt"

	"github.com/candorstatus/candor/status"
)

// Console tests drive /admin through the real echo instance with a cookie jar, the way a
// browser without JavaScript would: GET a page, read its form, POST it back.

func init() {
	// Hashing at the production cost would make every sign-in take a quarter second.
	status.BcryptCost = bcrypt.MinCost
}

const testPassword = "correct horse battery"

// staff is one browser: its cookies, its address and the CSRF token of its session.
type staff struct {
	en      *env
	t       *testing.T
	addr    string
	cookies map[string]*http.Cookie
	csrf    string
	headers []string
}

// addUser creates a console user through the service.
func (en *env) addUser(name string, role status.Role) {
	en.t.Helper()
	op := status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}
	if _, err := en.svc.CreateUser(context.Background(), op, name, role, testPassword); err != nil {
		en.t.Fatal(err)
	}
}

// browser returns a signed-out browser at client address addr.
func (en *env) browser(addr string) *staff {
	return &staff{en: en, t: en.t, addr: addr, cookies: map[string]*http.Cookie{}}
}

// signedIn creates a user with role and returns a browser signed in as it.
func (en *env) signedIn(name string, role status.Role, addr string) *staff {
	en.t.Helper()
	en.addUser(name, role)
	b := en.browser(addr)
	b.login(name, testPassword).want(http.StatusSeeOther)
	b.refreshCSRF()
	return b
}

func (b *staff) send(method, path string, form url.Values) resp {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.RemoteAddr = b.addr + ":41234"
	for i := 0; i+1 < len(b.headers); i += 2 {
		req.Header.Set(b.headers[i], b.headers[i+1])
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	b.en.e.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return resp{rec, b.t}
}

func (b *staff) get(path string) resp { b.t.Helper(); return b.send("GET", path, nil) }

// post sends a form with the session's CSRF token unless the form sets its own.
func (b *staff) post(path string, form url.Values) resp {
	b.t.Helper()
	form = maps.Clone(form)
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	return b.send("POST", path, form)
}

// login fills the sign-in form as a browser does: GET it (for its token cookie), POST it.
func (b *staff) login(name, password string) resp {
	b.t.Helper()
	d := page(b.t, b.get("/admin/login").want(http.StatusOK))
	token, _ := d.Find(`[data-testid=login-form] input[name=csrf]`).Attr("value")
	if token == "" {
		b.t.Fatal("sign-in form without a CSRF token")
	}
	return b.send("POST", "/admin/login", url.Values{"name": {name}, "password": {password}, "csrf": {token}})
}

// refreshCSRF reads the session's token from a console page.
func (b *staff) refreshCSRF() {
	b.t.Helper()
	d := page(b.t, b.get("/admin").want(http.StatusOK))
	b.csrf, _ = d.Find(`input[name=csrf]`).First().Attr("value")
	if b.csrf == "" {
		b.t.Fatal("console page without a CSRF token")
	}
}

// page parses an HTML response without consuming it.
func page(t *testing.T, r resp) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// text is the trimmed text of the elements matching sel.
func text(d *goquery.Document, sel string) string {
	return strings.Join(strings.Fields(d.Find(sel).Text()), " ")
}

func (r resp) location() string { return r.Header().Get("Location") }

func TestConsoleSignIn(t *testing.T) {
	en := newEnv(t)
	en.addUser("mina", status.RoleEditor)
	b := en.browser("198.51.100.7")

	r := b.get("/admin").want(http.StatusSeeOther)
	if r.location() != "/admin/login?next=%2Fadmin" {
		t.Fatalf("signed-out /admin redirects to %q", r.location())
	}

	r = b.login("mina", "wrong password!").want(http.StatusUnauthorized)
	if got := text(page(t, r), "[data-testid=login-error]"); got != "Invalid name or password." {
		t.Fatalf("login error = %q", got)
	}
	if _, ok := b.cookies["candor_session"]; ok {
		t.Fatal("a failed sign-in set a session cookie")
	}
	if v, _ := page(t, r).Find("input[name=name]").Attr("value"); v != "mina" {
		t.Fatalf("name not kept after a failed sign-in: %q", v)
	}

	r = b.login("mina", testPassword).want(http.StatusSeeOther)
	if r.location() != "/admin" {
		t.Fatalf("sign-in redirects to %q", r.location())
	}
	ck := b.cookies["candor_session"]
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/admin" || ck.Secure {
		t.Fatalf("session cookie over plain HTTP = %+v; want HttpOnly, SameSite=Lax, Path=/admin, not Secure", ck)
	}
	home := b.get("/admin").want(http.StatusOK)
	if cc := home.Header().Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("console Cache-Control = %q", cc)
	}
	if got := text(page(t, home), "[data-testid=signed-in-as]"); !strings.HasPrefix(got, "mina") {
		t.Fatalf("signed in as %q", got)
	}

	// Behind a TLS-terminating proxy the cookie is Secure.
	tls := en.browser("198.51.100.8")
	tls.headers = []string{"X-Forwarded-Proto", "https"}
	tls.login("mina", testPassword).want(http.StatusSeeOther)
	if ck := tls.cookies["candor_session"]; ck == nil || !ck.Secure {
		t.Fatalf("session cookie over TLS = %+v; want Secure", ck)
	}

	// After sign-in the user lands where they were going, never on another site.
	next := en.browser("198.51.100.9")
	next.get("/admin/login?next=%2Fadmin%2Fincidents")
	for in, want := range map[string]string{"/admin/incidents": "/admin/incidents", "https://evil.example/": "/admin", "//evil.example/admin": "/admin"} {
		d := page(t, next.get("/admin/login?next="+url.QueryEscape(in)))
		if v, _ := d.Find("input[name=next]").Attr("value"); v != want {
			t.Errorf("next %q → %q, want %q", in, v, want)
		}
	}
}

func TestConsoleSignInRateLimit(t *testing.T) {
	en := newEnv(t)
	en.addUser("mina", status.RoleEditor)
	en.addUser("joon", status.RoleEditor)
	// Successful sign-ins do not count: a whole office behind one address can sign in.
	for i := 0; i < 2*5; i++ {
		en.browser("198.51.100.20").login("mina", testPassword).want(http.StatusSeeOther)
	}
	b := en.browser("198.51.100.20")
	for i := 0; i < 5; i++ {
		b.login("mina", "not the password").want(http.StatusUnauthorized)
	}
	// The sixth attempt is refused even with the right password.
	r := b.login("mina", testPassword).want(http.StatusTooManyRequests)
	if got := text(page(t, r), "[data-testid=login-error]"); !strings.Contains(got, "Too many sign-in attempts") {
		t.Fatalf("rate-limit message = %q", got)
	}
	if _, ok := b.cookies["candor_session"]; ok {
		t.Fatal("a refused attempt signed in")
	}
	// Per address: another name from the same address is refused too.
	b.login("joon", testPassword).want(http.StatusTooManyRequests)
	// Not per name: the same name from another address signs in (no lock-out, issue 18).
	en.browser("203.0.113.50").login("mina", testPassword).want(http.StatusSeeOther)
	// A minute later the address may try again.
	en.clock.Advance(61 * time.Second)
	b.login("mina", testPassword).want(http.StatusSeeOther)
}

// TestConsoleSignInUnderSpray (issue 18, defect 3): wrong passwords for one name from many
// addresses — "admin", "ADMIN " alike — never lock the account: they slow every attempt
// on it (before the password is checked), and staff with the right password from a new
// address still sign in. Each address is still limited on its own.
func TestConsoleSignInUnderSpray(t *testing.T) {
	en := newEnv(t)
	var paused []time.Duration
	en.e = handlers.New(handlers.Deps{Service: en.svc, Site: en.holder, Builder: en.build, Assets: en.assets,
		DefaultLang: templates.Korean, Pause: func(_ context.Context, d time.Duration) error {
			paused = append(paused, d)
			return nil
		}})
	en.addUser("admin", status.RoleAdmin)
	for i := range 40 { // 40 addresses, 4 wrong guesses each: 160 failures in a few minutes
		b := en.browser(fmt.Sprintf("198.51.100.%d", i+1))
		for j := range 4 {
			name := "admin"
			if j%2 == 1 {
				name = " ADMIN "
			}
			b.login(name, "guess "+strconv.Itoa(j)).want(http.StatusUnauthorized)
		}
		en.clock.Advance(3 * time.Second)
	}
	if len(paused) == 0 {
		t.Fatal("a spray of 160 failures slowed no attempt")
	}
	if last := paused[len(paused)-1]; last < time.Second || last > 5*time.Second {
		t.Errorf("slowdown after 160 failures = %v, want between 1 s and 5 s", last)
	}
	paused = nil
	// The right password from a new address works, after the slowdown.
	b := en.browser("203.0.113.77")
	b.login("admin", testPassword).want(http.StatusSeeOther)
	if _, ok := b.cookies["candor_session"]; !ok {
		t.Fatal("no session for the right password under a spray")
	}
	if len(paused) != 1 {
		t.Errorf("the sign-in under a spray waited %d times, want once", len(paused))
	}
	// An unknown name is slowed alike once sprayed, so the slowdown reveals no names.
	for range 25 {
		en.browser("192.0.2.1").login("nobody", "x").want(http.StatusUnauthorized)
		en.clock.Advance(13 * time.Second) // under five per minute from this address
	}
	paused = nil
	en.browser("192.0.2.2").login("nobody", "x").want(http.StatusUnauthorized)
	if len(paused) != 1 {
		t.Error("attempts on a sprayed unknown name are not slowed")
	}
	// Quiet for the window: no more slowdown.
	en.clock.Advance(16 * time.Minute)
	paused = nil
	en.browser("203.0.113.78").login("admin", testPassword).want(http.StatusSeeOther)
	if len(paused) != 0 {
		t.Errorf("slowed %v after the spray ended", paused)
	}
}

func TestConsoleCSRF(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", ""})
	ed := en.signedIn("mina", status.RoleEditor, "198.51.100.7")
	form := url.Values{"title": {"Search is down"}, "message": {"Looking into it."}, "components.search": {"major_outage"},
		"action": {"post"}}

	for name, token := range map[string][]string{"without a token": nil, "with a wrong token": {"forged"}, "with an empty token": {""}} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if token != nil {
			f["csrf"] = token
		}
		var r resp
		if token == nil {
			r = ed.send("POST", "/admin/incidents/new", f)
		} else {
			r = ed.post("/admin/incidents/new", f)
		}
		r.want(http.StatusForbidden)
		d := page(t, r)
		if code, _ := d.Find("[data-testid=console-error]").Attr("data-code"); code != "403" {
			t.Fatalf("%s: no friendly 403 page: %s", name, r.Body.String())
		}
		if !strings.Contains(text(d, "[data-testid=console-error]"), "reload the page") {
			t.Errorf("%s: the 403 page does not say what to do", name)
		}
	}
	// Another session's token is no good either.
	other := en.signedIn("joon", status.RoleEditor, "198.51.100.8")
	f := url.Values{"csrf": {other.csrf}}
	for k, v := range form {
		f[k] = v
	}
	ed.post("/admin/incidents/new", f).want(http.StatusForbidden)
	if n := en.countIncidents(); n != 0 {
		t.Fatalf("%d incidents created by forged posts", n)
	}
	// The sign-in form is protected too: a post without its token signs nobody in.
	b := en.browser("198.51.100.9")
	b.send("POST", "/admin/login", url.Values{"name": {"mina"}, "password": {testPassword}}).want(http.StatusForbidden)
	if _, ok := b.cookies["candor_session"]; ok {
		t.Fatal("sign-in without the form's token")
	}
	// With the right token the same post works.
	ed.post("/admin/incidents/new", form).want(http.StatusSeeOther)
}

func TestConsoleRoles(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", ""})
	viewer := en.signedIn("vic", status.RoleViewer, "198.51.100.1")
	editor := en.signedIn("eda", status.RoleEditor, "198.51.100.2")
	admin := en.signedIn("ada", status.RoleAdmin, "198.51.100.3")
	incident := url.Values{"title": {"Search is down"}, "message": {"Looking into it."}, "action": {"post"}}

	viewer.get("/admin").want(http.StatusOK)
	viewer.get("/admin/incidents").want(http.StatusOK)
	viewer.get("/admin/incidents/new").want(http.StatusForbidden)
	r := viewer.post("/admin/incidents/new", incident).want(http.StatusForbidden)
	if !strings.Contains(text(page(t, r), "[data-testid=console-error]"), "viewer") {
		t.Errorf("the 403 page does not name the role: %s", r.Body.String())
	}
	if n := en.countIncidents(); n != 0 {
		t.Fatal("a viewer posted an incident")
	}
	if page(t, viewer.get("/admin")).Find("[data-testid=new-incident]").Length() != 0 {
		t.Error("the dashboard offers viewers a new-incident button")
	}

	editor.post("/admin/incidents/new", incident).want(http.StatusSeeOther)
	for _, path := range []string{"/admin/users", "/admin/keys", "/admin/components", "/admin/templates", "/admin/audit"} {
		editor.get(path).want(http.StatusForbidden)
		viewer.get(path).want(http.StatusForbidden)
		admin.get(path).want(http.StatusOK)
	}
	editor.post("/admin/users", url.Values{"name": {"sneaky"}, "role": {"admin"}, "password": {testPassword}}).want(http.StatusForbidden)
	if page(t, editor.get("/admin")).Find(`[data-testid=nav] a[href="/admin/users"]`).Length() != 0 {
		t.Error("editors see the Users link")
	}
	admin.post("/admin/users", url.Values{"name": {"newbie"}, "role": {"viewer"}, "password": {testPassword}}).want(http.StatusSeeOther)
	users, _ := en.svc.Users(context.Background())
	if len(users) != 4 {
		t.Fatalf("%d users, want 4", len(users))
	}
}

func TestConsoleLogout(t *testing.T) {
	en := newEnv(t)
	b := en.signedIn("mina", status.RoleEditor, "198.51.100.7")
	old := b.cookies["candor_session"].Value

	// Signing out is a post with the session's token, not a link another site could follow.
	b.send("POST", "/admin/logout", url.Values{}).want(http.StatusForbidden)
	r := b.post("/admin/logout", nil).want(http.StatusSeeOther)
	if r.location() != "/admin/login?done=signedout" {
		t.Fatalf("sign-out redirects to %q", r.location())
	}
	if _, ok := b.cookies["candor_session"]; ok {
		t.Fatal("the session cookie was not cleared")
	}
	// The old cookie no longer opens the console.
	b.cookies["candor_session"] = &http.Cookie{Name: "candor_session", Value: old}
	b.get("/admin").want(http.StatusSeeOther)
	if _, _, err := en.svc.SessionUser(context.Background(), old); status.ErrorCode(err) != status.EUNAUTHORIZED {
		t.Fatalf("session still valid after sign-out: %v", err)
	}
}

func TestConsoleAudit(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"search", "Search", ""})
	editor := en.signedIn("eda", status.RoleEditor, "203.0.113.9")
	admin := en.signedIn("ada", status.RoleAdmin, "203.0.113.10")
	editor.post("/admin/incidents/new", url.Values{"title": {"Search is down"}, "message": {"Looking into it."},
		"components.search": {"partial_outage"}, "action": {"post"}}).want(http.StatusSeeOther)

	d := page(t, admin.get("/admin/audit").want(http.StatusOK))
	var found bool
	d.Find("[data-testid=audit-entry]").Each(func(_ int, s *goquery.Selection) {
		if a, _ := s.Attr("data-action"); a == "incident.create" {
			found = true
			if got := strings.TrimSpace(s.Find("[data-testid=audit-actor]").Text()); got != "eda (user)" {
				t.Errorf("actor = %q", got)
			}
			if got := strings.TrimSpace(s.Find("[data-testid=audit-addr]").Text()); got != "203.0.113.9" {
				t.Errorf("address = %q", got)
			}
		}
	})
	if !found {
		t.Fatalf("no incident.create entry in the audit log: %s", d.Find("table").Text())
	}
	if !strings.Contains(d.Text(), "user.login") {
		t.Error("sign-ins are not in the audit log")
	}
}

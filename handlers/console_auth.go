package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Sign-in throttling. Per client address: at most loginAttempts failed sign-ins per
// loginWindow, then 429 — one machine cannot guess quickly. Successful sign-ins do not
// count, so a whole office behind one address can sign in at the start of an outage.
//
// Per user name there is no lock-out: a limit anyone can trip would let a stranger keep
// staff out of the console during an outage with five requests a minute (issue 18). Past
// accountSlowAfter failures within accountWindow, from anywhere, every attempt on that
// name first waits accountStep for each failure beyond it, up to accountMaxDelay: a spray
// slows down, and staff with the right password still get in, a few seconds late. Unknown
// names are counted alike, so the slowdown reveals no names.
const (
	loginAttempts = 5
	loginWindow   = time.Minute

	accountSlowAfter = 20
	accountWindow    = 15 * time.Minute
	accountStep      = 250 * time.Millisecond
	accountMaxDelay  = 5 * time.Second
)

// accountDelay is how long an attempt on a name with failures recent failures waits.
func accountDelay(failures int) time.Duration {
	if failures < accountSlowAfter {
		return 0
	}
	return min(accountMaxDelay, time.Duration(failures-accountSlowAfter+1)*accountStep)
}

// accountKey is the per-name throttling key: the name as the store finds it, so "admin",
// "ADMIN" and " admin " are one account.
func accountKey(name string) string { return "name:" + strings.ToLower(strings.TrimSpace(name)) }

type loginRequest struct {
	Name     string `form:"name"`
	Password string `form:"password"`
	CSRF     string `form:"csrf"`
	Next     string `form:"next"`
}

func (s *console) loginPage(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if _, _, err := s.Service.SessionUser(c.Request().Context(), ck.Value); err == nil {
			return c.Redirect(http.StatusSeeOther, next)
		}
	}
	return s.renderLogin(c, http.StatusOK, "", next, "")
}

// renderLogin shows the sign-in form with a fresh form token.
func (s *console) renderLogin(c echo.Context, code int, name, next, problem string) error {
	token := newFormToken()
	s.setCookie(c, loginCookie, token, int(time.Hour/time.Second))
	p := s.page(c, "Sign in", "")
	if c.QueryParam("done") == "signedout" {
		p.Flash = "You are signed out."
	}
	v := templates.LoginView{ConsolePage: p, Name: name, Next: next, Token: token, Problem: problem}
	return s.render(c, code, templates.LoginPage(v))
}

func (s *console) login(c echo.Context) error {
	var req loginRequest
	if err := (&echo.DefaultBinder{}).BindBody(c, &req); err != nil {
		return badRequest("The sign-in form could not be read.")
	}
	next := safeNext(req.Next)
	ck, err := c.Cookie(loginCookie)
	if err != nil || req.CSRF == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(req.CSRF)) != 1 {
		return s.renderLogin(c, http.StatusForbidden, req.Name, next,
			"The sign-in form expired or came from another site. Please sign in again.")
	}
	name := strings.TrimSpace(req.Name)
	addr, account := "addr:"+c.RealIP(), accountKey(name)
	now := s.Service.Clock().Now()
	if !s.logins.allow(now, addr) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(loginWindow/time.Second)))
		return s.renderLogin(c, http.StatusTooManyRequests, name, next,
			"Too many sign-in attempts. Wait a minute, then try again.")
	}
	if d := accountDelay(s.accounts.count(now, account)); d > 0 {
		// Before the password is checked, so how long an answer takes says nothing about it.
		if err := s.pause(c.Request().Context(), d); err != nil {
			return err
		}
	}
	_, secret, _, err := s.Service.Login(c.Request().Context(), name, req.Password, c.RealIP())
	if status.ErrorCode(err) == status.EUNAUTHORIZED {
		if n := s.accounts.add(now, account); n == accountSlowAfter {
			s.Log.WarnContext(c.Request().Context(), "many failed sign-ins for one user name; slowing attempts on it",
				"failures", n, "window", accountWindow, "remote", c.RealIP())
		}
		return s.renderLogin(c, http.StatusUnauthorized, name, next, "Invalid name or password.")
	} else if err != nil {
		return err
	}
	s.logins.refund(addr)
	s.setCookie(c, loginCookie, "", -1)
	s.setCookie(c, sessionCookie, secret, 0)
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *console) logout(c echo.Context) error {
	secret, _ := c.Get(ctxSecret).(string)
	if err := s.Service.Logout(c.Request().Context(), userOp(c), secret); err != nil && status.ErrorCode(err) != status.ENOTFOUND {
		return err
	}
	s.setCookie(c, sessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, consolePath+"/login?done=signedout")
}

// setCookie sets a console cookie: only sent to /admin, never readable by scripts, not sent
// on cross-site posts, and Secure whenever the request came over TLS (directly or through
// a proxy saying so). maxAge 0 makes a browser-session cookie; negative deletes it.
func (s *console) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: consolePath, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: overTLS(c)})
}

// overTLS reports whether the browser reached us over TLS. Echo trusts X-Forwarded-Proto
// only from private addresses; here any proxy's word is taken, because the flag can only
// make a cookie stricter: a client that lies gets a cookie its own browser will not send
// back over plain HTTP, while a CDN terminating TLS from a public address still gets Secure.
func overTLS(c echo.Context) bool {
	if c.Scheme() == "https" {
		return true
	}
	proto, _, _ := strings.Cut(c.Request().Header.Get(echo.HeaderXForwardedProto), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// safeNext keeps a post-sign-in redirect inside the console, so a crafted link cannot send
// a freshly signed-in user to another site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) ||
		!(u.Path == consolePath || strings.HasPrefix(u.Path, consolePath+"/")) || u.Path == consolePath+"/login" {
		return consolePath
	}
	return u.RequestURI()
}

func newFormToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// pause waits d, or until ctx ends (the client gave up).
func (s *console) pause(ctx context.Context, d time.Duration) error {
	if s.Pause != nil {
		return s.Pause(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// loginLimiter counts sign-in attempts per key in a sliding window.
type loginLimiter struct {
	per    int
	window time.Duration

	mu   sync.Mutex
	hits map[string][]time.Time
}

func newLoginLimiter(per int, window time.Duration) *loginLimiter {
	return &loginLimiter{per: per, window: window, hits: map[string][]time.Time{}}
}

// allow records an attempt for every key and reports true, unless one of them already used
// up its attempts in the window (then nothing is recorded).
func (l *loginLimiter) allow(now time.Time, keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hits) > 4096 {
		for k := range l.hits {
			l.prune(k, now)
		}
	}
	for _, k := range keys {
		if len(l.prune(k, now)) >= l.per {
			return false
		}
	}
	for _, k := range keys {
		l.hits[k] = append(l.hits[k], now)
	}
	return true
}

// refund forgets the latest attempt of every key: it succeeded. Attempts are recorded
// before the password is checked, so parallel guesses cannot slip past the limit.
func (l *loginLimiter) refund(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if hs := l.hits[k]; len(hs) > 1 {
			l.hits[k] = hs[:len(hs)-1]
		} else {
			delete(l.hits, k)
		}
	}
}

// count returns how many attempts key made in the window.
func (l *loginLimiter) count(now time.Time, key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prune(key, now))
}

// add records an attempt for key and returns how many it made in the window.
func (l *loginLimiter) add(now time.Time, key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hits) > 4096 {
		for k := range l.hits {
			l.prune(k, now)
		}
	}
	l.hits[key] = append(l.prune(key, now), now)
	return len(l.hits[key])
}

// prune drops attempts older than the window and returns those left.
func (l *loginLimiter) prune(key string, now time.Time) []time.Time {
	hs := l.hits[key]
	i := 0
	for i < len(hs) && !hs[i].After(now.Add(-l.window)) {
		i++
	}
	hs = hs[i:]
	if len(hs) == 0 {
		delete(l.hits, key)
		return nil
	}
	l.hits[key] = hs
	return hs
}

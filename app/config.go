package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/notifier/email"
	"github.com/candorstatus/candor/notifier/fcm"
	"github.com/candorstatus/candor/status"
)

// Config is every setting of a Candor server, typed and validated. Settings lists them
// with their flags, environment variables, defaults and meanings: the one place that
// documents them (the README's table is checked against it).
type Config struct {
	Addr        string
	DataDir     string
	DatabaseURL string // "" : the embedded SQLite in DataDir
	Location    *time.Location
	PageName    lang.Text
	DefaultLang lang.Lang
	PublicURL   string // absolute, without a trailing slash
	Demo        bool
	LogLevel    slog.Level
	// TrustProxy takes the client address from X-Forwarded-For (only behind a proxy that
	// overwrites it).
	TrustProxy bool
	// OutboxLease is how long a replica may hold a claimed outbox job before another may
	// take it over.
	OutboxLease time.Duration
	// SignalHold is how long a signal's state must hold before it moves a component.
	SignalHold time.Duration
	// MaxStreams caps open live-update streams per process (further capped below the
	// file-descriptor limit at start).
	MaxStreams int
	// Webhook delivery: see the README's "Webhooks and chat".
	WebhookAllowPrivate bool
	WebhookTimeout      time.Duration
	WebhookBackoff      time.Duration
	WebhookRetryFor     time.Duration
	WebhookDisableAfter time.Duration
	// FCM is where pushes go; FCMOn is false when pushes are only logged.
	FCM   fcm.Config
	FCMOn bool
	// SMTP is where emails go; SMTPOn is false when emails are only logged. MailFrom is
	// their From; SMTPRate caps messages per second (0: no cap); SMTPConns is how many
	// connections send at once.
	SMTP      email.SMTPConfig
	SMTPOn    bool
	MailFrom  string
	SMTPRate  float64
	SMTPConns int

	pageNameAll, pageNameKO, pageNameEN string
	timezone                            string
}

// Setting is one configuration value: a flag (empty for environment-only settings), the
// environment variable that supplies its default, the default, what it means, and how it is
// read into a Config (an error names what is wrong with the value).
type Setting struct {
	Flag, Env, Default, Help string
	set                      func(c *Config, v string) error
}

// Bool reports whether the setting is on or off (its default is "true" or "false"): its flag
// takes no value, "--demo" meaning true.
func (s Setting) Bool() bool { return s.Default == "true" || s.Default == "false" }

// Settings lists every setting of the server.
var Settings = []Setting{
	{"addr", "CANDOR_ADDR", "127.0.0.1:8080", "address to listen on", func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return errors.New("want host:port, e.g. 127.0.0.1:8080 or :8080")
		}
		c.Addr = v
		return nil
	}},
	{"data-dir", "CANDOR_DATA_DIR", "candor-data", "folder of the embedded SQLite database", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{"database-url", "CANDOR_DATABASE_URL", "", "postgres://… selects PostgreSQL instead of the embedded SQLite", func(c *Config, v string) error {
		v = strings.TrimSpace(v)
		if v != "" && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
			return errors.New("must start with postgres:// or postgresql://")
		}
		c.DatabaseURL = v
		return nil
	}},
	{"timezone", "CANDOR_TIMEZONE", "Asia/Seoul", "IANA time zone pages show times in", func(c *Config, v string) error {
		loc, err := time.LoadLocation(v)
		if err != nil || v == "" {
			return errors.New("is not an IANA time zone name (e.g. Asia/Seoul)")
		}
		c.Location, c.timezone = loc, v
		return nil
	}},
	{"page-name", "CANDOR_PAGE_NAME", "Candor Status", "the page's name (every language)", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		c.pageNameAll = strings.TrimSpace(v)
		return nil
	}},
	{"page-name-ko", "CANDOR_PAGE_NAME_KO", "", "the page's name on Korean pages, when it differs", func(c *Config, v string) error {
		c.pageNameKO = strings.TrimSpace(v)
		return nil
	}},
	{"page-name-en", "CANDOR_PAGE_NAME_EN", "", "the page's name on English pages, when it differs", func(c *Config, v string) error {
		c.pageNameEN = strings.TrimSpace(v)
		return nil
	}},
	{"default-lang", "CANDOR_DEFAULT_LANG", "ko", "ko or en: pages for readers who ask for neither, and the language staff texts fall back to", func(c *Config, v string) error {
		l, ok := lang.Parse(v)
		if !ok {
			return errors.New("want ko or en")
		}
		c.DefaultLang = l
		return nil
	}},
	{"public-url", "CANDOR_PUBLIC_URL", "", "absolute base URL used in links, feeds and JSON (default http://ADDR)", func(c *Config, v string) error {
		v = strings.TrimRight(strings.TrimSpace(v), "/")
		if v != "" && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
			return errors.New("must start with http:// or https://")
		}
		c.PublicURL = v
		return nil
	}},
	{"demo", "CANDOR_DEMO", "false", "seed demo components and incident history into an empty store", boolSetting(func(c *Config, b bool) { c.Demo = b })},
	{"log-level", "CANDOR_LOG_LEVEL", "info", "debug, info, warn or error (JSON logs on stderr)", func(c *Config, v string) error {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return errors.New("want debug, info, warn or error")
		}
		return nil
	}},
	{"", "CANDOR_TRUST_PROXY", "false", "take the client address from X-Forwarded-For (only behind a proxy/CDN that overwrites it)", boolSetting(func(c *Config, b bool) { c.TrustProxy = b })},
	{"", "CANDOR_OUTBOX_LEASE", "15s", "how long a claimed push job stays with a replica that stops renewing it (a live dispatcher renews it by heartbeat) before another may take it over", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 3*time.Second {
			return errors.New("want a duration of at least 3s, e.g. 15s")
		}
		c.OutboxLease = d
		return nil
	}},
	{"", "CANDOR_SIGNAL_HOLD", "30s", "how long a monitoring signal's state must hold before it moves a component (flapping is damped)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Hour {
			return errors.New("want a duration from 0s to 1h, e.g. 30s")
		}
		c.SignalHold = d
		return nil
	}},
	{"", "CANDOR_WEBHOOK_ALLOW_PRIVATE", "false", "let webhooks reach loopback, private and link-local addresses, and use http:// (on-premises receivers, tests); cloud metadata stays refused", boolSetting(func(c *Config, b bool) { c.WebhookAllowPrivate = b })},
	{"", "CANDOR_WEBHOOK_TIMEOUT", "10s", "how long one webhook request may take", durationSetting(time.Second, time.Minute, func(c *Config, d time.Duration) { c.WebhookTimeout = d })},
	{"", "CANDOR_WEBHOOK_BACKOFF", "30s", "first wait before a failed webhook is retried; it doubles per attempt up to an hour, with jitter", durationSetting(100*time.Millisecond, 10*time.Minute, func(c *Config, d time.Duration) { c.WebhookBackoff = d })},
	{"", "CANDOR_WEBHOOK_RETRY_FOR", "24h", "how long a webhook delivery is retried before it is given up", durationSetting(time.Minute, 72*time.Hour, func(c *Config, d time.Duration) { c.WebhookRetryFor = d })},
	{"", "CANDOR_WEBHOOK_DISABLE_AFTER", "24h", "how long an endpoint may fail without a success before it is disabled", durationSetting(time.Minute, 30*24*time.Hour, func(c *Config, d time.Duration) { c.WebhookDisableAfter = d })},
	{"", "CANDOR_MAX_STREAMS", "100000", "cap on open live-update streams per process", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errors.New("want a positive number")
		}
		c.MaxStreams = n
		return nil
	}},
	{"", "CANDOR_SMTP_URL", "", "SMTP server for subscriber emails (and public webhook confirmations, webhook contacts): smtp://user:pass@host:587 (STARTTLS required), smtps://… (implicit TLS), smtp://host:25?tls=none (no TLS: a local relay); unset: emails are only logged", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		sc, err := email.ParseSMTPURL(strings.TrimSpace(v))
		if err != nil {
			return err
		}
		c.SMTP, c.SMTPOn = sc, true
		return nil
	}},
	{"", "CANDOR_MAIL_FROM", "", "From address of subscriber emails, e.g. \"Candor Status <status@example.com>\" (required with CANDOR_SMTP_URL)", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		a, err := mail.ParseAddress(strings.TrimSpace(v))
		if err != nil {
			return errors.New("want an address, e.g. status@example.com or \"Candor Status <status@example.com>\"")
		}
		c.MailFrom = a.String()
		return nil
	}},
	{"", "CANDOR_SMTP_RATE", "0", "most emails per second sent to the SMTP server (0: no cap; providers often cap it)", func(c *Config, v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 100000 {
			return errors.New("want a number of emails per second from 0 (no cap) to 100000")
		}
		c.SMTPRate = r
		return nil
	}},
	{"", "CANDOR_SMTP_CONNECTIONS", "4", "SMTP connections sending at once, each reused for many emails", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return errors.New("want a number from 1 to 64")
		}
		c.SMTPConns = n
		return nil
	}},
}

// fcmVariables are read by fcm.ConfigFromEnv; they are settings too, documented in the
// README's push section.
var fcmVariables = []string{"CANDOR_FCM_ENDPOINT", "CANDOR_FCM_CREDENTIALS", "CANDOR_FCM_PROJECT_ID", "CANDOR_FCM_PROJECT"}

// testVariables configure the test suites, not the server; a server ignores them.
var testVariables = []string{"CANDOR_REQUIRE", "CANDOR_TEST_"}

// durationSetting reads a duration from lo to hi inclusive.
func durationSetting(lo, hi time.Duration, set func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("want a duration from %s to %s", lo, hi)
		}
		set(c, d)
		return nil
	}
}

func boolSetting(set func(*Config, bool)) func(*Config, string) error {
	return func(c *Config, v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "true", "yes", "on":
			set(c, true)
		case "0", "false", "no", "off", "":
			set(c, false)
		default:
			return errors.New("want true or false (1 or 0)")
		}
		return nil
	}
}

// Load reads a Config: each setting from values (by flag name: what the command line set),
// else from getenv, else its default. Every malformed value is reported, each with its flag
// or variable, in one error; so is a CANDOR_ variable in environ that no setting reads (a
// misspelt variable would otherwise be silently ignored).
func Load(values map[string]string, getenv func(string) string, environ []string) (Config, error) {
	var c Config
	var errs []error
	for _, s := range Settings {
		v, from := s.Default, "default"
		if e := getenv(s.Env); e != "" {
			v, from = e, s.Env
		}
		if f, ok := values[s.Flag]; ok && s.Flag != "" {
			v, from = f, "--"+s.Flag
		}
		if err := s.set(&c, v); err != nil {
			shown := v
			if s.Env == "CANDOR_SMTP_URL" {
				shown = redactURL(v) // its password must not reach a log
			}
			errs = append(errs, fmt.Errorf("%s %q: %w", from, shown, err))
		}
	}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CANDOR_") && !known(k) {
			errs = append(errs, fmt.Errorf("unknown setting %s (known: %s)", k, strings.Join(knownNames(), ", ")))
		}
	}
	if c.SMTPOn && c.MailFrom == "" {
		errs = append(errs, errors.New("CANDOR_SMTP_URL is set but CANDOR_MAIL_FROM is not: emails need a From address"))
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	if c.MailFrom == "" {
		c.MailFrom = "candor@localhost" // emails are only logged
	}
	c.PageName = lang.Same(c.pageNameAll)
	if c.pageNameKO != "" {
		c.PageName.KO = c.pageNameKO
	}
	if c.pageNameEN != "" {
		c.PageName.EN = c.pageNameEN
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	c.FCM, c.FCMOn = fcm.ConfigFromEnv(getenv)
	return c, nil
}

func known(k string) bool {
	for _, s := range Settings {
		if s.Env == k {
			return true
		}
	}
	for _, p := range testVariables {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return slices.Contains(fcmVariables, k)
}

func knownNames() []string {
	var out []string
	for _, s := range Settings {
		out = append(out, s.Env)
	}
	return append(out, fcmVariables...)
}

// PageID is the stable page id in /api/v2 documents, from the page's name.
func (c Config) PageID() string {
	if id := status.Slug(c.pageNameAll); id != "" {
		return id
	}
	return "candor"
}

// Timezone is the zone's name as configured.
func (c Config) Timezone() string { return c.timezone }

// DBPath is the embedded database's file in dataDir.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "candor.db") }

// redactURL hides the password of a URL in an error.
func redactURL(v string) string {
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	if strings.Contains(v, "@") {
		return "(hidden: it may hold a password)"
	}
	return v
}

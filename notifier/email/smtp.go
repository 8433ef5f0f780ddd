package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSMode is how the connection to the SMTP server is protected.
type TLSMode string

// TLS modes.
const (
	STARTTLS TLSMode = "starttls" // smtp://: STARTTLS required (the default)
	Implicit TLSMode = "implicit" // smtps://: TLS from the first byte
	NoTLS    TLSMode = "none"     // smtp://…?tls=none: plain text, for a local relay and tests
)

// SMTPConfig is where and how to send: parsed from CANDOR_SMTP_URL.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      TLSMode
}

// Redacted is the URL without its password, for logs and errors.
func (c SMTPConfig) Redacted() string {
	scheme := "smtp"
	if c.TLS == Implicit {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.Username != "" {
		u.User = url.UserPassword(c.Username, "xxxxx")
	}
	if c.TLS == NoTLS {
		u.RawQuery = "tls=none"
	}
	return u.String()
}

// ParseSMTPURL reads smtp://user:pass@host:587 (STARTTLS required), smtps://user:pass@host:465
// (implicit TLS) or smtp://host:25?tls=none (no TLS). The port defaults to 587 and 465.
func ParseSMTPURL(s string) (SMTPConfig, error) {
	u, err := url.Parse(s)
	if err != nil {
		return SMTPConfig{}, errors.New("not a URL") // the error would echo the password
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.TLS, c.Port = STARTTLS, 587
	case "smtps":
		c.TLS, c.Port = Implicit, 465
	default:
		return SMTPConfig{}, fmt.Errorf("scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return SMTPConfig{}, errors.New("no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, fmt.Errorf("port %q is not a port", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" {
		return SMTPConfig{}, errors.New("a path means nothing here")
	}
	for k, v := range u.Query() {
		switch {
		case k == "tls" && len(v) == 1 && v[0] == "none" && c.TLS == STARTTLS:
			c.TLS = NoTLS
		default:
			return SMTPConfig{}, fmt.Errorf("unknown parameter %s=%s (only tls=none, with smtp://)", k, strings.Join(v, ","))
		}
	}
	return c, nil
}

// SMTP sends through an SMTP server with go-mail, one connection per Open.
type SMTP struct {
	cfg     SMTPConfig
	timeout time.Duration
	tls     *tls.Config
}

// NewSMTP returns a Sender for cfg. tlsConfig may be nil (the system's roots, the host's name).
func NewSMTP(cfg SMTPConfig, tlsConfig *tls.Config) *SMTP {
	return &SMTP{cfg: cfg, timeout: 30 * time.Second, tls: tlsConfig}
}

// Open dials and greets the server (and authenticates) for a connection of its own.
func (s *SMTP) Open(ctx context.Context) (Conn, error) {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.timeout),
		// No NOOP before and no RSET after each message: the server answers for each one
		// anyway, and on a reused connection the two would double the round trips.
		gomail.WithoutNoop(), gomail.WithoutRset()}
	switch s.cfg.TLS {
	case Implicit:
		opts = append(opts, gomail.WithSSL())
	case STARTTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.tls != nil {
		opts = append(opts, gomail.WithTLSConfig(s.tls))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", s.cfg.Redacted(), err)
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, &Error{Class: Temporary, Broken: true, Err: fmt.Errorf("connect to %s: %w", s.cfg.Redacted(), err)}
	}
	return &smtpConn{c: c}, nil
}

type smtpConn struct{ c *gomail.Client }

// Send sends one message. The reply to the end of DATA is the server taking it on: only
// then is it recorded as delivered.
func (c *smtpConn) Send(ctx context.Context, m Mail) error {
	msg, err := message(m)
	if err != nil {
		// Cannot be built (a bad address that passed validation): never sendable.
		return &Error{Class: Bounce, Err: err}
	}
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { c.c.Close(); close(done) }) // a cancelled send breaks the connection
	err = c.c.Send(msg)
	if !stop() {
		<-done
		return &Error{Class: Temporary, Broken: true, Err: ctx.Err()}
	}
	if err == nil {
		return nil
	}
	return classify(err)
}

func (c *smtpConn) Close() error { return c.c.Close() }

// classify turns go-mail's SendError into an *Error: 5xx to the recipient or its message
// is a bounce; 5xx to MAIL FROM is ours (a sender the server refuses), so the mail is
// retried, not held against the address; everything else is temporary.
func classify(err error) error {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return &Error{Class: Temporary, Broken: true, Err: err}
	}
	code := se.ErrorCode()
	out := &Error{Class: Temporary, Code: code, Err: err}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPDataClose, gomail.ErrSMTPData:
		if code >= 500 && code < 600 {
			out.Class = Bounce
		}
	}
	if code == 0 || se.Reason == gomail.ErrConnCheck || se.Reason == gomail.ErrWriteContent {
		out.Broken = true // no answer: the connection is gone
	}
	return out
}

// message builds go-mail's message: both parts, the thread and unsubscribe headers.
func message(m Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.Trim(m.MessageID, "<>"))
	msg.SetDate()
	if m.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, m.InReplyTo)
	}
	if len(m.References) > 0 {
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(m.References, " "))
	}
	if m.Lang != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Lang)
	}
	if m.Unsubscribe != "" {
		// RFC 8058: a POST to this URL with List-Unsubscribe=One-Click unsubscribes, no
		// page, no login — what Gmail and Yahoo require of bulk senders.
		msg.SetGenHeader("List-Unsubscribe", "<"+m.Unsubscribe+">")
		msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

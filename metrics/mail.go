package metrics

import (
	"context"
	"time"

	"github.com/candorstatus/candor/notifier/email"
	"github.com/prometheus/client_golang/prometheus"
)

// MailSender wraps a subscriber-email sender so that each email is timed and its outcome
// counted under channel "email": op "connect" for opening a connection, "send" for each
// email, outcome ok, temporary (retried later) or bounce (refused for good).
func (m *Metrics) MailSender(s email.Sender) email.Sender { return &timedMail{s: s, m: m} }

type timedMail struct {
	s email.Sender
	m *Metrics
}

const mailChannel = "email"

func (t *timedMail) Open(ctx context.Context) (email.Conn, error) {
	start := time.Now()
	c, err := t.s.Open(ctx)
	t.m.send.WithLabelValues(mailChannel, "connect").Observe(time.Since(start).Seconds())
	t.m.sendResults.WithLabelValues(mailChannel, "connect", mailOutcome(err)).Inc()
	if err != nil {
		return nil, err
	}
	return &timedConn{Conn: c, m: t.m}, nil
}

type timedConn struct {
	email.Conn
	m *Metrics
}

func (c *timedConn) Send(ctx context.Context, mail email.Mail) error {
	start := time.Now()
	err := c.Conn.Send(ctx, mail)
	c.m.send.WithLabelValues(mailChannel, "send").Observe(time.Since(start).Seconds())
	c.m.sendResults.WithLabelValues(mailChannel, "send", mailOutcome(err)).Inc()
	return err
}

// SendResults is the counter of delivery outcomes, for tests that check what a channel
// reported.
func (m *Metrics) SendResults() *prometheus.CounterVec { return m.sendResults }

func mailOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	if class, _ := email.Classify(err); class == email.Bounce {
		return "bounce"
	}
	return "temporary"
}

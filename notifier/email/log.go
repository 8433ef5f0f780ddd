package email

import (
	"context"
	"log/slog"

	"github.com/candorstatus/candor/status"
)

// LogSender logs emails instead of sending them: what Candor does without
// CANDOR_SMTP_URL, as it logs pushes without FCM credentials. Addresses are redacted.
type LogSender struct{ Log *slog.Logger }

// Open implements Sender.
func (s LogSender) Open(context.Context) (Conn, error) { return logConn(s), nil }

type logConn LogSender

func (c logConn) Send(ctx context.Context, m Mail) error {
	log := c.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "email not sent (no CANDOR_SMTP_URL): logged instead", "to", status.RedactEmail(m.To),
		"subject", m.Subject, "lang", m.Lang, "message_id", m.MessageID)
	return nil
}

func (logConn) Close() error { return nil }

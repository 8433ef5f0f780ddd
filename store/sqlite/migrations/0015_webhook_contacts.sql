-- Webhooks the public subscribes from the status page, and a contact address for any
-- endpoint: told when it is disabled after failing. A public endpoint waits, disabled, for
-- its contact to follow a confirmation link (tokens stored as hashes, like subscribers').
ALTER TABLE webhook_endpoints ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN confirmed_at INTEGER;
ALTER TABLE webhook_endpoints ADD COLUMN confirm_sent_at INTEGER;
CREATE TABLE webhook_tokens (
	hash        TEXT PRIMARY KEY,
	endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	created_at  INTEGER,
	expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_tokens_endpoint ON webhook_tokens (endpoint_id);
CREATE INDEX webhook_tokens_expires ON webhook_tokens (expires_at);

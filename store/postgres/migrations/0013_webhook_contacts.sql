-- Webhooks the public subscribes from the status page, and a contact address for any
-- endpoint: what SQLite's migration 0015 builds; see there.
ALTER TABLE webhook_endpoints ADD COLUMN contact_email text NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN public boolean NOT NULL DEFAULT false;
ALTER TABLE webhook_endpoints ADD COLUMN confirmed_at timestamptz;
ALTER TABLE webhook_endpoints ADD COLUMN confirm_sent_at timestamptz;
CREATE TABLE webhook_tokens (
	hash        text PRIMARY KEY,
	endpoint_id text COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	created_at  timestamptz,
	expires_at  timestamptz NOT NULL
);
CREATE INDEX webhook_tokens_endpoint ON webhook_tokens (endpoint_id);
CREATE INDEX webhook_tokens_expires ON webhook_tokens (expires_at);

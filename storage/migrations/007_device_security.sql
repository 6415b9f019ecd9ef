-- Tokens expire when unused for --token-ttl-days (last_used_at is renewed
-- by authentication), and a user can remove a device for good.
ALTER TABLE tokens ADD COLUMN last_used_at bigint;
UPDATE tokens SET last_used_at = coalesce(revoked_at, created_at);
ALTER TABLE tokens ALTER COLUMN last_used_at SET NOT NULL;
CREATE INDEX tokens_live_by_user ON tokens (user_id) WHERE revoked_at IS NULL;
CREATE INDEX tokens_live_by_device ON tokens (device_id) WHERE revoked_at IS NULL;
ALTER TABLE devices ADD COLUMN removed_at bigint;

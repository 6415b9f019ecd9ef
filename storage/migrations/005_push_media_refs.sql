-- Push tokens (one per device; NULL: none registered) and the media each
-- message carries, so that the collector deletes only unreferenced uploads.
ALTER TABLE devices ADD COLUMN push_token text;

-- No foreign key to media: a message may name an id that never existed
-- (bodies are end-to-end encrypted, the server cannot check them), and
-- such a reference is harmless.
CREATE TABLE message_media (
  media_id        text NOT NULL,
  conversation_id bigint NOT NULL REFERENCES conversations,
  seq             bigint NOT NULL,
  PRIMARY KEY (media_id, conversation_id, seq)
);

CREATE INDEX media_by_age ON media (created_at);

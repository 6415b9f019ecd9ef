-- Uploaded media. The id is 128 random bits in hex: knowing it is the
-- capability to fetch the file (bodies are end-to-end encrypted, so the
-- server cannot know who a file is for).
CREATE TABLE media (
  media_id     text PRIMARY KEY,
  owner_id     bigint NOT NULL REFERENCES users (user_id),
  size         bigint NOT NULL,
  sha256       text NOT NULL,
  content_type text NOT NULL,
  created_at   bigint NOT NULL
);
CREATE INDEX media_by_owner ON media (owner_id);

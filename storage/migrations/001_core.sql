-- Core schema: accounts, devices, tokens, conversations, messages, cursors.
-- Every id is a 64-bit time-sortable id made by parleyd (storage/ids.cpp).

CREATE TABLE users (
  user_id       bigint PRIMARY KEY,
  username      text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at    bigint NOT NULL
);

CREATE TABLE devices (
  device_id  bigint PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (user_id),
  name       text NOT NULL DEFAULT '',
  created_at bigint NOT NULL
);
CREATE INDEX devices_by_user ON devices (user_id);

-- Tokens are stored only as SHA-256 hashes of the 256-bit random secret.
CREATE TABLE tokens (
  token_hash text PRIMARY KEY, -- hex SHA-256 of the token
  device_id  bigint NOT NULL REFERENCES devices (device_id),
  user_id    bigint NOT NULL REFERENCES users (user_id),
  created_at bigint NOT NULL,
  revoked_at bigint
);

CREATE TABLE conversations (
  conversation_id bigint PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('direct', 'group')),
  title           text,
  created_at      bigint NOT NULL
);

-- One row per 1:1 pair (user_lo <= user_hi), so a pair has one conversation.
CREATE TABLE direct_conversations (
  user_lo         bigint NOT NULL REFERENCES users (user_id),
  user_hi         bigint NOT NULL REFERENCES users (user_id),
  conversation_id bigint NOT NULL UNIQUE REFERENCES conversations,
  PRIMARY KEY (user_lo, user_hi),
  CHECK (user_lo <= user_hi)
);

-- Per-user cursors are the maximum over that user's devices.
CREATE TABLE members (
  conversation_id bigint NOT NULL REFERENCES conversations,
  user_id         bigint NOT NULL REFERENCES users (user_id),
  delivered_seq   bigint NOT NULL DEFAULT 0,
  read_seq        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id);

-- (conversation_id, seq) unique: PostgreSQL referees two owners of one
-- conversation. (sender_device, client_id) unique: idempotent retries.
CREATE TABLE messages (
  msg_id          bigint PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES conversations,
  seq             bigint NOT NULL,
  sender_id       bigint NOT NULL,
  sender_device   bigint NOT NULL,
  client_id       text NOT NULL,
  ts              bigint NOT NULL,
  body            text NOT NULL,
  UNIQUE (conversation_id, seq),
  UNIQUE (sender_device, client_id)
);

CREATE TABLE device_cursors (
  device_id       bigint NOT NULL REFERENCES devices (device_id),
  conversation_id bigint NOT NULL REFERENCES conversations,
  delivered_seq   bigint NOT NULL DEFAULT 0,
  read_seq        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (device_id, conversation_id)
);

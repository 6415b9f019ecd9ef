-- Blocking, as on WhatsApp: a blocked user's 1:1 messages are accepted but
-- never delivered to the blocker, and they no longer see the blocker's
-- presence or typing.
CREATE TABLE blocks (
  blocker_id bigint NOT NULL REFERENCES users (user_id),
  blocked_id bigint NOT NULL REFERENCES users (user_id),
  created_at bigint NOT NULL,
  PRIMARY KEY (blocker_id, blocked_id),
  CHECK (blocker_id <> blocked_id)
);

-- A 1:1 message sent while its recipient blocked the sender: stored (the
-- sender was acked) but withheld from the recipient for good.
ALTER TABLE messages ADD COLUMN withheld boolean NOT NULL DEFAULT false;

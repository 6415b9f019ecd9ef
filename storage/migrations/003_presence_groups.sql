-- Presence (last seen and who may see it) and groups (admins, membership
-- ranges, system messages).

-- Written back by the presence actor, coalesced (never once per ping).
ALTER TABLE users ADD COLUMN last_seen bigint;
ALTER TABLE users ADD COLUMN last_seen_privacy text NOT NULL DEFAULT 'everyone'
  CHECK (last_seen_privacy IN ('everyone', 'contacts', 'nobody'));

ALTER TABLE conversations ADD COLUMN created_by bigint REFERENCES users (user_id);

-- A member sees the messages with joined_seq <= seq <= left_seq; left_seq
-- is NULL while they are a member. Leaving keeps the row (and its cursors),
-- so a former member can still read what they saw; rejoining moves
-- joined_seq to the rejoin.
ALTER TABLE members ADD COLUMN is_admin boolean NOT NULL DEFAULT false;
ALTER TABLE members ADD COLUMN joined_seq bigint NOT NULL DEFAULT 1;
ALTER TABLE members ADD COLUMN left_seq bigint;

-- Membership changes are messages too, written by the server
-- (sender_device 0), so every device sees them in seq order.
ALTER TABLE messages ADD COLUMN system boolean NOT NULL DEFAULT false;

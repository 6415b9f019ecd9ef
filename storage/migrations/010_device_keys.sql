-- The key directory of ../shared/E2E.md §4 and the per-device envelopes of
-- §9. Keys are kept as the strict B64 text clients send: strict decoding
-- makes that text canonical, so equal keys are equal strings.

-- A device's public identity and current signed prekey. Deleted with its
-- one-time prekeys when the device's last token is revoked.
CREATE TABLE device_keys (
  device_id     bigint PRIMARY KEY REFERENCES devices (device_id),
  user_id       bigint NOT NULL REFERENCES users (user_id),
  identity_key  text NOT NULL,
  identity_dh   text NOT NULL,
  identity_sig  text NOT NULL,
  spk_id        bigint NOT NULL,
  spk_key       text NOT NULL,
  spk_sig       text NOT NULL,
  published_at  bigint NOT NULL
);
CREATE INDEX device_keys_by_user ON device_keys (user_id);

-- Every one-time prekey a device ever uploaded, claimed or not, so that an
-- id is never accepted twice with different keys and a retried upload
-- never makes a claimed key available again.
CREATE TABLE one_time_prekeys (
  device_id  bigint NOT NULL REFERENCES devices (device_id),
  key_id     bigint NOT NULL,
  key        text NOT NULL,
  claimed_at bigint,
  PRIMARY KEY (device_id, key_id)
);
CREATE INDEX one_time_prekeys_unclaimed ON one_time_prekeys (device_id, key_id)
  WHERE claimed_at IS NULL;

-- One row per recipient device of an encrypted message. The message row
-- (seq, ids, receipts) is unchanged.
CREATE TABLE envelopes (
  device_id bigint NOT NULL,
  msg_id    bigint NOT NULL,
  envelope  text NOT NULL,
  PRIMARY KEY (device_id, msg_id)
);

-- A send may carry envelopes without a shared body: its body is NULL (an
-- empty string is a body, as before).
ALTER TABLE messages ALTER COLUMN body DROP NOT NULL;

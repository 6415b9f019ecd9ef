-- Last-seen privacy "contacts" are users who both took part in a
-- conversation they share: each sent at least one message there. A
-- stranger's unsolicited message makes nobody a contact. The flag is set
-- with a member's first message (in the same transaction), so the privacy
-- check never scans messages.
ALTER TABLE members ADD COLUMN IF NOT EXISTS took_part boolean NOT NULL DEFAULT false;
UPDATE members mb SET took_part = true
  WHERE NOT took_part
    AND EXISTS (SELECT 1 FROM messages m
                 WHERE m.conversation_id = mb.conversation_id AND m.sender_id = mb.user_id
                   AND NOT m.system);

-- A message row no longer checks its conversation with a foreign key.
-- Every row is written by the conversation's own actor, which exists only
-- after it has read the conversation's row, and conversations are never
-- deleted: the check could not fail. It was not free: a query (and a
-- FOR KEY SHARE lock on the conversation's row) per message, about a sixth
-- of PostgreSQL's CPU per message batch at 15,000 msg/s
-- (docs/benchmarks.md). The (conversation_id, seq) unique index stays: it
-- referees two owners of one conversation.
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_conversation_id_fkey;

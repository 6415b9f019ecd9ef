-- Groups a user created in the last day are counted at every creation
-- (--max-groups-per-day).
CREATE INDEX conversations_by_creator ON conversations (created_by, created_at)
  WHERE kind = 'group';

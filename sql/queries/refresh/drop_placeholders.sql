-- The rows create_chunks.sql wrote, in chunks this transaction created under lock_chunks.sql's
-- lock: nothing else is in them yet.
DELETE FROM {table} WHERE {time} = ANY(%(at)s::timestamptz[])

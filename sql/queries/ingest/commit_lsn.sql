-- Read right after the batch's commit, on the same connection: the primary's WAL write position,
-- at or past the end of the commit record (synchronous_commit=on flushed it before COMMIT
-- returned). A replica whose pg_last_wal_replay_lsn() has reached it holds the batch.
SELECT pg_current_wal_lsn()::text

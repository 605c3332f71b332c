-- Hold off chunk creation in a rollup's materialisation {table} until this transaction ends:
-- TimescaleDB creates a chunk under this lock (and keeps it to the end of the transaction that
-- created it), so the chunks found missing (chunks_at.sql) stay missing until create_chunks.sql creates them,
-- and then hold only its rows. ONLY: the chunks themselves are not locked.
LOCK TABLE ONLY {table} IN SHARE UPDATE EXCLUSIVE MODE

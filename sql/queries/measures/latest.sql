-- The latest revision of each target of one series (s.id) in [start, end] among the revisions
-- a condition on m admits (filled in by the caller): every revision or those collected by a
-- time (known_at.sql), or those collected far enough ahead of their target (known_ahead.sql,
-- the horizon reads). rows.sql and packed.sql run it once per selected series (LATERAL).
--
-- One DISTINCT ON per series, taken in the answer's order (node, series): each sorts only its
-- own series' revisions, in memory, and the answer needs no sort of its own beyond an
-- incremental one within each node. One DISTINCT ON over every series sorted all of a range's
-- revisions at once: 2.9 M at year scale for 30 days, spilled to disk, since compressed batches
-- ordered by lead (0009) are not ordered by target. The range on timestamp_measured gives chunk
-- exclusion; series_id is each chunk's segment (index) key.
--
-- Each series' rows come out in the answer's order (target ascending), so the final sort finds
-- every node's rows already sorted: 0.55-0.58 s in the database for 1,000 nodes x 30 days against
-- 0.81-0.94 s with the target descending (docs/query-plans.md). Only correct with TimescaleDB's
-- SkipScan off, as gridts' sessions have it (gridts.db.pool): in 2.28.3 it skipped forward along
-- the primary key of an uncompressed chunk without statistics, under this sort, and kept each
-- target's oldest revision (timescale/timescaledb#10447; tests/api/test_measures.py).
SELECT DISTINCT ON (m.timestamp_measured)
       m.timestamp_measured, m.timestamp_collected, m.value, m.quality
FROM measures m
WHERE m.series_id = s.id
  AND m.timestamp_measured >= %(start)s::timestamptz
  AND m.timestamp_measured <= %(end)s::timestamptz
  AND {known}
ORDER BY m.timestamp_measured, m.timestamp_collected DESC

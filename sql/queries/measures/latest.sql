-- The latest revision of every target of the selected series in [start, end] among the
-- revisions a condition on m admits (filled in by the caller): every revision or those
-- collected by a time (known_at.sql), or those collected far enough ahead of their target
-- (known_ahead.sql, the horizon reads).
--
-- One DISTINCT ON per series (LATERAL), taken in the answer's order (node, series): each sorts
-- only its own series' revisions, in memory, and the answer needs no sort of its own beyond an
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
--
-- The series, s, come in one of two ways (gridts.measures.service). A big read chose them
-- first (filters/series.sql, heads and all) and passes their ids (filters/chosen.sql): each row
-- then names its series only, and the service puts back the node, its name, the kind, subtype
-- and unit. Repeated in every row they cost the server 0.1-0.15 s and the worker 0.05-0.1 s of
-- CPU over 720,000 rows (bench/README.md, "Rows a chunk at a time, heads once per series"). A
-- small read (a few nodes, a short range) takes filters/series.sql itself as s and every row
-- its head: one statement, one round trip and one plan instead of two, which is most of what
-- the series query costs a small read (bench/README.md, "One statement for small reads").
WITH s AS ({series})
SELECT {head}, l.timestamp_measured, l.timestamp_collected, l.value::float8 / k.scale,
       quality_name(l.quality)
FROM s
JOIN kind k ON k.name = s.kind
CROSS JOIN LATERAL (
    SELECT DISTINCT ON (m.timestamp_measured)
           m.timestamp_measured, m.timestamp_collected, m.value, m.quality
    FROM measures m
    WHERE m.series_id = s.id
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
      AND {known}
    ORDER BY m.timestamp_measured, m.timestamp_collected DESC
) AS l
ORDER BY s.node_id, s.id, l.timestamp_measured
LIMIT %(limit)s

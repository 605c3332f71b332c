-- A measures read's answer, one row per revision: latest.sql's or revisions.sql's rows for
-- each selected series, ordered by node, series, target and collection time.
--
-- The series, s, come in one of two ways (gridts.measures.service). A big read chose them
-- first (filters/series.sql, heads and all) and passes their ids (filters/chosen.sql): each row
-- then names its series only, and the service puts back the node, its name, the kind, subtype
-- and unit. Repeated in every row they cost the server 0.1-0.15 s and the worker 0.05-0.1 s of
-- CPU over 720,000 rows (bench/README.md, "Rows a chunk at a time, heads once per series"). A
-- small read (a few nodes, a short range) takes filters/series.sql itself as s and every row
-- its head: one statement, one round trip and one plan instead of two, which is most of what
-- the series query costs a small read (bench/README.md, "One statement for small reads").
-- A big read answered in JSON takes packed.sql instead.
WITH s AS ({series})
SELECT {head}, r.timestamp_measured, r.timestamp_collected, r.value::float8 / k.scale,
       quality_name(r.quality)
FROM s
JOIN kind k ON k.name = s.kind
CROSS JOIN LATERAL ({of_series}) AS r
ORDER BY s.node_id, s.id, r.timestamp_measured, r.timestamp_collected
LIMIT %(limit)s

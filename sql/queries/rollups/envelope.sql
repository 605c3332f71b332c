-- Rows of a rollup query (id, bucket, avg, min, max, sum, count, nodes, series_id, kind, subtype,
-- unit, estimated, tz) whose bucket starts in [start, end], ordered by entity, kind, subtype and
-- bucket, at most %(limit)s of them.
SELECT rows.id, rows.bucket, rows.avg, rows.min, rows.max, rows.sum, rows.count, rows.nodes,
       rows.series_id, rows.kind, rows.subtype, rows.unit, rows.estimated, rows.tz
FROM ({rows}) AS rows
WHERE rows.bucket >= %(start)s::timestamptz AND rows.bucket <= %(end)s::timestamptz
ORDER BY rows.id, rows.kind, rows.subtype NULLS FIRST, rows.bucket
LIMIT %(limit)s

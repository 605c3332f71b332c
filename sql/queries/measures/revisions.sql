-- Every stored revision of the selected series' targets in [start, end], optionally only those
-- collected in [collected_from, collected_to]; ordered by node, series, target, collection time
-- (for one series, the primary key's order, so uncompressed chunks need no sort). Each row names
-- its series only, as in latest.sql.
SELECT m.series_id, m.timestamp_measured, m.timestamp_collected, m.value::float8 / k.scale,
       quality_name(m.quality)
FROM measures m
JOIN series s ON s.id = m.series_id
JOIN kind k ON k.name = s.kind
WHERE m.series_id = ANY(%(series)s::integer[])
  AND m.timestamp_measured >= %(start)s::timestamptz
  AND m.timestamp_measured <= %(end)s::timestamptz
  AND (%(collected_from)s::timestamptz IS NULL
       OR m.timestamp_collected >= %(collected_from)s::timestamptz)
  AND (%(collected_to)s::timestamptz IS NULL
       OR m.timestamp_collected <= %(collected_to)s::timestamptz)
ORDER BY s.node_id, m.series_id, m.timestamp_measured, m.timestamp_collected
LIMIT %(limit)s

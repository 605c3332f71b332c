-- Every stored revision of the selected series' targets in [start, end], optionally only those
-- collected in [collected_from, collected_to]; ordered by node, series, target, collection time.
-- The series and the row's first columns are filled in as in latest.sql, and like it each
-- series' revisions are read by their own scan (for one series, the primary key's order, so
-- uncompressed chunks need no sort).
WITH s AS ({series})
SELECT {head}, r.timestamp_measured, r.timestamp_collected, r.value::float8 / k.scale,
       quality_name(r.quality)
FROM s
JOIN kind k ON k.name = s.kind
CROSS JOIN LATERAL (
    SELECT m.timestamp_measured, m.timestamp_collected, m.value, m.quality
    FROM measures m
    WHERE m.series_id = s.id
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
      AND (%(collected_from)s::timestamptz IS NULL
           OR m.timestamp_collected >= %(collected_from)s::timestamptz)
      AND (%(collected_to)s::timestamptz IS NULL
           OR m.timestamp_collected <= %(collected_to)s::timestamptz)
    ORDER BY m.timestamp_measured, m.timestamp_collected
) AS r
ORDER BY s.node_id, s.id, r.timestamp_measured, r.timestamp_collected
LIMIT %(limit)s

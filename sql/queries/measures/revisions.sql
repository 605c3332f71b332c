-- Every stored revision of one series' (s.id) targets in [start, end], optionally only those
-- collected in [collected_from, collected_to], by target then collection time. rows.sql and
-- packed.sql run it once per selected series (LATERAL), like latest.sql: each series'
-- revisions are read by their own scan (for one series, the primary key's order, so
-- uncompressed chunks need no sort).
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

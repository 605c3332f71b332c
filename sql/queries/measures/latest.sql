-- The latest revision of every target of the selected series in [start, end], optionally as
-- known at %(collected)s. DISTINCT ON walks the primary key (series_id, timestamp_measured,
-- timestamp_collected) backwards, so the newest revision of a target comes first without a
-- sort in uncompressed chunks; compressed ones hold batches ordered by lead (0009), which are
-- decompressed per series and sorted. The range on timestamp_measured gives chunk exclusion.
SELECT s.node_id, n.name, l.series_id, s.kind, s.subtype, k.unit,
       l.timestamp_measured, l.timestamp_collected, l.value::float8 / k.scale,
       quality_name(l.quality)
FROM (
    SELECT DISTINCT ON (m.series_id, m.timestamp_measured)
           m.series_id, m.timestamp_measured, m.timestamp_collected, m.value, m.quality
    FROM measures m
    WHERE m.series_id = ANY(%(series)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
      AND (%(collected)s::timestamptz IS NULL
           OR m.timestamp_collected <= %(collected)s::timestamptz)
    ORDER BY m.series_id DESC, m.timestamp_measured DESC, m.timestamp_collected DESC
    LIMIT %(limit)s
) AS l
JOIN series s ON s.id = l.series_id
JOIN grid_node n ON n.id = s.node_id
JOIN kind k ON k.name = s.kind
ORDER BY s.node_id, l.series_id, l.timestamp_measured

-- Per target of the selected series in [start, end]: the latest revision collected at or before
-- the cutoff, which is `target - lead`, or (day-ahead form) strictly before the local time of
-- day `issued` on the day before the target's local day in time zone `tz`. Targets with no
-- such revision are left out. Same walk of the primary key as measures/latest.sql.
SELECT s.node_id, n.name, h.series_id, s.kind, s.subtype, k.unit,
       h.timestamp_measured, h.timestamp_collected, h.value::float8 / k.scale,
       quality_name(h.quality)
FROM (
    SELECT DISTINCT ON (m.series_id, m.timestamp_measured)
           m.series_id, m.timestamp_measured, m.timestamp_collected, m.value, m.quality
    FROM measures m
    WHERE m.series_id = ANY(%(series)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
      AND CASE WHEN %(lead)s::interval IS NOT NULL
               THEN m.timestamp_collected <= m.timestamp_measured - %(lead)s::interval
               ELSE m.timestamp_collected
                    < ((((m.timestamp_measured AT TIME ZONE %(tz)s)::date - 1)
                        + %(issued)s::time) AT TIME ZONE %(tz)s)
          END
    ORDER BY m.series_id DESC, m.timestamp_measured DESC, m.timestamp_collected DESC
    LIMIT %(limit)s
) AS h
JOIN series s ON s.id = h.series_id
JOIN grid_node n ON n.id = s.node_id
JOIN kind k ON k.name = s.kind
ORDER BY s.node_id, h.series_id, h.timestamp_measured

-- Per target of the selected series in [start, end]: the latest revision collected at or before
-- the cutoff, which is `target - lead`, or (day-ahead form) strictly before the local time of
-- day `issued` on the day before the target's local day in time zone `tz`. Targets with no
-- such revision are left out. One DISTINCT ON per series, as in measures/latest.sql.
SELECT s.node_id, n.name, s.id, s.kind, s.subtype, k.unit,
       h.timestamp_measured, h.timestamp_collected, h.value::float8 / k.scale,
       quality_name(h.quality)
FROM series s
JOIN grid_node n ON n.id = s.node_id
JOIN kind k ON k.name = s.kind
CROSS JOIN LATERAL (
    SELECT DISTINCT ON (m.timestamp_measured)
           m.timestamp_measured, m.timestamp_collected, m.value, m.quality
    FROM measures m
    WHERE m.series_id = s.id
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
      AND CASE WHEN %(lead)s::interval IS NOT NULL
               THEN m.timestamp_collected <= m.timestamp_measured - %(lead)s::interval
               ELSE m.timestamp_collected
                    < ((((m.timestamp_measured AT TIME ZONE %(tz)s)::date - 1)
                        + %(issued)s::time) AT TIME ZONE %(tz)s)
          END
    ORDER BY m.timestamp_measured DESC, m.timestamp_collected DESC
) AS h
WHERE s.id = ANY(%(series)s::integer[])
ORDER BY s.node_id, s.id, h.timestamp_measured
LIMIT %(limit)s

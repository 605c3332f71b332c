-- Per target of the selected nodes in [start, end]: the latest revision collected at or before
-- the cutoff, which is `target - lead`, or (day-ahead form) strictly before the local time of
-- day `issued` on the day before the target's local day in time zone `tz`. Targets with no
-- such revision are left out. Same walk of the primary key as measures/latest.sql.
SELECT h.node_id, n.name, h.timestamp_measured, h.timestamp_collected, h.value
FROM (
    SELECT DISTINCT ON (m.node_id, m.timestamp_measured)
           m.node_id, m.timestamp_measured, m.timestamp_collected, m.value
    FROM measures m
    WHERE m.node_id = ANY(%(nodes)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
      AND CASE WHEN %(lead)s::interval IS NOT NULL
               THEN m.timestamp_collected <= m.timestamp_measured - %(lead)s::interval
               ELSE m.timestamp_collected
                    < ((((m.timestamp_measured AT TIME ZONE %(tz)s)::date - 1)
                        + %(issued)s::time) AT TIME ZONE %(tz)s)
          END
    ORDER BY m.node_id DESC, m.timestamp_measured DESC, m.timestamp_collected DESC
    LIMIT %(limit)s
) AS h
JOIN grid_node n ON n.id = h.node_id
ORDER BY h.node_id, h.timestamp_measured

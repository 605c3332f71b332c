-- The latest revision of every target of the selected nodes in [start, end], optionally as
-- known at %(collected)s. DISTINCT ON walks the primary key (node_id, timestamp_measured,
-- timestamp_collected) backwards, so the newest revision of a target comes first without a
-- sort; compressed chunks are ordered the same way (timestamp_measured DESC, timestamp_collected
-- DESC, segmented by node_id). The range on timestamp_measured gives chunk exclusion.
SELECT l.node_id, n.name, l.timestamp_measured, l.timestamp_collected, l.value
FROM (
    SELECT DISTINCT ON (m.node_id, m.timestamp_measured)
           m.node_id, m.timestamp_measured, m.timestamp_collected, m.value
    FROM measures m
    WHERE m.node_id = ANY(%(nodes)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
      AND (%(collected)s::timestamptz IS NULL
           OR m.timestamp_collected <= %(collected)s::timestamptz)
    ORDER BY m.node_id DESC, m.timestamp_measured DESC, m.timestamp_collected DESC
    LIMIT %(limit)s
) AS l
JOIN grid_node n ON n.id = l.node_id
ORDER BY l.node_id, l.timestamp_measured

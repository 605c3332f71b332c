-- Every stored revision of the selected nodes' targets in [start, end], optionally only those
-- collected in [collected_from, collected_to]; ordered by node, target, collection time (the
-- primary key's order, so uncompressed chunks need no sort).
SELECT m.node_id, n.name, m.timestamp_measured, m.timestamp_collected, m.value
FROM measures m
JOIN grid_node n ON n.id = m.node_id
WHERE m.node_id = ANY(%(nodes)s::integer[])
  AND m.timestamp_measured >= %(start)s::timestamptz
  AND m.timestamp_measured <= %(end)s::timestamptz
  AND (%(collected_from)s::timestamptz IS NULL
       OR m.timestamp_collected >= %(collected_from)s::timestamptz)
  AND (%(collected_to)s::timestamptz IS NULL
       OR m.timestamp_collected <= %(collected_to)s::timestamptz)
ORDER BY m.node_id, m.timestamp_measured, m.timestamp_collected
LIMIT %(limit)s

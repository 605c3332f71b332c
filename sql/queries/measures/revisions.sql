-- Every stored revision of the selected nodes' targets in [start, end], optionally only those
-- collected in [collected_from, collected_to]; ordered by node, target, collection time.
WITH revisions AS (
    SELECT m.node_id, m.timestamp_measured, m.timestamp_collected, m.value
    FROM measures m
    WHERE m.node_id = ANY(%(nodes)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
      AND (%(collected_from)s::timestamptz IS NULL
           OR m.timestamp_collected >= %(collected_from)s::timestamptz)
      AND (%(collected_to)s::timestamptz IS NULL
           OR m.timestamp_collected <= %(collected_to)s::timestamptz)
    LIMIT %(limit)s
)
SELECT count(*),
       coalesce(json_agg(json_build_object(
           'node_id', r.node_id,
           'node_name', n.name,
           'timestamp_measured', r.timestamp_measured,
           'timestamp_collected', r.timestamp_collected,
           'value', r.value
       ) ORDER BY r.node_id, r.timestamp_measured, r.timestamp_collected), '[]'::json)
FROM revisions r
JOIN grid_node n ON n.id = r.node_id

-- Nodes selected by the shared filters (they intersect; NULL means "no filter").
SELECT n.id
FROM grid_node n
JOIN grid_region r ON r.id = n.region_id
WHERE (%(node_ids)s::integer[] IS NULL OR n.id = ANY(%(node_ids)s::integer[]))
  AND (%(region_ids)s::integer[] IS NULL OR n.region_id = ANY(%(region_ids)s::integer[]))
  AND (%(grid_ids)s::integer[] IS NULL OR r.grid_id = ANY(%(grid_ids)s::integer[]))
ORDER BY n.id

-- Why (node, kind, subtype) names no series: which of the nodes exist, and their series' kinds
-- and subtypes (only asked when a batch names a series that does not exist).
SELECT n.id, s.kind, s.subtype
FROM grid_node n
LEFT JOIN series s ON s.node_id = n.id
WHERE n.id = ANY(%(nodes)s::integer[])

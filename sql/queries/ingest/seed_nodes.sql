-- The data set's nodes that are missing, in order (ids as in seed_grids.sql).
INSERT INTO grid_node (region_id, name)
SELECT r.id, t.node
FROM unnest(%(grids)s::text[], %(regions)s::text[], %(nodes)s::text[])
     WITH ORDINALITY AS t (grid, region, node, position)
JOIN grid g ON g.name = t.grid
JOIN grid_region r ON r.grid_id = g.id AND r.name = t.region
WHERE NOT EXISTS (SELECT 1 FROM grid_node n WHERE n.region_id = r.id AND n.name = t.node)
ORDER BY t.position
ON CONFLICT DO NOTHING

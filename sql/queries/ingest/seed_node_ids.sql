-- The ids of the data set's nodes, in its order.
SELECT n.id
FROM unnest(%(grids)s::text[], %(regions)s::text[], %(nodes)s::text[])
     WITH ORDINALITY AS t (grid, region, node, position)
JOIN grid g ON g.name = t.grid
JOIN grid_region r ON r.grid_id = g.id AND r.name = t.region
JOIN grid_node n ON n.region_id = r.id AND n.name = t.node
ORDER BY t.position

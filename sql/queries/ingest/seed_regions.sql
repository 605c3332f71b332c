-- The data set's regions that are missing, in order (ids as in seed_grids.sql).
INSERT INTO grid_region (grid_id, name)
SELECT g.id, t.region
FROM unnest(%(grids)s::text[], %(regions)s::text[]) WITH ORDINALITY AS t (grid, region, position)
JOIN grid g ON g.name = t.grid
WHERE NOT EXISTS (SELECT 1 FROM grid_region r WHERE r.grid_id = g.id AND r.name = t.region)
ORDER BY t.position
ON CONFLICT DO NOTHING

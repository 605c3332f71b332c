-- Grids selected by the grid filter (node_ids and region_ids are refused earlier).
SELECT g.id
FROM grid g
WHERE (%(grid_ids)s::integer[] IS NULL OR g.id = ANY(%(grid_ids)s::integer[]))
  AND %(node_ids)s::integer[] IS NULL
  AND %(region_ids)s::integer[] IS NULL
ORDER BY g.id

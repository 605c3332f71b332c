-- Regions selected by the filters at or above the region level (node_ids is refused earlier).
SELECT r.id
FROM grid_region r
WHERE (%(region_ids)s::integer[] IS NULL OR r.id = ANY(%(region_ids)s::integer[]))
  AND (%(grid_ids)s::integer[] IS NULL OR r.grid_id = ANY(%(grid_ids)s::integer[]))
  AND %(node_ids)s::integer[] IS NULL
ORDER BY r.id

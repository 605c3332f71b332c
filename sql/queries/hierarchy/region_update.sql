-- Moving a region whose nodes hold measures is refused by the gridts_guard_region trigger.
UPDATE grid_region
SET name = coalesce(%(name)s, name), grid_id = coalesce(%(grid_id)s, grid_id)
WHERE id = %(id)s
RETURNING id, name, grid_id

SELECT id, name, grid_id
FROM grid_region
WHERE (%(grid_id)s::integer IS NULL OR grid_id = %(grid_id)s)
ORDER BY id

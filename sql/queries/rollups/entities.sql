-- The chosen regions or grids ({table}: grid_region or grid, ids %(ids)s) with the zone of their
-- grid ({grid}: the grid's id column), or %(timezone)s, which overrides it.
SELECT e.id, coalesce(%(timezone)s::text, g.timezone) AS tz
FROM {table} e
JOIN grid g ON g.id = {grid}
WHERE e.id = ANY(%(ids)s::integer[])

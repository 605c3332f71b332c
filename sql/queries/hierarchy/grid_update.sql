-- Daily rollups are computed from the hourly aggregates when asked for, in the grid's zone at
-- that moment: changing the zone needs no refresh.
UPDATE grid SET name = coalesce(%(name)s, name), timezone = coalesce(%(timezone)s, timezone)
WHERE id = %(id)s
RETURNING id, name, timezone

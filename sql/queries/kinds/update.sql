-- Changing the unit, aggregation or decimals of a kind that series use is refused by the
-- kind_guard trigger (SQLSTATE 23503); the description may always change.
UPDATE kind
SET unit = coalesce(%(unit)s, unit),
    aggregation = coalesce(%(aggregation)s, aggregation),
    description = coalesce(%(description)s, description),
    decimals = coalesce(%(decimals)s::smallint, decimals)
WHERE name = %(name)s
RETURNING name, unit, aggregation, description, decimals

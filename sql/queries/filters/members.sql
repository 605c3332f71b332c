-- The chosen series (%(series)s) with what a rollup row needs: the entity they roll up into
-- ({entity}: the node, its region or its grid), kind, subtype, unit, how the kind aggregates
-- across nodes, its scale (the rollups hold integers: value * scale), and the zone of the entity's grid (or %(timezone)s, which overrides it).
SELECT s.id AS series_id, {entity} AS id, s.kind, s.subtype, k.unit, k.aggregation, k.scale,
       coalesce(%(timezone)s::text, g.timezone) AS tz
FROM series s
JOIN kind k ON k.name = s.kind
JOIN grid_node n ON n.id = s.node_id
JOIN grid_region r ON r.id = n.region_id
JOIN grid g ON g.id = r.grid_id
WHERE s.id = ANY(%(series)s::integer[])

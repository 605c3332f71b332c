-- Series selected by the shared filters (they intersect; NULL means "no filter"). With no series
-- filter at all (default_only), each node's default series: kind load, no subtype.
-- With what every answer row of a series repeats (its head: node, node name, kind, subtype,
-- unit, and the kind's decimals), so that the measures reads return them once per series, not
-- once per row.
SELECT s.id, s.node_id, n.name, s.kind, s.subtype, k.unit, k.decimals
FROM series s
JOIN grid_node n ON n.id = s.node_id
JOIN kind k ON k.name = s.kind
JOIN grid_region r ON r.id = n.region_id
WHERE (%(node_ids)s::integer[] IS NULL OR s.node_id = ANY(%(node_ids)s::integer[]))
  AND (%(region_ids)s::integer[] IS NULL OR n.region_id = ANY(%(region_ids)s::integer[]))
  AND (%(grid_ids)s::integer[] IS NULL OR r.grid_id = ANY(%(grid_ids)s::integer[]))
  AND (%(series_ids)s::integer[] IS NULL OR s.id = ANY(%(series_ids)s::integer[]))
  AND (%(kinds)s::text[] IS NULL OR s.kind = ANY(%(kinds)s::text[]))
  AND (%(subtypes)s::text[] IS NULL OR s.subtype = ANY(%(subtypes)s::text[]))
  AND (NOT %(default_only)s OR (s.kind = 'load' AND s.subtype IS NULL))
ORDER BY s.id

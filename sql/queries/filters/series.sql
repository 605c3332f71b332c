-- Series selected by the shared filters (they intersect; NULL means "no filter"). With no series
-- filter at all (default_only), each node's default series: kind load, no subtype.
SELECT s.id
FROM series s
JOIN grid_node n ON n.id = s.node_id
JOIN grid_region r ON r.id = n.region_id
WHERE (%(node_ids)s::integer[] IS NULL OR s.node_id = ANY(%(node_ids)s::integer[]))
  AND (%(region_ids)s::integer[] IS NULL OR n.region_id = ANY(%(region_ids)s::integer[]))
  AND (%(grid_ids)s::integer[] IS NULL OR r.grid_id = ANY(%(grid_ids)s::integer[]))
  AND (%(series_ids)s::integer[] IS NULL OR s.id = ANY(%(series_ids)s::integer[]))
  AND (%(kinds)s::text[] IS NULL OR s.kind = ANY(%(kinds)s::text[]))
  AND (%(subtypes)s::text[] IS NULL OR s.subtype = ANY(%(subtypes)s::text[]))
  AND (NOT %(default_only)s OR (s.kind = 'load' AND s.subtype IS NULL))
ORDER BY s.id

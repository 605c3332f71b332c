-- Series selected by the filters (they intersect; NULL means "no filter"), by id.
SELECT s.id, s.node_id, s.kind, s.subtype, k.unit, k.aggregation, s.min_value, s.max_value,
       s.description
FROM series s
JOIN kind k ON k.name = s.kind
JOIN grid_node n ON n.id = s.node_id
JOIN grid_region r ON r.id = n.region_id
WHERE (%(node_ids)s::integer[] IS NULL OR s.node_id = ANY(%(node_ids)s::integer[]))
  AND (%(region_ids)s::integer[] IS NULL OR n.region_id = ANY(%(region_ids)s::integer[]))
  AND (%(grid_ids)s::integer[] IS NULL OR r.grid_id = ANY(%(grid_ids)s::integer[]))
  AND (%(kinds)s::text[] IS NULL OR s.kind = ANY(%(kinds)s::text[]))
  AND (%(subtypes)s::text[] IS NULL OR s.subtype = ANY(%(subtypes)s::text[]))
ORDER BY s.id

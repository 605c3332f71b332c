SELECT s.id, s.node_id, s.kind, s.subtype, k.unit, k.aggregation, s.min_value, s.max_value,
       s.description
FROM series s JOIN kind k ON k.name = s.kind
WHERE s.id = %(id)s

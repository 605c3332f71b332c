WITH created AS (
    INSERT INTO series (node_id, kind, subtype, min_value, max_value, description)
    VALUES (%(node_id)s, %(kind)s, %(subtype)s, %(min_value)s, %(max_value)s, %(description)s)
    RETURNING *
)
SELECT c.id, c.node_id, c.kind, c.subtype, k.unit, k.aggregation, c.min_value, c.max_value,
       c.description
FROM created c JOIN kind k ON k.name = c.kind

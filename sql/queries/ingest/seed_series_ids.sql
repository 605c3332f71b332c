-- The ids of the data set's series, in its order.
SELECT s.id
FROM unnest(%(nodes)s::integer[], %(kinds)s::text[], %(subtypes)s::text[])
     WITH ORDINALITY AS t (node_id, kind, subtype, position)
JOIN series s ON s.node_id = t.node_id AND s.kind = t.kind
             AND s.subtype IS NOT DISTINCT FROM t.subtype
ORDER BY t.position

-- The data set's series that are missing (a node's default series exists with the node), in
-- order, without taking ids for those that exist; generation cannot be negative.
INSERT INTO series (node_id, kind, subtype, min_value, description)
SELECT t.node_id, t.kind, t.subtype, CASE WHEN t.kind = 'generation' THEN 0 END,
       'gridts seed: synthetic ' || t.kind || coalesce(' (' || t.subtype || ')', '')
FROM unnest(%(nodes)s::integer[], %(kinds)s::text[], %(subtypes)s::text[])
     WITH ORDINALITY AS t (node_id, kind, subtype, position)
WHERE NOT EXISTS (SELECT 1 FROM series s
                  WHERE s.node_id = t.node_id AND s.kind = t.kind
                    AND s.subtype IS NOT DISTINCT FROM t.subtype)
ORDER BY t.position
ON CONFLICT DO NOTHING

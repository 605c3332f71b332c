-- The series a batch names, by id or by (node, kind, subtype), with their bounds and their kind's
-- scale (values are stored as integers of value * scale). FOR KEY SHARE keeps them from being
-- deleted or re-keyed until the batch commits: their guard trigger then sees its measures.
WITH named AS (
    SELECT s.id
    FROM unnest(%(nodes)s::integer[], %(kinds)s::text[], %(subtypes)s::text[])
         AS k (node_id, kind, subtype)
    JOIN series s ON s.node_id = k.node_id AND s.kind = k.kind
                 AND (s.subtype = k.subtype OR (s.subtype IS NULL AND k.subtype IS NULL))
), defaults AS (
    -- Rows that name only their node (the common case) write its default series: one array of
    -- node ids, not three arrays of keys (2-3 ms of Python per 1,000-node batch).
    SELECT s.id
    FROM series s
    WHERE s.node_id = ANY(%(default_nodes)s::integer[])
      AND s.kind = %(default_kind)s AND s.subtype IS NULL
)
SELECT s.id, s.node_id, s.kind, s.subtype, s.min_value, s.max_value, k.scale
FROM series s
JOIN kind k ON k.name = s.kind
WHERE s.id IN (
    SELECT unnest(%(ids)s::integer[])
    UNION ALL SELECT id FROM named
    UNION ALL SELECT id FROM defaults
)
FOR KEY SHARE OF s

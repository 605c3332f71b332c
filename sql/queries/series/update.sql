-- Each field changes only when its set_* flag says the request gave it (null is a value here:
-- no subtype, no bound). Changing node_id, kind or subtype of the default series or of a series
-- that holds measures is refused by the series_guard trigger.
WITH updated AS (
    UPDATE series
    SET node_id = CASE WHEN %(set_node_id)s::boolean THEN %(node_id)s::integer ELSE node_id END,
        kind = CASE WHEN %(set_kind)s::boolean THEN %(kind)s::text ELSE kind END,
        subtype = CASE WHEN %(set_subtype)s::boolean THEN %(subtype)s::text ELSE subtype END,
        min_value = CASE WHEN %(set_min_value)s::boolean
                         THEN %(min_value)s::double precision ELSE min_value END,
        max_value = CASE WHEN %(set_max_value)s::boolean
                         THEN %(max_value)s::double precision ELSE max_value END,
        description = CASE WHEN %(set_description)s::boolean
                           THEN %(description)s::text ELSE description END
    WHERE id = %(id)s
    RETURNING *
)
SELECT u.id, u.node_id, u.kind, u.subtype, k.unit, k.aggregation, u.min_value, u.max_value,
       u.description
FROM updated u JOIN kind k ON k.name = u.kind

-- The latest revision (as known at %(collected)s, when given) of every target of the chosen
-- nodes in [%(start)s, %(until)s), labelled with the entity it rolls up into ({entity}).
-- The same DISTINCT ON shape as measures/latest.sql: backwards along the primary key.
SELECT {entity} AS id, l.node_id, l.target, l.value
FROM (
    SELECT DISTINCT ON (m.node_id, m.timestamp_measured)
           m.node_id, m.timestamp_measured AS target, m.value
    FROM measures m
    WHERE m.node_id = ANY(%(nodes)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured < %(until)s::timestamptz
      AND (%(collected)s::timestamptz IS NULL
           OR m.timestamp_collected <= %(collected)s::timestamptz)
    ORDER BY m.node_id DESC, m.timestamp_measured DESC, m.timestamp_collected DESC
) AS l
{join}

-- The series a read already chose (their ids from filters/series.sql), as latest.sql and
-- revisions.sql take them: the statement that follows repeats only the series id per row.
SELECT s.id, s.node_id, s.kind
FROM series s
WHERE s.id = ANY(%(series)s::integer[])

-- The chosen series with their group's columns (the subquery is sql/queries/filters/members.sql),
-- in the answer's order: entity, kind, subtype (nulls first), each group's series ascending. The
-- order is PostgreSQL's, so kinds and subtypes sort by the database's collation as before.
SELECT series_id, id, kind, subtype, unit, aggregation, scale, tz
FROM ({members}) AS m
ORDER BY id, kind, subtype NULLS FIRST, series_id

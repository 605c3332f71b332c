-- The latest revision known at %(collected)s of every target of the chosen series in
-- [start, until), from measures: the same DISTINCT ON as measures/latest.sql, backwards along
-- the primary key. Usable values only, as in latest.sql (filtered after the latest is chosen:
-- a target whose latest known revision is missing has no value, whatever came before). Values
-- are stored as integers of the kind's smallest unit (migration 0010).
SELECT l.series_id, l.target, l.value::float8 / k.scale AS value, l.quality
FROM (
    SELECT DISTINCT ON (m.series_id, m.timestamp_measured)
           m.series_id, m.timestamp_measured AS target, m.value, m.quality
    FROM measures m
    WHERE m.series_id = ANY(%(series)s::integer[])
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured < %(until)s::timestamptz
      AND m.timestamp_collected <= %(collected)s::timestamptz
    ORDER BY m.series_id DESC, m.timestamp_measured DESC, m.timestamp_collected DESC
) AS l
JOIN series s ON s.id = l.series_id
JOIN kind k ON k.name = s.kind
WHERE l.quality <= %(max_quality)s::smallint

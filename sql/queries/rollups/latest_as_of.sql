-- The latest revision known at %(collected)s of every target of the chosen series in
-- [start, until), from measures: one DISTINCT ON per series (LATERAL), as in
-- measures/latest.sql, so each sorts only its own revisions in memory (correct only with
-- SkipScan off, as gridts' sessions have it: see there). Usable values only, as in latest.sql
-- (filtered after the latest is chosen: a target whose latest known revision is missing has no
-- value, whatever came before). Values are stored as integers of the kind's
-- smallest unit (migration 0010).
SELECT s.id AS series_id, l.target, l.value::float8 / k.scale AS value, l.quality
FROM series s
JOIN kind k ON k.name = s.kind
CROSS JOIN LATERAL (
    SELECT DISTINCT ON (m.timestamp_measured)
           m.timestamp_measured AS target, m.value, m.quality
    FROM measures m
    WHERE m.series_id = s.id
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured < %(until)s::timestamptz
      AND m.timestamp_collected <= %(collected)s::timestamptz
    ORDER BY m.timestamp_measured, m.timestamp_collected DESC
) AS l
WHERE s.id = ANY(%(series)s::integer[])
  AND l.quality <= %(max_quality)s::smallint

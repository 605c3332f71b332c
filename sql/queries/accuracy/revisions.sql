-- The revisions of each chosen series (%(series)s, in that order) with targets in [start, end], a
-- row per series: each column is the series' values in PostgreSQL's binary send format,
-- concatenated in one order (big-endian 8-byte integers: microseconds since 2000-01-01 for the
-- times, the kind's smallest unit for values, 0 where the observation is missing; a byte per
-- missing flag). gridts.accuracy.compute reads them as numpy arrays: a row per revision would
-- cost Python an object per value, several times the scan (bench/README.md, "Accuracy in numpy").
--
-- One series at a time (a lateral subquery, not GROUP BY): PostgreSQL then holds one series'
-- revisions, not all of them, and sends each series' row as soon as it is built, while the
-- service works on the one before (3 series of a year: 24 ms against 28-31 ms grouped).
SELECT s.series_id, r.targets, r.collected, r."values", r.missing
FROM unnest(%(series)s::integer[]) AS s (series_id)
CROSS JOIN LATERAL (
    SELECT string_agg(timestamptz_send(m.timestamp_measured), '') AS targets,
           string_agg(timestamptz_send(m.timestamp_collected), '') AS collected,
           string_agg(int8send(coalesce(m.value, 0)), '') AS "values",
           string_agg(boolsend(m.value IS NULL), '') AS missing
    FROM measures m
    WHERE m.series_id = s.series_id
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
) AS r

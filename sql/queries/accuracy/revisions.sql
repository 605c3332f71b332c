-- The revisions of each chosen series (%(series)s, in that order) with targets in [start, end], a
-- row per series, packed in PostgreSQL's binary send format (big-endian 8-byte integers:
-- microseconds since 2000-01-01 for the times, the kind's smallest unit for values).
-- gridts.accuracy.compute reads them as numpy arrays: a row per revision would cost Python an
-- object per value, several times the scan (bench/README.md, "Accuracy in numpy").
--
-- revisions: each revision's target, collection time and value (0 where it is missing), 24 bytes
-- after 24 bytes. One aggregate of the three, not one per column: the aggregates' calls are most
-- of this statement's time, as TimescaleDB decompresses a year of a series in a few milliseconds
-- (350,400 revisions: 64 ms against 74 ms for four columns; "Accuracy over two connections").
-- missing: the target and collection time of each revision with no value, 16 bytes each; NULL
-- when there is none (the FILTER costs next to nothing).
--
-- One series at a time (a lateral subquery, not GROUP BY): PostgreSQL then holds one series'
-- revisions, not all of them, and sends each series' row as soon as it is built, while the
-- service works on the one before (3 series of a year: 24 ms against 28-31 ms grouped).
SELECT s.series_id, r.revisions, r.missing
FROM unnest(%(series)s::integer[]) AS s (series_id)
CROSS JOIN LATERAL (
    SELECT string_agg(
               timestamptz_send(m.timestamp_measured)
               || timestamptz_send(m.timestamp_collected)
               || int8send(coalesce(m.value, 0)),
               ''
           ) AS revisions,
           string_agg(
               timestamptz_send(m.timestamp_measured) || timestamptz_send(m.timestamp_collected),
               ''
           ) FILTER (WHERE m.value IS NULL) AS missing
    FROM measures m
    WHERE m.series_id = s.series_id
      AND m.timestamp_measured >= %(start)s::timestamptz
      AND m.timestamp_measured <= %(end)s::timestamptz
) AS r

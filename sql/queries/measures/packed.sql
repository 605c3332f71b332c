-- A big measures read's answer for JSON (gridts.measures.columns): one row per chosen series
-- (filters/chosen.sql) that has any, with its rows of latest.sql or revisions.sql
-- packed into one bytea as fixed 26-byte records, in PostgreSQL's binary send formats: target
-- and collection time (int8 microseconds since 2000), the stored integer value (0 if null),
-- and the quality code plus 256 when the value is null. The worker reads them with numpy in
-- place of one protocol row, five decoded values and one Struct per revision.
--
-- The records come in the subquery's order, which the aggregate takes as it is given; the
-- worker checks it. An ORDER BY inside string_agg sorted every series' records again: 1.07 s
-- against 0.65 s in the database for 1,000 nodes x 30 days. Each series reads at most limit
-- records; the worker refuses the answer past limit rows in all.
WITH s AS ({series})
SELECT s.id, p.records, p.packed
FROM s
CROSS JOIN LATERAL (
    SELECT count(*) AS records,
           string_agg(timestamptz_send(r.timestamp_measured)
                      || timestamptz_send(r.timestamp_collected)
                      || int8send(coalesce(r.value, 0))
                      || int2send((r.quality + 256 * (r.value IS NULL)::int)::smallint),
                      ''::bytea) AS packed
    FROM ({of_series} LIMIT %(limit)s) AS r
) AS p
WHERE p.records > 0
ORDER BY s.node_id, s.id

-- The local day (time_bucket in %(timezone)s) of each target (%(targets)s, microseconds since
-- 2000-01-01), in the same order and as the same send format as revisions.sql.
SELECT string_agg(
           timestamptz_send(time_bucket(
               INTERVAL '1 day',
               TIMESTAMPTZ '2000-01-01 00:00:00+00' + t * INTERVAL '1 microsecond',
               %(timezone)s::text
           )),
           '' ORDER BY i
       )
FROM unnest(%(targets)s::int8[]) WITH ORDINALITY AS u (t, i)

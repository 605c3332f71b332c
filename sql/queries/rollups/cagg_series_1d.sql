-- Node level, per series and local day, from series_1h: statistics of the day's hourly averages.
-- Only used where every local midnight in range falls on a whole UTC hour (gridts.rollups.days),
-- so a local day is a run of whole series_1h hours.
WITH members AS MATERIALIZED ({members}),
hourly AS (
    SELECT v.series_id, v.sum_units / (v.count * m.scale) AS avg, v.estimated, m.tz,
           time_bucket(INTERVAL '1 day', v.bucket, m.tz) AS day
    FROM series_1h v JOIN members m USING (series_id)
    WHERE v.series_id = ANY(%(series)s::integer[])
      AND v.bucket >= %(start)s::timestamptz AND v.bucket < %(until)s::timestamptz
      AND v.count > 0
)
SELECT m.id, h.day AS bucket, avg(h.avg) AS avg, min(h.avg) AS min, max(h.avg) AS max,
       sum(h.avg) AS sum, count(*) AS count, NULL::bigint AS nodes, h.series_id, m.kind,
       m.subtype, m.unit, sum(h.estimated)::bigint AS estimated, h.tz
FROM hourly h JOIN members m USING (series_id)
GROUP BY m.id, h.series_id, m.kind, m.subtype, m.unit, h.tz, h.day

-- Node level, per series and local day: statistics of the day's hourly averages. A local day's
-- hours are the hour-long spans from its local midnight (so a day in +05:30 has hours starting at
-- :30 UTC, and DST days have 23 or 25 of them); in whole-hour zones they are the UTC hours that
-- series_1h holds, so this agrees with cagg_series_1d.sql wherever both can answer.
WITH members AS MATERIALIZED ({members}), latest AS ({latest}),
local AS (
    SELECT l.series_id, l.value, l.quality, m.tz,
           time_bucket(INTERVAL '1 day', l.target, m.tz) AS day, l.target
    FROM latest l JOIN members m USING (series_id)
),
hourly AS (
    SELECT series_id, tz, day,
           day + floor(extract(epoch FROM target - day) / 3600) * INTERVAL '1 hour' AS hour,
           avg(value) AS avg, count(*) FILTER (WHERE quality = 1) AS estimated
    FROM local
    GROUP BY series_id, tz, day, 4
)
SELECT m.id, h.day AS bucket, avg(h.avg) AS avg, min(h.avg) AS min, max(h.avg) AS max,
       sum(h.avg) AS sum, count(*) AS count, NULL::bigint AS nodes, h.series_id, m.kind,
       m.subtype, m.unit, sum(h.estimated)::bigint AS estimated, h.tz
FROM hourly h JOIN members m USING (series_id)
GROUP BY m.id, h.series_id, m.kind, m.subtype, m.unit, h.tz, h.day

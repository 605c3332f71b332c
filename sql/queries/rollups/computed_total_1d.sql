-- Region or grid level, per kind, subtype and local day: statistics of the day's hourly values
-- (computed_total_1h.sql over the local day's hours, see computed_node_1d.sql); nodes = the most
-- series that reported in any hour of the day.
WITH members AS MATERIALIZED ({members}), latest AS ({latest}),
local AS (
    SELECT l.series_id, l.value, l.quality, l.target,
           time_bucket(INTERVAL '1 day', l.target, m.tz) AS day
    FROM latest l JOIN members m USING (series_id)
),
hourly AS (
    SELECT series_id, day,
           day + floor(extract(epoch FROM target - day) / 3600) * INTERVAL '1 hour' AS hour,
           avg(value) AS avg, count(*) FILTER (WHERE quality = 1) AS estimated
    FROM local
    GROUP BY series_id, day, 3
),
totals AS (
    SELECT m.id, m.kind, m.subtype, m.unit, m.tz, h.day, h.hour,
           CASE WHEN m.aggregation = 'mean' THEN avg(h.avg) ELSE sum(h.avg) END AS value,
           count(*) AS nodes, sum(h.estimated)::bigint AS estimated
    FROM hourly h JOIN members m USING (series_id)
    GROUP BY m.id, m.kind, m.subtype, m.unit, m.aggregation, m.tz, h.day, h.hour
)
SELECT id, day AS bucket, avg(value) AS avg, min(value) AS min, max(value) AS max,
       sum(value) AS sum, count(*) AS count, max(nodes) AS nodes, NULL::integer AS series_id,
       kind, subtype, unit, sum(estimated)::bigint AS estimated, tz
FROM totals
GROUP BY id, kind, subtype, unit, tz, day

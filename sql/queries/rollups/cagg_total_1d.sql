-- Region or grid level, per kind, subtype and local day, from region_1h / grid_1h: statistics of
-- the day's hourly values (see cagg_total_1h.sql); nodes = the most series that reported in any
-- hour of the day. Only used where local days are runs of whole UTC hours (see cagg_series_1d).
WITH hourly AS ({hourly})
SELECT id, time_bucket(INTERVAL '1 day', bucket, tz) AS bucket,
       avg(avg) AS avg, min(avg) AS min, max(avg) AS max, sum(avg) AS sum, count(*) AS count,
       max(nodes) AS nodes, NULL::integer AS series_id, kind, subtype, unit,
       sum(estimated)::bigint AS estimated, tz
FROM hourly
GROUP BY id, kind, subtype, unit, tz, time_bucket(INTERVAL '1 day', bucket, tz)

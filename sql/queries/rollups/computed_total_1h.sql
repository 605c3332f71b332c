-- Region or grid level, per kind, subtype and UTC hour: the series' hourly averages added up
-- (sum kinds) or averaged (mean kinds), as region_1h / grid_1h hold them.
WITH members AS MATERIALIZED ({members}), latest AS ({latest}),
hourly AS (
    SELECT l.series_id, time_bucket(INTERVAL '1 hour', l.target) AS hour, avg(l.value) AS avg,
           count(*) FILTER (WHERE l.quality = 1) AS estimated
    FROM latest l
    GROUP BY l.series_id, time_bucket(INTERVAL '1 hour', l.target)
),
totals AS (
    SELECT m.id, m.kind, m.subtype, m.unit, m.tz, h.hour,
           CASE WHEN m.aggregation = 'mean' THEN avg(h.avg) ELSE sum(h.avg) END AS value,
           count(*) AS nodes, sum(h.estimated)::bigint AS estimated
    FROM hourly h JOIN members m USING (series_id)
    GROUP BY m.id, m.kind, m.subtype, m.unit, m.aggregation, m.tz, h.hour
)
SELECT id, hour AS bucket, value AS avg, value AS min, value AS max, value AS sum,
       1::bigint AS count, nodes, NULL::integer AS series_id, kind, subtype, unit, estimated, tz
FROM totals

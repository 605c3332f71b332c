-- Node level, per series and UTC hour: statistics of the hour's latest usable values (series_1h).
WITH members AS MATERIALIZED ({members}), latest AS ({latest})
SELECT m.id, time_bucket(INTERVAL '1 hour', l.target) AS bucket,
       avg(l.value) AS avg, min(l.value) AS min, max(l.value) AS max, sum(l.value) AS sum,
       count(*) AS count, NULL::bigint AS nodes, l.series_id, m.kind, m.subtype, m.unit,
       count(*) FILTER (WHERE l.quality = 1) AS estimated, m.tz
FROM latest l JOIN members m USING (series_id)
GROUP BY m.id, l.series_id, m.kind, m.subtype, m.unit, m.tz, time_bucket(INTERVAL '1 hour', l.target)

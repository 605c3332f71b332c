-- Region or grid level, per kind, subtype and target: the series' latest usable values added up
-- (sum kinds) or averaged (mean kinds); nodes = how many series had one.
WITH members AS MATERIALIZED ({members}), latest AS ({latest}),
totals AS (
    SELECT m.id, m.kind, m.subtype, m.unit, m.tz, l.target,
           CASE WHEN m.aggregation = 'mean' THEN avg(l.value) ELSE sum(l.value) END AS value,
           count(*) AS nodes, count(*) FILTER (WHERE l.quality = 1) AS estimated
    FROM latest l JOIN members m USING (series_id)
    GROUP BY m.id, m.kind, m.subtype, m.unit, m.aggregation, m.tz, l.target
)
SELECT id, target AS bucket, value AS avg, value AS min, value AS max, value AS sum,
       1::bigint AS count, nodes, NULL::integer AS series_id, kind, subtype, unit, estimated, tz
FROM totals

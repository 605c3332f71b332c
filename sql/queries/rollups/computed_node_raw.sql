-- Node level, per target: the series' latest usable value.
WITH members AS MATERIALIZED ({members}), latest AS ({latest})
SELECT m.id, l.target AS bucket, l.value AS avg, l.value AS min, l.value AS max, l.value AS sum,
       1::bigint AS count, NULL::bigint AS nodes, l.series_id, m.kind, m.subtype, m.unit,
       (l.quality = 1)::int::bigint AS estimated, m.tz
FROM latest l JOIN members m USING (series_id)

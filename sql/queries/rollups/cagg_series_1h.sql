-- Node level, per series and UTC hour, from the real-time continuous aggregate series_1h
-- (materialised rows below its watermark, raw data above it). Hours whose values were all
-- missing have no usable value and no row. It holds integers of the kind's smallest unit
-- (migration 0011): the mean is one division of the exact sum by count * scale.
WITH members AS MATERIALIZED ({members})
SELECT m.id, v.bucket, v.sum_units / (v.count * m.scale) AS avg,
       v.min_units::float8 / m.scale AS min, v.max_units::float8 / m.scale AS max,
       v.sum_units / m.scale AS sum, v.count, NULL::bigint AS nodes, v.series_id,
       m.kind, m.subtype, m.unit, v.estimated, m.tz
FROM series_1h v JOIN members m USING (series_id)
WHERE v.series_id = ANY(%(series)s::integer[])
  AND v.bucket >= %(start)s::timestamptz AND v.bucket < %(until)s::timestamptz
  AND v.count > 0

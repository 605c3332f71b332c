-- The latest revision of every target of the chosen series in [start, until), from the
-- real-time continuous aggregate series_latest (materialised below its watermark, computed from
-- measures above it). Only usable values: quality <= %(max_quality)s (1: good and estimated,
-- 0: good only); missing values never enter a rollup. The aggregate holds integers of the
-- kind's smallest unit (migration 0011): divided by its scale, each is the float8 that was sent.
SELECT v.series_id, v.target, v.value_units::float8 / k.scale AS value, v.quality
FROM series_latest v
JOIN series s ON s.id = v.series_id
JOIN kind k ON k.name = s.kind
WHERE v.series_id = ANY(%(series)s::integer[])
  AND v.target >= %(start)s::timestamptz AND v.target < %(until)s::timestamptz
  AND v.quality <= %(max_quality)s::smallint

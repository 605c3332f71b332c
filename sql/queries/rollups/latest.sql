-- The latest revision of every target of the chosen series in [start, until), from the
-- real-time continuous aggregate series_latest (materialised below its watermark, computed from
-- measures above it). Only usable values: quality <= %(max_quality)s (1: good and estimated,
-- 0: good only); missing values never enter a rollup.
SELECT v.series_id, v.target, v.value, v.quality
FROM series_latest v
WHERE v.series_id = ANY(%(series)s::integer[])
  AND v.target >= %(start)s::timestamptz AND v.target < %(until)s::timestamptz
  AND v.quality <= %(max_quality)s::smallint

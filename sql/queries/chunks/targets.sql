-- Revisions of measures in [start, end) (one UTC day), and their distinct (series, target)
-- pairs: a day of series_latest's rows, and at most those of every other rollup, which
-- aggregates series_latest.
SELECT count(*), count(DISTINCT (series_id, timestamp_measured))
FROM measures
WHERE timestamp_measured >= %(start)s::timestamptz
  AND timestamp_measured < %(end)s::timestamptz

-- Revisions of measures in [start, end) (one UTC day), their distinct (series, target) pairs (a
-- day of series_latest's rows, and at most those of every other rollup, which aggregates
-- series_latest), and their series (at least every rollup's segments).
SELECT count(*), count(DISTINCT (series_id, timestamp_measured)), count(DISTINCT series_id)
FROM measures
WHERE timestamp_measured >= %(start)s::timestamptz
  AND timestamp_measured < %(end)s::timestamptz

-- Revisions stored in [start, end) (one chunk of series_latest), counted up to %(cap)s: enough
-- to choose how many chunks one piece of a long refresh takes (gridts.refresh.views).
SELECT count(*)
FROM (
    SELECT 1
    FROM measures
    WHERE timestamp_measured >= %(start)s::timestamptz
      AND timestamp_measured < %(end)s::timestamptz
    LIMIT %(cap)s
) AS stored

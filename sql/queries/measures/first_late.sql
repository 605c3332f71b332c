-- latest_materialised.sql's bound for an as-of read (the latest revision collected by
-- %(collected)s): the first target of the series (s.id) in series_latest's exact part
-- [fresh_start, fresh_end) (fresh.sql) whose newest revision was collected after that time,
-- else fresh_end. Before it each materialised row's newest revision was collected by then, so
-- it is also the as-of answer, and a target without a row has no revision at all. Found per
-- series, in the statement: in rowstore chunks (the rollups' last 45 days, as their policy
-- leaves them) one search over all the read's series before it took 237 ms for 1,000 series
-- over 30 days, and the read waited for it (bench/README.md, "As of a time from the
-- materialisation").
SELECT coalesce(min(l.target), %(fresh_end)s::timestamptz)
FROM {materialised} l
WHERE l.series_id = s.id
  AND l.target >= %(fresh_start)s::timestamptz
  AND l.target < %(fresh_end)s::timestamptz
  AND l.timestamp_collected > %(collected)s::timestamptz

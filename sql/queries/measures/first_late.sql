-- For an as-of read (the latest revision collected by %(collected)s): the first target of its
-- series in series_latest's exact part [fresh_start, fresh_end) (fresh.sql) whose newest
-- revision was collected after that time, or NULL if none was. Before it, each materialised
-- row's newest revision was collected by then, so it is also the as-of answer, and a target
-- without a row has no revision at all (latest_materialised.sql reads up to it). One bound for
-- every series of the read; {materialised} is fresh.sql's relation. On the year bench (1,000
-- series, 30 days as of 3 days 11 hours before their end) this takes ~34 ms and the read then
-- 316-398 ms instead of 788-819 ms in the database (bench/README.md, "As of a time from the
-- materialisation").
SELECT min(l.target)
FROM {materialised} l
WHERE l.series_id = ANY(%(series)s::integer[])
  AND l.target >= %(fresh_start)s::timestamptz
  AND l.target < %(fresh_end)s::timestamptz
  AND l.timestamp_collected > %(collected)s::timestamptz

-- Rows per day of one hypertable, how many days of data it holds, and the instant both are
-- measured up to (the anchor).
--
-- The anchor is its newest time no later than %(ahead)s from now: forecasts a few days ahead
-- count, but a row far in the future (a year-ahead forecast, a client's typo in the year) must
-- not make the weeks before it look empty. With none that early, its newest time.
--
-- Rows per day is the median count of the UTC days holding any row among the %(window)s up to
-- the anchor: a few days posted weeks apart, or a gap in the feed, say what a day holds when data
-- comes, not how often it came. The mean over the window took such a tail for a sparse table,
-- and gridts migrate widened the chunks and merged those already stored (64 chunks of
-- series_latest on the year bench database, after three days posted ten days apart).
--
-- The window's bounds are scalar subqueries, so TimescaleDB leaves out the chunks outside it
-- when the statement runs; joined with the anchor's row instead, every chunk was decompressed
-- (4.1-4.6 s for a year of 1,000 nodes' revisions, against 0.2 s).
WITH bounds AS (
    SELECT coalesce(
               (SELECT max({column}) FROM {table} WHERE {column} <= now() + %(ahead)s::interval),
               (SELECT max({column}) FROM {table})
           ) AS t,
           (SELECT min({column}) FROM {table}) AS first
),
days AS (
    SELECT count(*) AS n
    FROM {table} m
    WHERE m.{column} > (SELECT t FROM bounds) - %(window)s::interval
      AND m.{column} <= (SELECT t FROM bounds)
    GROUP BY time_bucket(INTERVAL '1 day', m.{column})
)
SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n) FROM days),
       extract(epoch FROM b.t - b.first) / 86400,
       b.t
FROM bounds b

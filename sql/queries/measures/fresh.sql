-- The part [fresh_start, fresh_end) of a latest read's range [start, end] that series_latest's
-- materialised rows answer exactly as measures would (latest_materialised.sql reads it there).
-- A materialised target is exact when it lies:
-- - below series_latest's watermark: above it nothing is materialised yet;
-- - after the retention boundary: before it the rollups keep what raw data no longer holds;
-- - before every queued refresh window (rollup_refresh_queue) that reaches into the range: a
--   write below the watermark queues its days in its own transaction, and the refresher
--   dequeues them only after their refresh has committed (gridts.refresh). So a day that no
--   queue row covers holds, in series_latest, every revision acknowledged before this
--   statement.
-- Targets are whole seconds (ingest refuses others), so one-second buckets are the targets
-- themselves. No row: nothing is materialised to read (an empty aggregate's watermark is the
-- lowest timestamp, 4714 BC: compared here, never fetched).
WITH b AS (
    SELECT greatest(%(start)s::timestamptz,
                    (SELECT now() - (j.config->>'drop_after')::interval
                       FROM timescaledb_information.jobs j
                      WHERE j.proc_name = 'policy_retention'
                        AND j.hypertable_schema = current_schema()
                        AND j.hypertable_name = 'measures')) AS fresh_start
), f AS (
    SELECT b.fresh_start,
           least((SELECT _timescaledb_functions.to_timestamp(
                             _timescaledb_functions.cagg_watermark(c.mat_hypertable_id))
                    FROM _timescaledb_catalog.continuous_agg c
                   WHERE c.user_view_schema = current_schema()
                     AND c.user_view_name = 'series_latest'),
                 (SELECT min(q.window_start)
                    FROM rollup_refresh_queue q
                   WHERE q.window_end > b.fresh_start
                     AND q.window_start <= %(end)s::timestamptz),
                 %(end)s::timestamptz + INTERVAL '1 microsecond') AS fresh_end
    FROM b
)
SELECT f.fresh_start, f.fresh_end FROM f WHERE f.fresh_end > f.fresh_start

-- The part [fresh_start, fresh_end) of a latest read's range [start, end] that series_latest's
-- materialised rows answer exactly as measures would (latest_materialised.sql reads it there),
-- and where to read them: series_latest's materialisation hypertable itself when this role may
-- (0013 grants it to gridts_api), its schema and name; else NULLs, and the read goes through
-- the view. The hypertable itself costs PostgreSQL a third less for 1,000 series over 30 days
-- (170 against 253 ms; bench/README.md, "Latest values from the materialisation itself"): the
-- view adds its watermark filter and a projection and an append per row. Below fresh_end the
-- two hold the same rows.
--
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
-- lowest timestamp, 4714 BC: compared here, never fetched), or series_latest is not a
-- continuous aggregate here.
WITH a AS (
    SELECT _timescaledb_functions.to_timestamp(
               _timescaledb_functions.cagg_watermark(c.mat_hypertable_id)) AS watermark,
           h.schema_name, h.table_name
    FROM _timescaledb_catalog.continuous_agg c
    JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
    WHERE c.user_view_schema = current_schema()
      AND c.user_view_name = 'series_latest'
), b AS (
    SELECT greatest(%(start)s::timestamptz,
                    (SELECT now() - (j.config->>'drop_after')::interval
                       FROM timescaledb_information.jobs j
                      WHERE j.proc_name = 'policy_retention'
                        AND j.hypertable_schema = current_schema()
                        AND j.hypertable_name = 'measures')) AS fresh_start
), f AS (
    SELECT b.fresh_start,
           least(a.watermark,
                 (SELECT min(q.window_start)
                    FROM rollup_refresh_queue q
                   WHERE q.window_end > b.fresh_start
                     AND q.window_start <= %(end)s::timestamptz),
                 %(end)s::timestamptz + INTERVAL '1 microsecond') AS fresh_end,
           has_table_privilege(quote_ident(a.schema_name) || '.' || quote_ident(a.table_name),
                               'SELECT') AS readable,
           a.schema_name, a.table_name
    FROM a CROSS JOIN b
    WHERE a.watermark IS NOT NULL
)
SELECT f.fresh_start, f.fresh_end,
       CASE WHEN f.readable THEN f.schema_name END,
       CASE WHEN f.readable THEN f.table_name END
FROM f
WHERE f.fresh_end > f.fresh_start
